import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nugetScheme } from './nuget.js';
import { VersionParseError } from './scheme.js';
import { checkVectors, summary } from './test-support/agreement.js';
import { readScalibrVectors } from './test-support/vectors.js';

// No NuGet client runs on this machine (no .NET in Debian's archive), so the
// oracles are osv-scalibr's NuGet vectors and the examples NuGet's documentation
// gives (learn.microsoft.com/nuget/concepts/package-versioning).

test('nuget: osv-scalibr NuGet vectors', (t) => {
  const vectors = readScalibrVectors('nuget-versions.txt');
  if (!vectors) return t.skip('shared corpus (scanner/version-vectors) not present');
  const r = checkVectors(nugetScheme, vectors);
  // The refused lines use 30-digit numbers, which System.Version (int32 parts) cannot hold.
  t.diagnostic(`${summary('nuget-versions.txt', r)}, refused: ${r.rejected.map((v) => v.where).join(', ')}`);
  assert.deepEqual(r.disagreements, []);
  assert.ok(r.rejected.every((v) => /[0-9]{11,}/.test(v.a + v.b)), 'only out-of-range numbers are refused');
});

test("nuget: the documentation's precedence example, highest first", () => {
  const descending = ['1.0.1', '1.0.1-zzz', '1.0.1-rc.10', '1.0.1-rc.2', '1.0.1-open', '1.0.1-beta', '1.0.1-alpha2', '1.0.1-alpha10', '1.0.1-aaa'];
  for (let i = 0; i < descending.length; i++) {
    for (let j = 0; j < descending.length; j++) {
      assert.equal(nugetScheme.compare(descending[i] as string, descending[j] as string), Math.sign(j - i), `${descending[i]} vs ${descending[j]}`);
    }
  }
});

test("nuget: the documentation's normalization examples compare equal", () => {
  const equal: Array<[string, string]> = [
    ['1.0', '1.0.0'],
    ['1.01.1', '1.1.1'],
    ['1.00', '1.0.0'],
    ['1.0.0.0', '1.0.0'],
    ['1.0.01.0', '1.0.1'],
    ['1.0.0+githash', '1.0.0'],
  ];
  for (const [a, b] of equal) assert.equal(nugetScheme.compare(a, b), 0, `${a} = ${b}`);
});

test('nuget: compare() throws a malformed_input VersionParseError', () => {
  for (const bad of ['', '1.2.3.4.5', '1.0.0-', '1.0.0-beta..1', '1.0.0-01', '1.0.0+', 'a.b', '1.0 ', '2147483648.0']) {
    assert.throws(
      () => nugetScheme.compare(bad, '1.0'),
      (e: unknown) => e instanceof VersionParseError && e.code === 'malformed_input' && e.scheme === 'nuget' && e.version === bad,
      JSON.stringify(bad),
    );
  }
});
