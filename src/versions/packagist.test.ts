import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { normalizeComposerVersion, packagistScheme } from './packagist.js';
import { VersionParseError } from './scheme.js';
import { checkAgainstNative, checkVectors, parseAnswer, summary } from './test-support/agreement.js';
import { hasCommand, runPairs } from './test-support/native.js';
import { mutate, rng, versionPairs, type Rng } from './test-support/prng.js';
import { readScalibrVectors } from './test-support/vectors.js';

/** Debian's php-composer-semver: the library Composer itself uses. */
const COMPOSER_SEMVER = '/usr/share/php/Composer/Semver/autoload.php';

/**
 * Composer: normalize both sides (E when normalize() throws or yields a dev-
 * branch), then version_compare. With `normalize` as argument, prints the
 * normalized form of the first field instead (E when refused).
 */
const PHP_COMPARE = `
require '${COMPOSER_SEMVER}';
$parser = new Composer\\Semver\\VersionParser();
$mode = $argv[1] ?? 'compare';
$norm = function ($v) use ($parser) {
  try { $n = $parser->normalize($v); } catch (\\UnexpectedValueException $e) { return null; }
  return strpos($n, 'dev-') === 0 ? null : $n;
};
$out = '';
while (($line = fgets(STDIN)) !== false) {
  [$a, $b] = explode("\\t", rtrim($line, "\\n"), 2);
  $na = $norm($a);
  if ($mode === 'normalize') { $out .= ($na ?? 'E') . "\\n"; continue; }
  $nb = $norm($b);
  $out .= ($na === null || $nb === null) ? "E\\n" : version_compare($na, $nb) . "\\n";
}
echo $out;
`;

const haveComposer = existsSync(COMPOSER_SEMVER) && hasCommand('php', ['-v']);
const SKIP = 'php or php-composer-semver not installed (apt-get install php-cli php-composer-semver)';
const composer = (pairs: ReadonlyArray<readonly [string, string]>, mode = 'compare'): string[] => runPairs('php', ['-r', PHP_COMPARE, '--', mode], pairs);

function packagistVersion(r: Rng): string {
  const roll = r.next();
  if (roll < 0.06) return r.pick(['20230101', '2023-01-01', '2023.01.01.1', '20230101120000', `${r.int(2000, 2030)}${String(r.int(1, 12)).padStart(2, '0')}${String(r.int(1, 28)).padStart(2, '0')}`]);
  if (roll < 0.1) return r.pick(['1.x-dev', '2.1.*-dev', '2.1.X-dev', 'v3.x-dev', 'dev-main', 'master', '1.0.x-dev', 'dev-1.x']);
  const n = (): string => r.pick([String(r.int(0, 9)), String(r.int(0, 99)), '0', '00', '01', String(r.int(100, 99999)), '123456', '99999999999999999999']);
  let s = (r.chance(0.3) ? r.pick(['v', 'V']) : '') + n();
  for (let i = r.int(0, 4); i > 0; i--) s += `.${n()}`;
  if (r.chance(0.4)) {
    s += r.pick(['', '-', '.', '_']) + r.pick(['stable', 'STABLE', 'beta', 'Beta', 'b', 'RC', 'rc', 'alpha', 'a', 'patch', 'pl', 'p']);
    if (r.chance(0.6)) s += r.pick(['', '.', '-']) + n() + (r.chance(0.2) ? `.${n()}` : '');
  }
  if (r.chance(0.15)) s += r.pick(['-dev', '.dev', 'dev', '-DEV']);
  if (r.chance(0.08)) s += r.pick(['+build', '+20230101', '+a.b', '+']);
  return s;
}

const neighbour = (r: Rng, v: string): string => mutate(r, v, '0123456789.-_abprv', ['.0', '-beta1', '-RC1', '-dev', '-patch1', '.1', 'p1', '-stable', '0']);

test('packagist: normalization agrees with Composer VersionParser::normalize', (t) => {
  if (!haveComposer) return t.skip(SKIP);
  const r = rng(0x9a9);
  const versions = [...new Set(Array.from({ length: 6000 }, () => (r.chance(0.5) ? packagistVersion(r) : neighbour(r, packagistVersion(r)))))];
  const native = composer(versions.map((v) => [v, ''] as const), 'normalize');
  const wrong = versions.filter((v, i) => (normalizeComposerVersion(v) ?? 'E') !== native[i]).map((v) => `${v}: composer ${native[versions.indexOf(v)]}, ours ${normalizeComposerVersion(v) ?? 'E'}`);
  t.diagnostic(`${versions.length - wrong.length}/${versions.length} normalize alike (${native.filter((x) => x === 'E').length} refused)`);
  assert.deepEqual(wrong.slice(0, 25), []);
});

test('packagist: ordering agrees with Composer (normalize + version_compare) on generated pairs', (t) => {
  if (!haveComposer) return t.skip(SKIP);
  const pairs = versionPairs(rng(0x9aa), 30_000, packagistVersion, neighbour);
  const answers = composer(pairs).map(parseAnswer);
  const check = checkAgainstNative(packagistScheme, pairs, answers);
  t.diagnostic(summary('Composer pairs', check));
  assert.deepEqual(check.disagreements, []);
});

test('packagist: osv-scalibr vectors (raw version_compare); where they differ, Composer must agree with us', (t) => {
  for (const file of ['packagist-versions.txt', 'packagist-versions-generated.txt']) {
    const vectors = readScalibrVectors(file);
    if (!vectors) return t.skip('shared corpus (scanner/version-vectors) not present');
    const r = checkVectors(packagistScheme, vectors);
    if (!haveComposer) {
      t.diagnostic(`${summary(file, r)}; ${r.mismatched.length} differ, not arbitrated: ${SKIP}`);
      continue;
    }
    // These were generated with version_compare on raw strings, which orders 1.0 < 1.0.0
    // where Composer (normalizing first) says equal; Composer is the ecosystem's tool.
    const arbitrate = [...r.mismatched, ...r.rejected];
    const native = composer(arbitrate.map((v) => [v.a, v.b] as const)).map(parseAnswer);
    const stillWrong = arbitrate.filter((v, i) => {
      const n = native[i];
      if (n === undefined) return true;
      if ('invalid' in n) return packagistScheme.isValid(v.a) && packagistScheme.isValid(v.b);
      return !(packagistScheme.isValid(v.a) && packagistScheme.isValid(v.b) && packagistScheme.compare(v.a, v.b) === n.sign);
    });
    t.diagnostic(`${summary(file, r)}; ${r.mismatched.length} ordered differently by raw version_compare, ${r.rejected.length} refused; all confirmed by Composer`);
    assert.deepEqual(stillWrong.slice(0, 25).map((v) => `${v.where}: ${v.a} ${v.b}`), []);
  }
});

test('packagist: constraint syntax and padding that normalize() strips are refused, and Composer does strip them', (t) => {
  const cases = ['1.0@dev', '1.0 as 2.0', ' 1.0', '1.0.0 '];
  for (const v of cases) assert.equal(packagistScheme.isValid(v), false, JSON.stringify(v));
  if (!haveComposer) return t.skip(SKIP);
  assert.ok(composer(cases.map((v) => [v, ''] as const), 'normalize').every((n) => n !== 'E'));
});

test('packagist: compare() throws a malformed_input VersionParseError (branches included)', () => {
  for (const bad of ['dev-main', 'master', '1.2.3.4.5', 'foo', '']) {
    assert.throws(
      () => packagistScheme.compare(bad, '1.0'),
      (e: unknown) => e instanceof VersionParseError && e.code === 'malformed_input' && e.scheme === 'packagist' && e.version === bad,
      JSON.stringify(bad),
    );
  }
});
