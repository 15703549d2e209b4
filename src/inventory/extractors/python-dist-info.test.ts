/**
 * Oracles: Debian's own Python (`/usr/bin/python3`, importlib.metadata, and
 * packaging's PEP 508 parser) over the distributions Debian installed under
 * /usr/lib/python3/dist-packages; the expectations trivy's and osv-scalibr's tests
 * hold for the corpus METADATA / PKG-INFO samples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath } from '../../testing/corpus.js';
import { isStockadeError } from '../../core/errors.js';
import type { ExtractedPackage } from '../../core/types.js';
import { normalizePythonName, packageFromCoreMetadata, pythonDistInfoExtractor } from './python-dist-info.js';

const DIST_PACKAGES = '/usr/lib/python3/dist-packages';
const DEBIAN_PYTHON = '/usr/bin/python3';

const ORACLE = `
import importlib.metadata as m, json, re
try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
out = []
for d in m.distributions(path=[${JSON.stringify(DIST_PACKAGES)}]):
    deps = []
    # Requires-Dist from the metadata file itself: egg-info keeps older deps in a
    # separate requires.txt, which this extractor (one file at a time) does not read.
    for r in d.metadata.get_all('Requires-Dist') or []:
        req = Requirement(r)
        if req.marker is not None and 'extra' in str(req.marker):
            continue
        deps.append(re.sub(r'[-_.]+', '-', req.name).lower())
    out.append({'name': d.metadata['Name'], 'version': d.version, 'deps': sorted(set(deps))})
print(json.dumps(out))
`;

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function extract(path: string, bytes: Buffer): ExtractedPackage[] {
  if (pythonDistInfoExtractor.kind !== 'buffer') throw new Error('expected a buffer extractor');
  const result = pythonDistInfoExtractor.extract({ path, meta: { path, size: bytes.length, mode: 0o644 }, bytes });
  if (result instanceof Promise) throw new Error('expected a synchronous result');
  return result.packages ?? [];
}

test('Debian dist-packages match importlib.metadata', (t) => {
  if (!existsSync(DEBIAN_PYTHON) || !existsSync(DIST_PACKAGES)) {
    return t.skip('Debian python3 not installed (apt-get install python3-requests python3-yaml python3-six)');
  }
  let truth: Array<{ name: string; version: string; deps: string[] }>;
  try {
    truth = JSON.parse(execFileSync(DEBIAN_PYTHON, ['-c', ORACLE], { encoding: 'utf8' })) as typeof truth;
  } catch {
    return t.skip('Debian python3 lacks packaging (apt-get install python3-pip or python3-packaging)');
  }
  if (truth.length < 3) return t.skip('too few Python distributions installed to be a test');
  const found: ExtractedPackage[] = [];
  for (const file of walk(DIST_PACKAGES)) {
    const rel = file.slice(1); // image paths have no leading slash
    if (pythonDistInfoExtractor.wants(rel, { path: rel, size: 0, mode: 0o644 })) found.push(...extract(rel, readFileSync(file)));
  }
  const ids = (list: Array<{ name: string; version: string }>) => [...new Set(list.map((p) => `${p.name}@${p.version}`))].sort();
  assert.deepEqual(ids(found), ids(truth));
  for (const want of truth) {
    const got = found.find((p) => p.name === want.name && p.version === want.version);
    assert.deepEqual((got?.dependsOn ?? []).slice().sort(), want.deps, `${want.name} dependencies`);
    assert.equal(got?.purl, `pkg:pypi/${normalizePythonName(want.name)}@${want.version}`);
  }
});

test('wants core metadata files only', () => {
  const meta = { path: '', size: 1, mode: 0o644 };
  const yes = [
    'usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO',
    'usr/local/lib/python3.11/site-packages/pip-23.0.dist-info/METADATA',
    'usr/lib/python3/dist-packages/perf-0.1.egg-info',
    'site-packages/setuptools-57.4.0-py3.9.egg/EGG-INFO/PKG-INFO',
  ];
  const no = ['x.dist-info/RECORD', 'x.dist-info/METADATA.bak', 'PKG-INFO', 'x.egg-info/requires.txt', 'x.egg'];
  for (const p of yes) assert.equal(pythonDistInfoExtractor.wants(p, meta), true, p);
  for (const p of no) assert.equal(pythonDistInfoExtractor.wants(p, meta), false, p);
});

test('PEP 503 normalisation', () => {
  // Examples from PEP 503 / the packaging "name normalization" spec.
  for (const n of ['friendly-bard', 'Friendly-Bard', 'FRIENDLY-BARD', 'friendly.bard', 'friendly_bard', 'friendly--bard', 'FrIeNdLy-._.-bArD']) {
    assert.equal(normalizePythonName(n), 'friendly-bard', n);
  }
});

test('corpus (trivy expectations): names, versions and licenses', (t) => {
  const dir = ['scanner', 'lang', 'python', 'trivy-packaging'];
  if (!corpusPath(...dir)) return t.skip('corpus lang/python/trivy-packaging absent');
  // From trivy pkg/dependency/parser/python/packaging/parse_test.go. Two deliberate
  // differences: we drop setuptools' "UNKNOWN" placeholder (trivy keeps it), and we do
  // not turn License-File into a "file://" license (networkx).
  const cases: Array<[string, string, string, string[] | undefined]> = [
    ['setuptools-51.3.3-py3.8.egg-info.PKG-INFO', 'setuptools', '51.3.3', undefined],
    ['unidecode-egg-info.PKG-INFO', 'Unidecode', '0.4.1', undefined],
    ['distlib-0.3.1-py3.9.egg-info', 'distlib', '0.3.1', ['Python license']],
    ['simple-0.1.0.METADATA', 'simple', '0.1.0', undefined],
    ['distlib-0.3.1.METADATA', 'distlib', '0.3.1', ['Python Software Foundation License']],
    ['asyncssh-2.14.2.METADATA', 'asyncssh', '2.14.2', ['Eclipse Public License v2.0']],
    ['pyphen-0.14.0.METADATA', 'pyphen', '0.14.0', [
      'GNU General Public License v2 or later (GPLv2+)',
      'GNU Lesser General Public License v2 or later (LGPLv2+)',
      'Mozilla Public License 1.1 (MPL 1.1)',
    ]],
    ['iniconfig-2.0.0.METADATA', 'iniconfig', '2.0.0', ['MIT']],
    ['zipp-3.12.1.METADATA', 'zipp', '3.12.1', ['MIT License']],
    ['networkx-3.0.METADATA', 'networkx', '3.0', undefined],
  ];
  for (const [file, name, version, licenses] of cases) {
    const path = corpusPath(...dir, file);
    assert.ok(path, file);
    const pkg = packageFromCoreMetadata(file, readFileSync(path, 'utf8'));
    assert.equal(pkg.name, name, file);
    assert.equal(pkg.version, version, file);
    assert.deepEqual(pkg.licenses, licenses, file);
  }
});

test('corpus (osv-scalibr expectations): odd but valid files', (t) => {
  const dir = ['scanner', 'lang', 'python', 'osv-scalibr-wheelegg'];
  if (!corpusPath(...dir)) return t.skip('corpus lang/python/osv-scalibr-wheelegg absent');
  // From osv-scalibr wheelegg_test.go.
  const cases: Array<[string, string, string]> = [
    ['distinfo_meta', 'pip', '22.2.2'],
    ['egginfo_pkginfo', 'setuptools', '57.4.0'],
    ['egginfo', 'pycups', '2.0.1'],
    ['pkginfo', 'httplib2', '0.20.4'],
    ['malformed_pkginfo', 'passlib', '1.7.4'],
    ['mixed_case', 'httplib2', '1.0'],
    ['special_chars', 'backports.ssl_match_hostname', '3.5.0.1'],
    ['repeated_pkginfo', 'root', '1.0.0'],
    ['pyopenssl-26.0.0.dist-info', 'pyOpenSSL', '26.0.0'],
  ];
  for (const [file, name, version] of cases) {
    const pkg = packageFromCoreMetadata(file, readFileSync(corpusPath(...dir, file)!, 'utf8'));
    assert.equal(`${pkg.name}@${pkg.version}`, `${name}@${version}`, file);
  }
  const special = packageFromCoreMetadata('x', readFileSync(corpusPath(...dir, 'special_chars')!, 'utf8'));
  assert.equal(special.purl, 'pkg:pypi/backports-ssl-match-hostname@3.5.0.1');
  // Requires-Dist of pyOpenSSL minus the extras-only ones (test, docs).
  const ossl = packageFromCoreMetadata('x', readFileSync(corpusPath(...dir, 'pyopenssl-26.0.0.dist-info')!, 'utf8'));
  assert.deepEqual(ossl.dependsOn, ['cryptography', 'typing-extensions']);
  const repeated = packageFromCoreMetadata('x', readFileSync(corpusPath(...dir, 'repeated_pkginfo')!, 'utf8'));
  assert.deepEqual(repeated.dependsOn, ['dep3', 'dep2', 'dep1']);
  // scalibr: an empty file is an error.
  assert.throws(() => packageFromCoreMetadata('empty', readFileSync(corpusPath(...dir, 'empty')!, 'utf8')), isStockadeError);
});

test('malformed and hostile metadata', () => {
  const malformed = (e: unknown) => isStockadeError(e) && e.code === 'malformed_input';
  assert.throws(() => packageFromCoreMetadata('x', ''), malformed);
  assert.throws(() => packageFromCoreMetadata('x', 'Name: a\n'), malformed);
  assert.throws(() => packageFromCoreMetadata('x', 'Version: 1\n'), malformed);
  // Headers end at the first blank line: a Name in the body does not count.
  assert.throws(() => packageFromCoreMetadata('x', 'Version: 1\n\nName: a\n'), malformed);
  assert.throws(() => packageFromCoreMetadata('x', `Name: ${'a'.repeat(10_000)}\nVersion: 1\n`), malformed);
  // CRLF line ends, continuation lines, junk lines.
  const pkg = packageFromCoreMetadata('x', 'Name: Foo.Bar\r\nVersion: 1.0\r\nLicense: BSD\r\n  more text\r\njunk line\r\n');
  assert.equal(pkg.purl, 'pkg:pypi/foo-bar@1.0');
  assert.deepEqual(pkg.licenses, ['BSD']);
  // A megabyte of continuation lines and a megabyte-long header stay linear.
  const started = Date.now();
  const big = `Name: a\nVersion: 1\nLicense: x\n${' y\n'.repeat(500_000)}Classifier: ${'License :: '.repeat(100_000)}\n`;
  const bigPkg = packageFromCoreMetadata('x', big);
  assert.equal(bigPkg.name, 'a');
  assert.ok(Date.now() - started < 2_000, 'linear time');
});
