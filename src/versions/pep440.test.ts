import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pep440Scheme } from './pep440.js';
import { VersionParseError } from './scheme.js';
import { checkAgainstNative, checkVectors, parseAnswer, summary } from './test-support/agreement.js';
import { runPairs } from './test-support/native.js';
import { mutate, rng, versionPairs, type Rng } from './test-support/prng.js';
import { readScalibrVectors, vectorPath } from './test-support/vectors.js';

// ---------------------------------------------------------------------------
// packaging (pip's comparator), run with Debian's python3-packaging.

const PYTHON = '/usr/bin/python3';
const PACKAGING_COMPARE = [
  'import sys',
  'from packaging.version import Version, InvalidVersion',
  'out = []',
  'for line in sys.stdin:',
  '    a, b = line.rstrip("\\n").split("\\t")',
  '    try:',
  '        va, vb = Version(a), Version(b)',
  '    except InvalidVersion:',
  '        out.append("E")',
  '        continue',
  '    out.append("-1" if va < vb else "1" if va > vb else "0")',
  'sys.stdout.write("\\n".join(out) + ("\\n" if out else ""))',
].join('\n');

function packagingVersion(): string | undefined {
  try {
    const [v] = runPairs(PYTHON, ['-c', 'import sys, packaging; sys.stdin.read(); print(packaging.__version__)'], [['', '']]);
    return v;
  } catch {
    return undefined;
  }
}
const packaging = packagingVersion();

function packagingCompare(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  return runPairs(PYTHON, ['-c', PACKAGING_COMPARE], pairs);
}

// ---------------------------------------------------------------------------
// Generators: every spelling PEP 440 normalizes (case, separators, implicit
// numbers, aliases), locals, epochs, whitespace, and legacy strings it rejects.

function num(r: Rng): string {
  return r.pick([String(r.int(0, 9)), String(r.int(0, 30)), `0${r.int(0, 9)}`, '0', '00', String(r.int(100, 2025)), '12345678901234567890']);
}

const sep = (r: Rng): string => r.pick(['', '', '.', '-', '_']);

function pep440(r: Rng): string {
  let s = r.chance(0.05) ? r.pick(['v', 'V']) : '';
  if (r.chance(0.1)) s += `${num(r)}!`;
  s += num(r);
  for (let i = r.int(0, 3); i > 0; i--) s += `.${num(r)}`;
  if (r.chance(0.3)) s += sep(r) + r.pick(['a', 'alpha', 'b', 'beta', 'c', 'rc', 'pre', 'preview', 'A', 'RC', 'Beta']) + sep(r) + (r.chance(0.7) ? num(r) : '');
  if (r.chance(0.2)) s += r.chance(0.3) ? `-${num(r)}` : sep(r) + r.pick(['post', 'rev', 'r', 'POST']) + sep(r) + (r.chance(0.7) ? num(r) : '');
  if (r.chance(0.2)) s += sep(r) + r.pick(['dev', 'DEV']) + sep(r) + (r.chance(0.7) ? num(r) : '');
  if (r.chance(0.15)) {
    s += `+${r.pick(['ubuntu', 'abc', '1', '01', 'cpu', 'g1234ab', 'Local'])}`;
    for (let i = r.int(0, 2); i > 0; i--) s += r.pick(['.', '-', '_']) + r.pick(['1', 'a', '02', 'cu118', 'x']);
  }
  // Python whitespace that survives line-wise transport: space, form feed, U+001F, U+3000.
  if (r.chance(0.03)) s = r.pick([' ', '\f', '\u001f', '\u3000']) + s + r.pick(['', ' ', '\f']);
  return s;
}

function legacy(r: Rng): string {
  return r.pick(['1.0-foo', '2004d', '1.0.0-beta-1', '1..2', '1.0+', 'dev', '1.0.dev.dev', '0.1-bulbasaur', '1.0a1a1', '1.0+a+b', '1.0 a1', '', '1.0.post.post', '.1']);
}

const generate = (r: Rng): string => (r.chance(0.08) ? legacy(r) : pep440(r));
const neighbour = (r: Rng, v: string): string => mutate(r, v, '0123456789.-_!+abcdeprvADR', ['.0', 'a1', 'rc1', '.post1', '.dev0', '+local', '-1', '.1', 'b', 'r', '!', '0']);

// ---------------------------------------------------------------------------

test('pep440: pypa/packaging test vectors (ascending VERSIONS, valid/invalid, normalization)', (t) => {
  const path = vectorPath('pypa-packaging', 'test_version.vectors.json');
  if (!path) return t.skip('shared corpus (scanner/version-vectors/pypa-packaging) not present');
  const data = JSON.parse(readFileSync(path, 'utf8')) as {
    module_constants: { VERSIONS: string[] };
    parametrize: Array<{ test: string; values: unknown[] }>;
  };
  const values = (name: string): unknown[] => data.parametrize.find((p) => p.test === name)?.values ?? [];
  const wrong: string[] = [];

  const ascending = data.module_constants.VERSIONS;
  let ordered = 0;
  for (let i = 0; i < ascending.length; i++) {
    for (let j = 0; j < ascending.length; j++) {
      const a = ascending[i] as string;
      const b = ascending[j] as string;
      ordered++;
      if (pep440Scheme.compare(a, b) !== Math.sign(i - j)) wrong.push(`VERSIONS: ${a} vs ${b}`);
    }
  }
  const valid = values('test_valid_versions') as string[];
  for (const v of valid) if (!pep440Scheme.isValid(v)) wrong.push(`valid: ${v}`);
  const invalid = [...(values('test_invalid_versions') as string[]), ...(values('test_oversized_version_raises_valueerror') as string[])];
  for (const v of invalid) if (pep440Scheme.isValid(v)) wrong.push(`invalid: ${v}`);
  const equalPairs = [...(values('test_normalized_versions') as Array<[string, string]>), ...(values('test_version_str_repr') as Array<[string, string]>)];
  for (const [v, normalized] of equalPairs) if (pep440Scheme.compare(v, normalized) !== 0) wrong.push(`normalized: ${v} = ${normalized}`);

  t.diagnostic(`packaging vectors: ${ordered} ordered pairs, ${valid.length} valid, ${invalid.length} invalid, ${equalPairs.length} normalization pairs; ${wrong.length} wrong`);
  assert.deepEqual(wrong, []);
  assert.ok(ordered > 8000 && valid.length > 50 && invalid.length > 10 && equalPairs.length > 100);
});

test('pep440: osv-scalibr PyPI vectors; the refused ones are exactly what packaging refuses', (t) => {
  for (const file of ['pypi-versions.txt', 'pypi-versions-generated.txt']) {
    const vectors = readScalibrVectors(file);
    if (!vectors) return t.skip('shared corpus (scanner/version-vectors) not present');
    const r = checkVectors(pep440Scheme, vectors);
    t.diagnostic(`${summary(file, r)}, ${r.rejected.length} refused (legacy versions)`);
    assert.deepEqual(r.disagreements, []);
    if (packaging === undefined) {
      t.diagnostic('python3-packaging not installed: refused lines not cross-checked');
      continue;
    }
    const verdicts = packagingCompare(r.rejected.map((v) => [v.a, v.b] as const));
    const acceptedByPackaging = r.rejected.filter((_, i) => verdicts[i] !== 'E').map((v) => `${v.where}: ${v.a} ${v.b}`);
    assert.deepEqual(acceptedByPackaging, []);
  }
});

test('pep440: ordering and validity agree with packaging on generated pairs', (t) => {
  if (packaging === undefined) return t.skip('python3-packaging not installed (apt-get install python3-packaging)');
  const pairs = versionPairs(rng(0x440), 30_000, generate, neighbour);
  const answers = packagingCompare(pairs).map(parseAnswer);
  const check = checkAgainstNative(pep440Scheme, pairs, answers);
  t.diagnostic(`${summary(`packaging ${packaging} pairs`, check)}`);
  assert.deepEqual(check.disagreements, []);
});

test('pep440: compare() throws a malformed_input VersionParseError naming the version and scheme', () => {
  assert.throws(
    () => pep440Scheme.compare('1.2.3x', '1.0'),
    (e: unknown) => e instanceof VersionParseError && e.code === 'malformed_input' && e.message === "'1.2.3x' is not a valid PEP 440 version" && e.scheme === 'pep440',
  );
  assert.throws(() => pep440Scheme.compare('1.0', '0.1-bulbasaur'), VersionParseError);
});
