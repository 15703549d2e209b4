import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION_SCHEMES, schemeById, schemeForOsvEcosystem, schemeForOsvRange } from './index.js';
import { ParseCache, VersionParseError, type VersionScheme } from './scheme.js';
import { readScalibrVectors } from './test-support/vectors.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Files in this folder that are not schemes. */
const NOT_SCHEMES = new Set(['index.js', 'scheme.js']);

function isScheme(value: unknown): value is VersionScheme {
  const v = value as Partial<VersionScheme> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.compare === 'function' && typeof v.parse === 'function' && Array.isArray(v.osvEcosystems);
}

test('every scheme file is registered in index.ts, under its file name', async () => {
  const files = readdirSync(here).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js') && !NOT_SCHEMES.has(f) && statSync(join(here, f)).isFile());
  assert.ok(files.length >= 10, `expected the scheme files, found ${files.join(', ')}`);
  for (const file of files) {
    const exports = (await import(`./${file}`)) as Record<string, unknown>;
    const schemes = Object.values(exports).filter(isScheme);
    assert.equal(schemes.length, 1, `${file} should export exactly one scheme`);
    const scheme = schemes[0] as VersionScheme;
    assert.ok(VERSION_SCHEMES.includes(scheme), `${file}: scheme '${scheme.id}' is missing from VERSION_SCHEMES in index.ts`);
    assert.equal(`${scheme.id}.js`, file, 'a scheme lives in the file named after its id');
  }
  assert.equal(VERSION_SCHEMES.length, files.length, 'VERSION_SCHEMES lists something that has no file');
});

test('scheme ids and OSV ecosystem claims are unique, and metadata is complete', () => {
  const ids = VERSION_SCHEMES.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.join(', ')}`);
  const claims = VERSION_SCHEMES.flatMap((s) => s.osvEcosystems);
  assert.equal(new Set(claims).size, claims.length, `an OSV ecosystem is claimed twice: ${claims.join(', ')}`);
  for (const s of VERSION_SCHEMES) {
    assert.ok(s.displayName.length > 0, `${s.id}: displayName`);
    assert.ok(s.osvEcosystems.length > 0, `${s.id}: osvEcosystems`);
    assert.equal(schemeById(s.id), s);
  }
});

test('schemeForOsvEcosystem: OSV names, with the release suffix after the first colon dropped', () => {
  // Ecosystem names as the OSV schema spells them (ossf/osv-schema), case-sensitive.
  const expected: Array<[string, string | undefined]> = [
    ['Debian', 'dpkg'],
    ['Debian:12', 'dpkg'],
    ['Ubuntu:22.04:LTS', 'dpkg'],
    ['Ubuntu:Pro:18.04:LTS', 'dpkg'],
    ['Alpine:v3.19', 'apk'],
    ['Wolfi', 'apk'],
    ['Chainguard', 'apk'],
    ['Red Hat:enterprise_linux:9::appstream', 'rpm'],
    ['AlmaLinux:9', 'rpm'],
    ['Rocky Linux:8', 'rpm'],
    ['SUSE:Linux Enterprise Server 15 SP5', 'rpm'],
    ['openSUSE:Leap 15.5', 'rpm'],
    ['Mageia:9', 'rpm'],
    ['npm', 'semver'],
    ['PyPI', 'pep440'],
    ['Go', 'go'],
    ['Maven', 'maven'],
    ['RubyGems', 'rubygems'],
    ['crates.io', 'cargo'],
    ['NuGet', 'nuget'],
    ['debian', undefined],
    ['Packagist', 'packagist'],
    ['Hex', 'semver'],
    ['Hackage', undefined],
    ['', undefined],
    [':12', undefined],
  ];
  for (const [ecosystem, id] of expected) assert.equal(schemeForOsvEcosystem(ecosystem)?.id, id, ecosystem);
});

test('schemeForOsvRange: ECOSYSTEM ranges by ecosystem, SEMVER ranges by SemVer, GIT ranges unordered', () => {
  const expected: Array<[string, string, string | undefined]> = [
    ['ECOSYSTEM', 'Debian:12', 'dpkg'],
    ['ECOSYSTEM', 'PyPI', 'pep440'],
    ['SEMVER', 'npm', 'semver'],
    ['SEMVER', 'Go', 'go'],
    ['SEMVER', 'crates.io', 'cargo'],
    ['SEMVER', 'Hex', 'semver'],
    ['SEMVER', 'Bitnami', 'semver'],
    ['SEMVER', 'PyPI', 'semver'],
    ['GIT', 'Go', undefined],
    ['ECOSYSTEM', 'GitHub Actions', undefined],
  ];
  for (const [type, ecosystem, id] of expected) assert.equal(schemeForOsvRange(type, ecosystem)?.id, id, `${type} ${ecosystem}`);
});

/** Valid versions from each scheme's corpus files: real-world input for the order axioms. */
const SAMPLE_FILES: Record<string, string[]> = {
  dpkg: ['debian-versions-generated.txt'],
  apk: ['alpine-versions-generated.txt'],
  rpm: ['redhat-versions.txt'],
  semver: ['semver-versions.txt'],
  pep440: ['pypi-versions-generated.txt'],
  go: ['semver-versions.txt'],
  maven: ['maven-versions-generated.txt'],
  rubygems: ['rubygems-versions-generated.txt'],
  cargo: ['semver-versions.txt'],
  nuget: ['nuget-versions.txt'],
  packagist: ['packagist-versions-generated.txt'],
};

test('every scheme is a total preorder on real versions: reflexive, antisymmetric, transitive', (t) => {
  for (const scheme of VERSION_SCHEMES) {
    const files = SAMPLE_FILES[scheme.id];
    assert.ok(files, `${scheme.id}: add corpus files to SAMPLE_FILES`);
    const vectors = files.map((f) => readScalibrVectors(f));
    if (vectors.some((v) => v === undefined)) return t.skip('shared corpus (scanner/version-vectors) not present');
    const all = [...new Set(vectors.flatMap((v) => (v ?? []).flatMap((x) => [x.a, x.b])))].filter((v) => scheme.isValid(v));
    // An evenly spread sample keeps the cubic transitivity check fast.
    const step = Math.max(1, Math.floor(all.length / 70));
    const sample = all.filter((_, i) => i % step === 0).slice(0, 70);
    const cmp = sample.map((a) => sample.map((b) => scheme.compare(a, b)));
    const c = (i: number, j: number): number => cmp[i]?.[j] ?? NaN;
    const fail = (what: string, ...idx: number[]): never => assert.fail(`${scheme.id}: ${what}: ${idx.map((i) => sample[i]).join(' / ')}`);
    for (let i = 0; i < sample.length; i++) {
      if (c(i, i) !== 0) fail('reflexivity', i);
      for (let j = 0; j < sample.length; j++) {
        if (c(i, j) !== -c(j, i) && !(c(i, j) === 0 && c(j, i) === 0)) fail('antisymmetry', i, j);
        for (let k = 0; k < sample.length; k++) {
          const ij = c(i, j);
          const jk = c(j, k);
          if (ij > 0 || jk > 0) continue;
          const ik = c(i, k);
          if (ik > 0 || ((ij < 0 || jk < 0) && ik !== -1)) fail('transitivity', i, j, k);
        }
      }
    }
    t.diagnostic(`${scheme.id}: ${sample.length} versions, ${sample.length ** 3} triples`);
  }
});

test('VersionParseError: one line, names the version and scheme, escapes control characters and caps length', () => {
  const scheme = schemeById('dpkg') as VersionScheme;
  const err = (() => {
    try {
      scheme.compare('1.0\n\u001b[2J', '1.0');
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof VersionParseError);
  assert.equal(err.version, '1.0\n\u001b[2J');
  assert.equal(err.message, "'1.0\\x0a\\x1b[2J' is not a valid Debian version");
  assert.ok(!/[\n\u001b]/.test(err.oneLine));
  const long = 'x'.repeat(5000);
  assert.throws(() => scheme.compare('1.0', long), (e: unknown) => e instanceof VersionParseError && e.message.length < 200 && e.version === long);
});

test('ParseCache stays within its limit and remembers invalid strings', () => {
  const cache = new ParseCache<number>(100);
  let parses = 0;
  const parse = (v: string): number | undefined => {
    parses++;
    return v.startsWith('ok') ? v.length : undefined;
  };
  for (let i = 0; i < 1000; i++) cache.get(`ok${i}`, parse);
  assert.ok(cache.size <= 100);
  assert.equal(cache.get('bad', parse), undefined);
  const before = parses;
  assert.equal(cache.get('bad', parse), undefined);
  assert.equal(parses, before, 'an invalid string is parsed once');
  assert.equal(cache.get('x'.repeat(10_000), () => 1), undefined, 'over-long input is refused without parsing');
});

test('compare() on cached versions is fast enough for matching (diagnostic)', (t) => {
  for (const scheme of VERSION_SCHEMES) {
    const files = SAMPLE_FILES[scheme.id] ?? [];
    const vectors = files.flatMap((f) => readScalibrVectors(f) ?? []).filter((v) => scheme.isValid(v.a) && scheme.isValid(v.b));
    if (vectors.length === 0) continue;
    const rounds = Math.ceil(200_000 / vectors.length);
    const start = process.hrtime.bigint();
    let n = 0;
    for (let r = 0; r < rounds; r++) for (const v of vectors) n += scheme.compare(v.a, v.b) === v.expected ? 1 : 0;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    t.diagnostic(`${scheme.id}: ${Math.round((rounds * vectors.length) / ms)} compares/ms`);
    assert.ok(n > 0);
  }
});
