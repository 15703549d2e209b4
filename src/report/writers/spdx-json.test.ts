/**
 * SPDX writer tests. Oracles: the official SPDX 2.3 JSON schema (from the shared
 * corpus), CycloneDX's SPDX license-id list (the same corpus), packageurl-js for purls,
 * python3-license-expression for license expressions, and the input result itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { readFileSync } from 'node:fs';

import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { PackageURL } from 'packageurl-js';
import type { ScanResult } from '../../core/types.js';

import { corpusPath } from '../../testing/corpus.js';
import { buildSpdxDocument, spdxJsonWriter } from './spdx-json.js';
import { vulnerableResult } from './test-support/vulnerable-result.js';
import { sampleResult, pythonSpdxVerdicts, validAllowingLicenseRefs, PYTHON_MISSING } from './test-support/sample-inventory.js';

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
