/**
 * SPDX writer tests. Oracles: the official SPDX 2.3 JSON schema (from the shared
 * corpus), CycloneDX's SPDX license-id list (the same corpus), packageurl-js for purls,
 * python3-license-expression for license expressions, and the input result itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { PackageURL } from 'packageurl-js';
import type { Ecosystem, LayerRef, OsInfo, Package, ScanResult } from '../../core/types.js';
import { buildPurl, withDistro } from '../../inventory/purl.js';
import { corpusPath } from '../../testing/corpus.js';
import { buildSpdxDocument, spdxJsonWriter } from './spdx-json.js';
import { vulnerableResult } from './test-support/vulnerable-result.js';

// ---------------------------------------------------------------------------
// A realistic result: a Debian 12 image with Python, Node, Rust and Go binaries,
// a Java jar and a Ruby gem. Purls come from inventory/purl.ts (packageurl-js).
// ---------------------------------------------------------------------------

function digestOf(label: string): string {
  return `sha256:${createHash('sha256').update(label).digest('hex')}`;
}

const LAYERS: LayerRef[] = [
  { index: 0, diffID: digestOf('layer0'), digest: digestOf('blob0'), createdBy: '# debian.sh --arch amd64 out/ bookworm @1714348800' },
  { index: 1, diffID: digestOf('layer1'), digest: digestOf('blob1'), createdBy: 'RUN /bin/sh -c apt-get update && apt-get install -y python3-requests # buildkit' },
  { index: 2, diffID: digestOf('layer2'), createdBy: 'COPY /app /app # buildkit' },
];

const OS: OsInfo = { family: 'debian', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', codename: 'bookworm', source: '/etc/os-release' };

interface Spec {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  namespace?: string;
  purlName?: string;
  purlVersion?: string;
  qualifiers?: Record<string, string>;
  arch?: string;
  epoch?: number;
  source?: { name: string; version: string };
  licenses?: string[];
  locations: string[];
  foundBy: string;
  layer?: number;
  ownedBy?: string;
  dependencies?: string[];
  metadata?: Record<string, string | number | boolean | undefined>;
}

function pkg(spec: Spec): Package {
  const isOs = spec.ecosystem === 'deb' || spec.ecosystem === 'apk' || spec.ecosystem === 'rpm';
  let purl = buildPurl({
    type: spec.ecosystem,
    namespace: spec.namespace,
    name: spec.purlName ?? spec.name,
    version: spec.purlVersion ?? spec.version,
    qualifiers: spec.qualifiers,
  });
  if (isOs) purl = withDistro(purl, OS);
  const p: Package = {
    id: purl,
    ecosystem: spec.ecosystem,
    name: spec.name,
    version: spec.version,
    purl,
    locations: spec.locations,
    foundBy: spec.foundBy,
  };
  if (spec.arch) p.arch = spec.arch;
  if (spec.epoch !== undefined) p.epoch = spec.epoch;
  if (spec.source) p.source = spec.source;
  if (spec.licenses) p.licenses = spec.licenses;
  if (spec.layer !== undefined) p.layer = LAYERS[spec.layer]!;
  if (spec.metadata) p.metadata = spec.metadata;
  return p;
}

function sampleResult(): ScanResult {
  const dpkg = { locations: ['/var/lib/dpkg/status'], foundBy: 'dpkg-status' };
  const libc6 = pkg({ ecosystem: 'deb', name: 'libc6', version: '2.36-9+deb12u4', arch: 'amd64', qualifiers: { arch: 'amd64' },
    source: { name: 'glibc', version: '2.36-9+deb12u4' }, licenses: ['LGPL-2.1+', 'GPL-2.0-or-later'], layer: 0, ...dpkg });
  const libgcc = pkg({ ecosystem: 'deb', name: 'libgcc-s1', version: '12.2.0-14', arch: 'amd64', qualifiers: { arch: 'amd64' },
    source: { name: 'gcc-12', version: '12.2.0-14' }, licenses: ['GPL-3.0-or-later WITH GCC-exception-3.1'], layer: 0, ...dpkg });
  // Epoch kept apart from the version, as dpkg-status extractors report it.
  const passwd = pkg({ ecosystem: 'deb', name: 'passwd', version: '4.13+dfsg1-1', epoch: 1, purlVersion: '1:4.13+dfsg1-1',
    arch: 'amd64', qualifiers: { arch: 'amd64' }, source: { name: 'shadow', version: '1:4.13+dfsg1-1' },
    licenses: ['GPL-2+', 'BSD-3-clause'], layer: 0, ...dpkg });
  const pyRequestsDeb = pkg({ ecosystem: 'deb', name: 'python3-requests', version: '2.28.1+dfsg-1', arch: 'all', qualifiers: { arch: 'all' },
    source: { name: 'requests', version: '2.28.1+dfsg-1' }, licenses: ['Apache-2.0'], layer: 1, ...dpkg });
  const idna = pkg({ ecosystem: 'pypi', name: 'idna', version: '3.3', licenses: ['BSD-3-Clause'], layer: 1,
    locations: ['/usr/lib/python3/dist-packages/idna-3.3.egg-info/PKG-INFO'], foundBy: 'python-metadata' });
  const urllib3 = pkg({ ecosystem: 'pypi', name: 'urllib3', version: '1.26.12', licenses: ['MIT'], layer: 1,
    locations: ['/usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info/PKG-INFO'], foundBy: 'python-metadata' });
  const requests = pkg({ ecosystem: 'pypi', name: 'requests', version: '2.28.1', licenses: ['Apache 2.0'], layer: 1,
    locations: ['/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO'], foundBy: 'python-metadata' });
  const cryptography = pkg({ ecosystem: 'pypi', name: 'cryptography', version: '41.0.7', licenses: ['Apache-2.0 OR BSD-3-Clause', 'PSF-2.0'],
    layer: 2, locations: ['/app/venv/lib/python3.11/site-packages/cryptography-41.0.7.dist-info/METADATA'], foundBy: 'python-metadata' });
  const babelTypes = pkg({ ecosystem: 'npm', namespace: '@babel', name: '@babel/types', purlName: 'types', version: '7.24.0', licenses: ['MIT'],
    layer: 2, locations: ['/app/node_modules/@babel/types/package.json'], foundBy: 'npm-package-json' });
  const semver6 = pkg({ ecosystem: 'npm', name: 'semver', version: '6.3.1', licenses: ['ISC'], layer: 2,
    locations: ['/app/node_modules/@babel/core/node_modules/semver/package.json'], foundBy: 'npm-package-json' });
  const lruCache = pkg({ ecosystem: 'npm', name: 'lru-cache', version: '6.0.0', licenses: ['ISC'], layer: 2,
    locations: ['/app/node_modules/lru-cache/package.json'], foundBy: 'npm-package-json' });
  const semver7 = pkg({ ecosystem: 'npm', name: 'semver', version: '7.6.0', licenses: ['ISC'], layer: 2,
    locations: ['/app/node_modules/semver/package.json', '/app/package-lock.json'], foundBy: 'npm-package-json', metadata: { dev: false } });
  const babelCore = pkg({ ecosystem: 'npm', namespace: '@babel', name: '@babel/core', purlName: 'core', version: '7.24.0', licenses: ['MIT'],
    layer: 2, locations: ['/app/node_modules/@babel/core/package.json'], foundBy: 'npm-package-json', metadata: { dev: true } });
  const forge = pkg({ ecosystem: 'npm', name: 'node-forge', version: '1.3.1', licenses: ['(BSD-3-Clause OR GPL-2.0)', 'Custom license, see LICENSE'],
    layer: 2, locations: ['/app/node_modules/node-forge/package.json'], foundBy: 'npm-package-json' });
  const serde = pkg({ ecosystem: 'cargo', name: 'serde', version: '1.0.197', licenses: ['MIT OR Apache-2.0'], layer: 2,
    locations: ['/usr/local/bin/app'], foundBy: 'cargo-auditable' });
  const unicodeIdent = pkg({ ecosystem: 'cargo', name: 'unicode-ident', version: '1.0.12', licenses: ['(MIT OR Apache-2.0) AND Unicode-DFS-2016'],
    layer: 2, locations: ['/usr/local/bin/app'], foundBy: 'cargo-auditable' });
  // No layer: as a root-filesystem scan reports it.
  const cobra = pkg({ ecosystem: 'golang', namespace: 'github.com/spf13', name: 'github.com/spf13/cobra', purlName: 'cobra', version: 'v1.8.0',
    locations: ['/usr/local/bin/tool'], foundBy: 'go-binary', metadata: { goVersion: 'go1.22.1', mainModule: false } });
  const nashorn = pkg({ ecosystem: 'maven', namespace: 'org.openjdk.nashorn', name: 'org.openjdk.nashorn:nashorn-core', purlName: 'nashorn-core',
    version: '15.4', licenses: ['GPL-2.0-only WITH Classpath-exception-2.0'], layer: 2,
    locations: ['/opt/app/lib/nashorn-core-15.4.jar'], foundBy: 'java-archive' });
  const gemJson = pkg({ ecosystem: 'gem', name: 'json', version: '2.7.1', licenses: ['Ruby', 'BSD-2-Clause'], layer: 2,
    locations: ['/usr/local/bundle/specifications/json-2.7.1.gemspec'], foundBy: 'gemspec' });

  // libc6 and libgcc-s1 depend on each other in Debian: a real cycle.
  libc6.dependencies = [libgcc.id];
  libgcc.dependencies = [libc6.id];
  passwd.dependencies = [libc6.id];
  pyRequestsDeb.dependencies = [];
  requests.ownedBy = pyRequestsDeb.id;
  // One dependency that resolved to nothing in the inventory: writers must drop it.
  requests.dependencies = [urllib3.id, idna.id, 'pkg:pypi/charset-normalizer@2.1.1'];
  urllib3.dependencies = [];
  idna.dependencies = [];
  babelCore.dependencies = [babelTypes.id, semver6.id];
  babelTypes.dependencies = [];
  semver6.dependencies = [];
  semver7.dependencies = [lruCache.id];
  lruCache.dependencies = [];

  return {
    schemaVersion: 1,
    tool: { name: 'stockade', version: '0.1.0' },
    createdAt: '2024-05-01T12:34:56.789Z',
    target: {
      name: 'python:3.12-slim',
      sourceKind: 'registry',
      manifestDigest: digestOf('manifest'),
      configDigest: digestOf('config'),
      repoTags: ['python:3.12-slim'],
      repoDigests: [`python@${digestOf('manifest')}`],
      platform: { os: 'linux', architecture: 'amd64' },
      layers: LAYERS,
      created: '2024-04-30T08:00:00Z',
    },
    os: OS,
    packages: [libc6, libgcc, passwd, pyRequestsDeb, idna, urllib3, requests, cryptography, babelTypes, semver6, lruCache, semver7,
      babelCore, forge, serde, unicodeIdent, cobra, nashorn, gemJson],
    warnings: [{ input: '/var/lib/dpkg/status', message: 'record 212: missing Version field, skipped' }],
  };
}
// ---------------------------------------------------------------------------
// Oracles
// ---------------------------------------------------------------------------

/**
 * The python3-license-expression library (Debian package python3-license-expression)
 * judges SPDX expressions independently of our parser. Unknown keys are reported
 * separately so LicenseRef-* (which it does not know, by design) can be allowed.
 */
const PYTHON_SPDX_CHECK = `
import json, sys
from license_expression import get_spdx_licensing
licensing = get_spdx_licensing()
out = []
for e in json.load(sys.stdin):
    try:
        info = licensing.validate(e, strict=True)
        out.append({"errors": [str(x) for x in info.errors], "unknown": [str(s) for s in info.invalid_symbols]})
    except Exception as x:
        out.append({"errors": ["exception: " + str(x)], "unknown": []})
print(json.dumps(out))
`;

interface SpdxVerdict { errors: string[]; unknown: string[] }

function pythonSpdxVerdicts(expressions: readonly string[]): SpdxVerdict[] | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const run = spawnSync(python, ['-c', PYTHON_SPDX_CHECK], { input: JSON.stringify(expressions), encoding: 'utf8', timeout: 60_000 });
    if (run.status === 0) return JSON.parse(run.stdout) as SpdxVerdict[];
  }
  return undefined;
}

/** Valid SPDX, allowing only LicenseRef-* as the unknown keys. */
function validAllowingLicenseRefs(v: SpdxVerdict): boolean {
  const onlyRefsUnknown = v.unknown.every((s) => /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/.test(s));
  const otherErrors = v.errors.filter((e) => !e.startsWith('Unknown license key(s):'));
  return onlyRefsUnknown && otherErrors.length === 0;
}

const PYTHON_MISSING = 'python3-license-expression is not installed (apt-get install -y python3-license-expression)';
/** ajv (draft-07, as the schema declares) for the SPDX 2.3 JSON schema from the corpus. */
function spdxValidator(): ((doc: unknown) => string[]) | string {
  const schemaPath = corpusPath('scanner', 'sbom', 'schemas', 'spdx-schema-2.3.json');
  if (!schemaPath) return 'shared corpus (scanner/sbom/schemas/spdx-schema-2.3.json) is absent';
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormatsModule.default(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
  return (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

interface SpdxPkg {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: string;
  filesAnalyzed: boolean;
  licenseConcluded: string;
  licenseDeclared: string;
  primaryPackagePurpose?: string;
  checksums?: Array<{ algorithm: string; checksumValue: string }>;
  externalRefs?: Array<{ referenceCategory: string; referenceType: string; referenceLocator: string }>;
  sourceInfo?: string;
}
interface SpdxDoc {
  spdxVersion: string;
  dataLicense: string;
  SPDXID: string;
  name: string;
  documentNamespace: string;
  creationInfo: { creators: string[]; created: string };
  packages: SpdxPkg[];
  relationships: Array<{ spdxElementId: string; relationshipType: string; relatedSpdxElement: string }>;
  hasExtractedLicensingInfos?: Array<{ licenseId: string; extractedText: string }>;
}

function writeDoc(result: ScanResult): SpdxDoc {
  return JSON.parse(spdxJsonWriter.write(result, { color: false })) as SpdxDoc;
}

/** SPDXID of each input package, found through its purl (unique in the fixture). */
function spdxIdByPackageId(doc: SpdxDoc, result: ScanResult): Map<string, string> {
  const byPurl = new Map<string, string>();
  for (const p of doc.packages) {
    const purl = p.externalRefs?.find((r) => r.referenceType === 'purl')?.referenceLocator;
    if (purl) byPurl.set(purl, p.SPDXID);
  }
  return new Map(result.packages.map((p) => [p.id, byPurl.get(p.purl)!]));
}

function has(doc: SpdxDoc, from: string, type: string, to: string): boolean {
  return doc.relationships.some((r) => r.spdxElementId === from && r.relationshipType === type && r.relatedSpdxElement === to);
}

test('validates against the official SPDX 2.3 JSON schema', (t) => {
  const validator = spdxValidator();
  if (typeof validator === 'string') return t.skip(validator);
  assert.deepEqual(validator(writeDoc(sampleResult())), []);
  const rootfs = sampleResult();
  rootfs.target = { name: '/mnt/rootfs', sourceKind: 'rootfs', repoTags: [], repoDigests: [], layers: [] };
  delete rootfs.os;
  for (const p of rootfs.packages) delete p.layer;
  assert.deepEqual(validator(writeDoc(rootfs)), []);
  assert.deepEqual(validator(writeDoc({ ...sampleResult(), packages: [] })), []);
  // The validator does reject a broken document.
  const broken = writeDoc(sampleResult()) as unknown as Record<string, unknown>;
  delete broken['documentNamespace'];
  assert.notDeepEqual(validator(broken), []);
});

test('document header: version, data license, namespace, creation info', () => {
  const result = sampleResult();
  const doc = writeDoc(result);
  assert.equal(doc.spdxVersion, 'SPDX-2.3');
  assert.equal(doc.dataLicense, 'CC0-1.0');
  assert.equal(doc.SPDXID, 'SPDXRef-DOCUMENT');
  assert.equal(doc.name, result.target.name);
  // SPDX 2.3 section 6.5: a URI, unique per document, with no '#'.
  const url = new URL(doc.documentNamespace);
  assert.equal(url.hash, '');
  assert.ok(!doc.documentNamespace.includes('#'));
  assert.notEqual(writeDoc(result).documentNamespace, doc.documentNamespace);
  assert.deepEqual(doc.creationInfo.creators, [`Tool: stockade-${result.tool.version}`]);
  // SPDX 2.3 section 6.9: YYYY-MM-DDThh:mm:ssZ.
  assert.match(doc.creationInfo.created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.equal(Math.floor(new Date(result.createdAt).getTime() / 1000), new Date(doc.creationInfo.created).getTime() / 1000);
});

test('SPDXIDs are unique, well formed, and every relationship names existing elements', () => {
  const doc = writeDoc(sampleResult());
  const ids = doc.packages.map((p) => p.SPDXID);
  assert.equal(new Set(ids).size, ids.length);
  // SPDX 2.3 section 7.2: "SPDXRef-" followed by letters, digits, '.' and '-'.
  for (const id of ids) assert.match(id, /^SPDXRef-[A-Za-z0-9.-]+$/);
  const known = new Set([...ids, doc.SPDXID]);
  for (const r of doc.relationships) {
    assert.ok(known.has(r.spdxElementId), `${r.spdxElementId} exists`);
    assert.ok(known.has(r.relatedSpdxElement), `${r.relatedSpdxElement} exists`);
  }
});

test('ids that sanitize alike still get distinct SPDXIDs, independent of input order', () => {
  const result = sampleResult();
  const base = result.packages[0]!;
  const a = { ...base, id: 'npm:a/b@1', purl: 'pkg:npm/a@1' };
  const b = { ...base, id: 'npm:a:b@1', purl: 'pkg:npm/b@1' };
  const c = { ...base, id: 'npm-a-b-1', purl: 'pkg:npm/c@1' };
  const forward = writeDoc({ ...result, packages: [a, b, c] });
  const backward = writeDoc({ ...result, packages: [c, b, a] });
  const ids = forward.packages.map((p) => p.SPDXID);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(backward.packages.map((p) => p.SPDXID), ids);
});

test('image package: CONTAINER, digest as SHA256 checksum, oci purl', () => {
  const result = sampleResult();
  const doc = writeDoc(result);
  const image = doc.packages.find((p) => p.primaryPackagePurpose === 'CONTAINER')!;
  assert.equal(image.versionInfo, result.target.manifestDigest);
  assert.deepEqual(image.checksums, [{ algorithm: 'SHA256', checksumValue: result.target.manifestDigest!.slice('sha256:'.length) }]);
  const purl = PackageURL.fromString(image.externalRefs![0]!.referenceLocator);
  assert.equal(purl.type, 'oci');
  assert.equal(purl.version, result.target.manifestDigest);
  assert.ok(has(doc, 'SPDXRef-DOCUMENT', 'DESCRIBES', image.SPDXID));
  // The schema's enum spells it OPERATING_SYSTEM.
  const os = doc.packages.find((p) => p.primaryPackagePurpose === 'OPERATING_SYSTEM')!;
  assert.equal(os.name, result.os!.family);
  assert.equal(os.versionInfo, result.os!.version);
  assert.ok(has(doc, image.SPDXID, 'CONTAINS', os.SPDXID));
});

test('one package per inventory package, with purl, NOASSERTIONs, layer and location in sourceInfo', () => {
  const result = sampleResult();
  const doc = writeDoc(result);
  const ids = spdxIdByPackageId(doc, result);
  const image = doc.packages.find((p) => p.primaryPackagePurpose === 'CONTAINER')!;
  assert.equal(doc.packages.length, result.packages.length + 2);
  for (const p of result.packages) {
    const entry = doc.packages.find((x) => x.SPDXID === ids.get(p.id));
    assert.ok(entry, `package for ${p.id}`);
    assert.equal(entry.name, p.name);
    assert.equal(entry.downloadLocation, 'NOASSERTION');
    assert.equal(entry.filesAnalyzed, false);
    assert.equal(entry.licenseConcluded, 'NOASSERTION');
    const ref = entry.externalRefs!.find((r) => r.referenceType === 'purl')!;
    assert.equal(ref.referenceCategory, 'PACKAGE-MANAGER');
    assert.doesNotThrow(() => PackageURL.fromString(ref.referenceLocator));
    assert.ok(entry.sourceInfo!.includes(p.locations[0]!), 'first location in sourceInfo');
    if (p.layer) assert.ok(entry.sourceInfo!.includes(p.layer.diffID), 'layer diffID in sourceInfo');
    else assert.ok(!entry.sourceInfo!.includes('layer'), 'no layer for a rootfs package');
    assert.ok(has(doc, image.SPDXID, 'CONTAINS', entry.SPDXID), 'image CONTAINS package');
  }
  const passwd = result.packages.find((p) => p.name === 'passwd')!;
  const passwdEntry = doc.packages.find((x) => x.SPDXID === ids.get(passwd.id))!;
  assert.equal(passwdEntry.versionInfo, PackageURL.fromString(passwd.purl).version, 'epoch:version, as in the purl');
  assert.ok(passwdEntry.sourceInfo!.includes(passwd.source!.name));
});

test('DEPENDS_ON for resolved dependencies, CONTAINS from the owning OS package', () => {
  const result = sampleResult();
  const doc = writeDoc(result);
  const ids = spdxIdByPackageId(doc, result);
  let edges = 0;
  for (const p of result.packages) {
    for (const d of p.dependencies ?? []) {
      if (!ids.has(d)) continue; // dangling in the input
      assert.ok(has(doc, ids.get(p.id)!, 'DEPENDS_ON', ids.get(d)!), `${p.id} DEPENDS_ON ${d}`);
      edges++;
    }
    if (p.ownedBy) assert.ok(has(doc, ids.get(p.ownedBy)!, 'CONTAINS', ids.get(p.id)!), `${p.ownedBy} CONTAINS ${p.id}`);
  }
  assert.equal(doc.relationships.filter((r) => r.relationshipType === 'DEPENDS_ON').length, edges);
});

test('licenseDeclared: valid SPDX expressions, LicenseRefs for the rest with their text kept', (t) => {
  const result = sampleResult();
  const doc = writeDoc(result);
  const ids = spdxIdByPackageId(doc, result);
  const declared = (name: string) => doc.packages.find((x) => x.SPDXID === ids.get(result.packages.find((p) => p.name === name)!.id))!.licenseDeclared;
  assert.equal(declared('github.com/spf13/cobra'), 'NOASSERTION');
  assert.equal(declared('serde'), 'MIT OR Apache-2.0');
  assert.equal(declared('unicode-ident'), '(MIT OR Apache-2.0) AND Unicode-DFS-2016');
  assert.equal(declared('cryptography'), '(Apache-2.0 OR BSD-3-Clause) AND PSF-2.0');
  assert.equal(declared('org.openjdk.nashorn:nashorn-core'), 'GPL-2.0-only WITH Classpath-exception-2.0');

  // Every LicenseRef used is declared once, and its text is one of the input strings.
  const extracted = new Map((doc.hasExtractedLicensingInfos ?? []).map((e) => [e.licenseId, e.extractedText]));
  assert.equal(extracted.size, (doc.hasExtractedLicensingInfos ?? []).length);
  const inputStrings = new Set(result.packages.flatMap((p) => p.licenses ?? []));
  for (const [id, text] of extracted) {
    assert.match(id, /^LicenseRef-[A-Za-z0-9.-]+$/);
    assert.ok(inputStrings.has(text), `${id} keeps an input text`);
  }
  for (const p of doc.packages) {
    for (const ref of p.licenseDeclared.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []) assert.ok(extracted.has(ref), `${ref} declared`);
  }
  const requestsRef = declared('requests');
  assert.equal(extracted.get(requestsRef), 'Apache 2.0');
  const passwdDeclared = declared('passwd');
  assert.match(passwdDeclared, /^LicenseRef-[A-Za-z0-9.-]+ AND BSD-3-Clause$/);
  assert.equal(extracted.get(passwdDeclared.split(' ')[0]!), 'GPL-2+');

  const all = doc.packages.map((p) => p.licenseDeclared).filter((l) => l !== 'NOASSERTION');
  const verdicts = pythonSpdxVerdicts(all);
  if (!verdicts) return t.skip(PYTHON_MISSING);
  all.forEach((e, i) => assert.ok(validAllowingLicenseRefs(verdicts[i]!), `${e}: ${JSON.stringify(verdicts[i])}`));
});

test('deterministic: two writes differ only in documentNamespace; input order does not matter', () => {
  const result = sampleResult();
  const a = writeDoc(result) as unknown as Record<string, unknown>;
  const b = writeDoc(result) as unknown as Record<string, unknown>;
  assert.notEqual(a['documentNamespace'], b['documentNamespace']);
  delete a['documentNamespace'];
  delete b['documentNamespace'];
  assert.deepEqual(a, b);
  const shuffled = sampleResult();
  shuffled.packages.reverse();
  const c = writeDoc(shuffled) as unknown as Record<string, unknown>;
  delete c['documentNamespace'];
  assert.equal(JSON.stringify(c), JSON.stringify(a));
});

test('writer metadata and output framing', () => {
  assert.equal(spdxJsonWriter.id, 'spdx-json');
  assert.ok(spdxJsonWriter.description.length > 0);
  const text = spdxJsonWriter.write(sampleResult(), { color: true });
  assert.ok(text.endsWith('}\n'));
});

test('vulnerability findings leave the SPDX 2.3 document as it is (SPDX 2.3 has no place for them)', (t) => {
  const withFindings = vulnerableResult();
  const without = vulnerableResult();
  delete without.vulnerabilities;
  const uuid = '00000000-0000-4000-8000-000000000000';
  assert.deepEqual(buildSpdxDocument(withFindings, uuid), buildSpdxDocument(without, uuid));
  const validator = spdxValidator();
  if (typeof validator === 'string') return t.skip(validator);
  assert.deepEqual(validator(buildSpdxDocument(withFindings, uuid)), []);
});
