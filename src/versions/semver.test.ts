import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VersionParseError } from './scheme.js';
import { semverScheme } from './semver.js';
import { checkAgainstNative, checkVectors, summary, type NativeAnswer } from './test-support/agreement.js';
import { mutate, rng, versionPairs, type Rng } from './test-support/prng.js';
import { readScalibrVectors, vectorPath } from './test-support/vectors.js';

// npm's semver package is the reference for npm; its top-level functions are
// called directly (our scheme wraps its SemVer class with our own validity rules).
interface SemverFunctions {
  valid(v: string, options?: { loose?: boolean }): string | null;
  compare(a: string, b: string, options?: { loose?: boolean }): -1 | 0 | 1;
}
const npmSemver = createRequire(import.meta.url)('semver') as SemverFunctions;

function fixture(name: string): unknown[][] | undefined {
  const path = vectorPath('node-semver', 'json', `${name}.json`);
  return path ? (JSON.parse(readFileSync(path, 'utf8')) as unknown[][]) : undefined;
}

const isLoose = (options: unknown): boolean => options === true || (typeof options === 'object' && options !== null && (options as { loose?: boolean }).loose === true);

test("semver: node-semver's own fixtures (comparisons, equality, valid, invalid)", (t) => {
  const comparisons = fixture('comparisons');
  const equality = fixture('equality');
  const valid = fixture('valid-versions');
  const invalid = fixture('invalid-versions');
  if (!comparisons || !equality || !valid || !invalid) return t.skip('shared corpus (scanner/version-vectors/node-semver) not present');
  const wrong: string[] = [];
  let checked = 0;
  let looseOnly = 0;
  const expectOrder = (a: string, b: string, sign: number, loose: boolean): void => {
    if (!semverScheme.isValid(a) || !semverScheme.isValid(b)) {
      // Loose-mode fixtures may use forms we refuse (see semver.ts), and so may
      // surrounding whitespace, which node-semver trims; strict ones may not.
      if (loose || a.trim() !== a || b.trim() !== b) looseOnly++;
      else wrong.push(`refused strict fixture: ${a} / ${b}`);
      return;
    }
    checked++;
    if (semverScheme.compare(a, b) !== sign) wrong.push(`${a} vs ${b}: expected ${sign}`);
  };
  for (const [a, b, options] of comparisons) expectOrder(a as string, b as string, 1, isLoose(options));
  for (const [a, b, options] of equality) expectOrder(a as string, b as string, 0, isLoose(options));
  for (const [v] of valid) if (!semverScheme.isValid(v as string)) wrong.push(`valid fixture refused: ${String(v)}`);
  for (const [v] of invalid) if (typeof v === 'string' && semverScheme.isValid(v)) wrong.push(`invalid fixture accepted: ${v}`);
  t.diagnostic(`node-semver fixtures: ${checked} comparisons checked, ${valid.length} valid, ${invalid.length} invalid, ${looseOnly} loose-only or padded comparisons refused by design`);
  assert.deepEqual(wrong, []);
  assert.ok(checked > 30);
});

test('semver: osv-scalibr SemVer vectors; the refused ones are refused by node-semver too', (t) => {
  const vectors = readScalibrVectors('semver-versions.txt');
  if (!vectors) return t.skip('shared corpus (scanner/version-vectors) not present');
  const r = checkVectors(semverScheme, vectors);
  t.diagnostic(`${summary('semver-versions.txt', r)}, ${r.rejected.length} refused`);
  assert.deepEqual(r.disagreements, []);
  const acceptedByNpm = r.rejected.filter((v) => npmSemver.valid(v.a) !== null && npmSemver.valid(v.b) !== null);
  assert.deepEqual(acceptedByNpm.map((v) => v.where), []);
});

// ---------------------------------------------------------------------------

function ident(r: Rng): string {
  return r.chance(0.97) ? r.pick(['alpha', 'beta', 'rc', 'pre', String(r.int(0, 20)), '0', 'a1', 'x-y', 'Beta', 'RC', String(r.int(100, 99999))]) : r.pick(['01', '9007199254740993', '']);
}

function semverLike(r: Rng): string {
  const n = (): string => (r.chance(0.97) ? r.pick([String(r.int(0, 12)), String(r.int(0, 300)), '0']) : r.pick(['01', '9007199254740991', '9007199254740992']));
  let s = (r.chance(0.05) ? 'v' : '') + `${n()}.${n()}.${n()}`;
  if (r.chance(0.04)) s = r.pick([`${n()}.${n()}`, `=${s}`, `${s}.${n()}`]);
  if (r.chance(0.35)) s += `-${Array.from({ length: r.int(1, 3) }, () => ident(r)).join('.')}`;
  if (r.chance(0.15)) s += `+${Array.from({ length: r.int(1, 2) }, () => r.pick(['build', '001', 'sha.abc', 'x'])).join('.')}`;
  return s;
}

const neighbour = (r: Rng, v: string): string => mutate(r, v, '0123456789.-+abr', ['-0', '-alpha', '.1', '+b', '-rc.1', '.0', '-1', 'a', '1', '2']);

test('semver: ordering and validity agree with node-semver (strict) on generated pairs', (t) => {
  const pairs = versionPairs(rng(0x5e5), 30_000, semverLike, neighbour);
  const answers: NativeAnswer[] = pairs.map(([a, b]) => (npmSemver.valid(a) === null || npmSemver.valid(b) === null ? { invalid: true } : { sign: npmSemver.compare(a, b) }));
  const check = checkAgainstNative(semverScheme, pairs, answers);
  t.diagnostic(summary('node-semver pairs', check));
  assert.deepEqual(check.disagreements, []);
});

test('semver: loose forms and surrounding whitespace that node-semver tolerates are refused, by design', () => {
  for (const v of [' 1.2.3', '1.2.3 ', '=1.2.3', '1.2.3beta', '01.2.3', 'v 1.2.3']) {
    assert.equal(semverScheme.isValid(v), false, JSON.stringify(v));
    assert.notEqual(npmSemver.valid(v, { loose: true }), null, `node-semver (loose) accepts ${JSON.stringify(v)}`);
  }
});

test('semver: compare() throws a malformed_input VersionParseError', () => {
  assert.throws(
    () => semverScheme.compare('1.2', '1.0.0'),
    (e: unknown) => e instanceof VersionParseError && e.code === 'malformed_input' && e.scheme === 'semver' && e.version === '1.2',
  );
});
