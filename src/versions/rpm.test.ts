import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rpmScheme, rpmvercmp } from './rpm.js';
import { VersionParseError } from './scheme.js';
import { checkAgainstNative, checkVectors, parseAnswer, summary } from './test-support/agreement.js';
import { runPairs } from './test-support/native.js';
import { mutate, number, rng, run, versionPairs, type Rng } from './test-support/prng.js';
import { readScalibrVectors, readSignedTsv, type OrderVector } from './test-support/vectors.js';

// ---------------------------------------------------------------------------
// Generators: EVRs with epochs (also empty and zero-padded ones), tildes, carets,
// letters, odd separators, non-ASCII, colons that are not epochs, and releases.

function segment(r: Rng): string {
  return r.pick([number(r), run(r, 'abcdefghijklmnopqrstuvwxyzABCXYZ', 1, 4), 'rc1', 'el9', 'fc39', 'git1', 'a', 'p1', 'α', '']);
}

function versionPart(r: Rng): string {
  let s = r.chance(0.9) ? number(r) : segment(r);
  const n = r.int(0, 4);
  for (let i = 0; i < n; i++) s += r.pick(['.', '.', '.', '_', '+', '~', '^', '', '%', '~~', '^^', ':']) + segment(r);
  return s;
}

function evr(r: Rng): string {
  const epoch = r.chance(0.25) ? `${r.pick(['', '0', '1', '2', '01', '10', '004'])}:` : '';
  const release = r.chance(0.7) ? `-${r.chance(0.5) ? r.pick(['1.el9', '3.fc39', '0.1.rc1.el8_7', '1.module+el8.4.0+123+abc', '1', '', '2.el7_9', '1.1', '1~', '1^']) : versionPart(r)}` : '';
  return epoch + versionPart(r) + release;
}

/**
 * The version part as rpm's parseEVR finds it (after a leading `digits:` epoch, up
 * to the last hyphen). We refuse an empty one on purpose (see rpm.ts); rpm
 * compares it as "", so those are kept out of the agreement runs and tested below.
 */
function emptyVersionPart(v: string): boolean {
  const m = /^(?:[0-9]*:)?(.*?)(?:-[^-]*)?$/.exec(v);
  return m !== null && m[1] === '';
}

function generate(r: Rng): string {
  for (;;) {
    const v = evr(r);
    if (v !== '' && !emptyVersionPart(v)) return v;
  }
}

function neighbour(r: Rng, v: string): string {
  for (;;) {
    const n = mutate(r, v, '0123456789.~^+-:_abzA', ['~', '^', '~rc1', '^git1', '.0', '-1', 'a', '.el9', ':', '0', '1']);
    if (n !== '' && !emptyVersionPart(n)) return n;
  }
}

// ---------------------------------------------------------------------------
// rpm's own comparison, through its Python binding: rpm.ver() parses an EVR and
// its ordering is rpmverCmp.

const PYTHON = '/usr/bin/python3';
const RPM_VER_COMPARE = [
  'import sys, rpm',
  'out = []',
  'for line in sys.stdin:',
  '    a, b = line.rstrip("\\n").split("\\t")',
  '    try:',
  '        va, vb = rpm.ver(a), rpm.ver(b)',
  '    except Exception:',
  '        out.append("E")',
  '        continue',
  '    out.append("-1" if va < vb else "1" if va > vb else "0")',
  'sys.stdout.write("\\n".join(out) + ("\\n" if out else ""))',
].join('\n');

function rpmAvailable(): boolean {
  try {
    runPairs(PYTHON, ['-c', 'import rpm'], []);
    return true;
  } catch {
    return false;
  }
}
const haveRpm = rpmAvailable();

test('rpm: corpus EVR vectors (osv-scalibr redhat-versions.txt)', (t) => {
  const vectors = readScalibrVectors('redhat-versions.txt');
  if (!vectors) return t.skip('shared corpus (scanner/version-vectors) not present');
  const r = checkVectors(rpmScheme, vectors);
  t.diagnostic(`${summary('redhat-versions.txt', r)}, ${r.rejected.length} rejected`);
  assert.deepEqual(r.rejected.map((v) => v.where), []);
  assert.deepEqual(r.disagreements, []);
});

test("rpm: rpmvercmp against rpm's own test vectors (tests/rpmvercmp.at, incl. the commented-out oddities)", (t) => {
  const sets = [readSignedTsv('rpm/rpmvercmp.at.tsv'), readSignedTsv('rpm/rpmvercmp.at.oddities-commented-out.tsv')];
  if (sets.some((s) => s === undefined)) return t.skip('shared corpus (scanner/version-vectors/rpm) not present');
  for (const vectors of sets as OrderVector[][]) {
    const wrong = vectors.filter((v) => Math.sign(rpmvercmp(v.a, v.b)) !== v.expected).map((v) => `${v.where}: ${v.a} vs ${v.b}`);
    t.diagnostic(`${vectors[0]?.where.split(':')[0]}: ${vectors.length - wrong.length}/${vectors.length} agree`);
    assert.deepEqual(wrong, []);
  }
});

test('rpm: ordering agrees with rpm.ver() (rpm 4.18 Python binding) on generated EVR pairs', (t) => {
  if (!haveRpm) return t.skip('python3-rpm not installed (apt-get install python3-rpm)');
  const pairs = versionPairs(rng(0x4e1), 30_000, generate, neighbour);
  const answers = runPairs(PYTHON, ['-c', RPM_VER_COMPARE], pairs).map(parseAnswer);
  const check = checkAgainstNative(rpmScheme, pairs, answers);
  t.diagnostic(summary('rpm.ver pairs', check));
  assert.deepEqual(check.disagreements, []);
});

test('rpm: we refuse EVRs rpm tolerates only as degenerate input (empty version part, whitespace), and rpm does tolerate them', (t) => {
  const cases = ['1:', '-1', '1:-1', ' 1', 'a b', '1.0\t'];
  for (const v of cases) assert.equal(rpmScheme.isValid(v), false, JSON.stringify(v));
  assert.equal(rpmScheme.isValid(''), false);
  if (!haveRpm) return t.skip('python3-rpm not installed: cannot confirm rpm accepts these');
  const answers = runPairs(PYTHON, ['-c', RPM_VER_COMPARE], cases.filter((v) => !v.includes('\t')).map((v) => [v, v] as const));
  assert.ok(answers.every((a) => a === '0'), 'rpm.ver() accepts each of them, so refusing is our documented choice');
});

test('rpm: compare() throws a malformed_input VersionParseError', () => {
  assert.throws(
    () => rpmScheme.compare('', '1.0'),
    (e: unknown) => e instanceof VersionParseError && e.code === 'malformed_input' && e.scheme === 'rpm' && /not a valid RPM version/.test(e.message),
  );
  assert.throws(() => rpmScheme.compare('1.0', '1:'), VersionParseError);
});
