/**
 * CycloneDX writer tests. Oracles: the official CycloneDX 1.6 JSON schema (from the
 * shared corpus), packageurl-js for purls, the python3-license-expression library for
 * SPDX expressions, and the input result itself for what each component and each
 * vulnerability entry must carry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { readFileSync } from 'node:fs';

import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { PackageURL } from 'packageurl-js';
import type { ScanResult } from '../../core/types.js';

import { corpusPath } from '../../testing/corpus.js';
import { cyclonedxWriter, cyclonedxLicenses } from './cyclonedx.js';
import { vulnerableResult } from './test-support/vulnerable-result.js';
import { sampleResult, pythonSpdxVerdicts, validAllowingLicenseRefs, PYTHON_MISSING } from './test-support/sample-inventory.js';

/**
 * ajv for the CycloneDX 1.6 schema (draft-07) with its spdx.schema.json from the corpus.
 * bom-1.6 also $refs jsf-0.82.schema.json, for `signature` only; the corpus does not
 * carry it, so a stand-in that rejects every signature takes its place: we never sign,
 * and the stand-in turns any stray signature into a failure rather than a pass.
 */
function cyclonedxValidator(): ((doc: unknown) => string[]) | string {
  const bomPath = corpusPath('scanner', 'sbom', 'schemas', 'bom-1.6.schema.json');
  const spdxPath = corpusPath('scanner', 'sbom', 'schemas', 'spdx.schema.json');
  if (!bomPath || !spdxPath) return 'shared corpus (scanner/sbom/schemas/bom-1.6.schema.json, spdx.schema.json) is absent';
  // strict: false because the CycloneDX schema carries annotation keywords ajv does not know.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormatsModule.default(ajv);
  // ajv-formats has no idn-email / iri-reference; accept them rather than fail on an unknown format.
  ajv.addFormat('idn-email', true);
  ajv.addFormat('iri-reference', true);
  ajv.addSchema(JSON.parse(readFileSync(spdxPath, 'utf8')) as object);
  ajv.addSchema({ $id: 'http://cyclonedx.org/schema/jsf-0.82.schema.json', definitions: { signature: false } });
  const validate = ajv.compile(JSON.parse(readFileSync(bomPath, 'utf8')) as object);
  return (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

interface Component {
  type: string;
  'bom-ref': string;
  group?: string;
  name: string;
  version?: string;
  purl?: string;
  hashes?: Array<{ alg: string; content: string }>;
  licenses?: Array<{ license?: { id?: string; name?: string }; expression?: string }>;
  evidence?: { occurrences: Array<{ location: string }> };
  pedigree?: { ancestors: Array<{ name: string; version?: string; purl?: string }> };
  properties?: Array<{ name: string; value: string }>;
}
interface Bom {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  version: number;
  metadata: { timestamp: string; tools: { components: Array<{ name: string; version: string }> }; component: Component };
  components: Component[];
  dependencies: Array<{ ref: string; dependsOn: string[] }>;
}

function writeBom(result: ScanResult): Bom {
  return JSON.parse(cyclonedxWriter.write(result, { color: false })) as Bom;
}

function prop(c: Component, name: string): string[] {
  return (c.properties ?? []).filter((p) => p.name === name).map((p) => p.value);
}

function byRef(bom: Bom): Map<string, Component> {
  return new Map(bom.components.map((c) => [c['bom-ref'], c]));
}

test('validates against the official CycloneDX 1.6 JSON schema', (t) => {
  const validator = cyclonedxValidator();
  if (typeof validator === 'string') return t.skip(validator);
  const errors = validator(writeBom(sampleResult()));
  assert.deepEqual(errors, []);
  // A root-filesystem result (no digest, no layers, no OS) must be valid too.
  const rootfs = sampleResult();
  rootfs.target = { name: '/mnt/rootfs', sourceKind: 'rootfs', repoTags: [], repoDigests: [], layers: [] };
  delete rootfs.os;
  for (const p of rootfs.packages) delete p.layer;
  assert.deepEqual(validator(writeBom(rootfs)), []);
  // And an empty one.
  assert.deepEqual(validator(writeBom({ ...sampleResult(), packages: [], warnings: [] })), []);
});

test('the schema validator is not a rubber stamp', (t) => {
  const validator = cyclonedxValidator();
  if (typeof validator === 'string') return t.skip(validator);
  const bom = writeBom(sampleResult()) as unknown as Record<string, unknown>;
  assert.notDeepEqual(validator({ ...bom, specVersion: 1.6 }), []);
  const broken = writeBom(sampleResult());
  broken.components[0]!.licenses = [{ license: { id: 'Not-A-Real-License' } }];
  assert.notDeepEqual(validator(broken), []);
  const signed = writeBom(sampleResult()) as unknown as Record<string, unknown>;
  assert.notDeepEqual(validator({ ...signed, signature: { algorithm: 'ES256', value: 'x' } }), []);
});

test('document header: format, version, serial number, timestamp, tool', () => {
  const result = sampleResult();
  const bom = writeBom(result);
  assert.equal(bom.bomFormat, 'CycloneDX');
  assert.equal(bom.specVersion, '1.6');
  assert.equal(bom.version, 1);
  // RFC 4122 as the schema's pattern states it.
  assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(new Date(bom.metadata.timestamp).getTime(), new Date(result.createdAt).getTime());
  assert.deepEqual(bom.metadata.tools.components.map((c) => [c.name, c.version]), [['stockade', result.tool.version]]);
});

test('the image is the BOM subject: container, digest version, oci purl, properties', () => {
  const result = sampleResult();
  const image = writeBom(result).metadata.component;
  assert.equal(image.type, 'container');
  assert.equal(image.name, result.target.name);
  assert.equal(image.version, result.target.manifestDigest);
  assert.deepEqual(image.hashes, [{ alg: 'SHA-256', content: result.target.manifestDigest!.slice('sha256:'.length) }]);
  // purl-spec oci type: no namespace, name = last repository segment lower-cased,
  // version = digest, repository_url = the full repository (docker.io/library/ for official images).
  const purl = PackageURL.fromString(image.purl!);
  assert.equal(purl.type, 'oci');
  assert.equal(purl.namespace, undefined);
  assert.equal(purl.name, 'python');
  assert.equal(purl.version, result.target.manifestDigest);
  assert.equal(purl.qualifiers?.['repository_url'], 'docker.io/library/python');
  assert.equal(purl.qualifiers?.['tag'], '3.12-slim');
  assert.equal(purl.qualifiers?.['arch'], 'amd64');
  assert.deepEqual(prop(image, 'stockade:image:tag'), result.target.repoTags);
  assert.deepEqual(prop(image, 'stockade:image:id'), [result.target.configDigest]);
  assert.deepEqual(prop(image, 'stockade:image:os'), ['linux']);
  assert.deepEqual(prop(image, 'stockade:image:architecture'), ['amd64']);
  assert.deepEqual(prop(image, 'stockade:os:family'), [result.os!.family]);
});

test('an image with neither digest nor repository has no purl', () => {
  const result = sampleResult();
  result.target = { name: './debian-slim-oci', sourceKind: 'oci-layout', repoTags: [], repoDigests: [], layers: result.target.layers };
  const image = writeBom(result).metadata.component;
  assert.equal(image.purl, undefined);
  assert.equal(image.version, undefined);
  assert.equal(image.type, 'container');
});

test('an operating-system component describes result.os', () => {
  const result = sampleResult();
  const os = writeBom(result).components.filter((c) => c.type === 'operating-system');
  assert.equal(os.length, 1);
  assert.equal(os[0]!.name, result.os!.family);
  assert.equal(os[0]!.version, result.os!.version);
});

test('one component per package: bom-ref = id, purl, locations as evidence, layer and extractor', () => {
  const result = sampleResult();
  const components = byRef(writeBom(result));
  assert.equal(components.size, result.packages.length + 1 /* the OS */);
  for (const p of result.packages) {
    const c = components.get(p.id);
    assert.ok(c, `component for ${p.id}`);
    assert.equal(c.type, 'library');
    assert.equal(c.purl, p.purl);
    assert.doesNotThrow(() => PackageURL.fromString(c.purl!), c.purl);
    assert.deepEqual(c.evidence?.occurrences.map((o) => o.location), p.locations);
    assert.deepEqual(prop(c, 'stockade:package:foundBy'), [p.foundBy]);
    assert.deepEqual(prop(c, 'stockade:layer:diffID'), p.layer ? [p.layer.diffID] : []);
    assert.deepEqual(prop(c, 'stockade:layer:createdBy'), p.layer?.createdBy ? [p.layer.createdBy] : []);
    assert.deepEqual(prop(c, 'stockade:layer:index'), p.layer ? [String(p.layer.index)] : []);
  }
});

test('package names: npm scope and Maven groupId become group, as packageurl-js splits them', () => {
  const result = sampleResult();
  const components = byRef(writeBom(result));
  for (const p of result.packages.filter((x) => x.ecosystem === 'npm' || x.ecosystem === 'maven')) {
    const purl = PackageURL.fromString(p.purl);
    const c = components.get(p.id)!;
    assert.equal(c.group, purl.namespace);
    assert.equal(c.name, purl.name);
  }
  const scoped = result.packages.find((p) => p.name === '@babel/core')!;
  assert.equal(components.get(scoped.id)!.group, '@babel');
  const go = result.packages.find((p) => p.ecosystem === 'golang')!;
  assert.equal(components.get(go.id)!.name, go.name);
  assert.equal(components.get(go.id)!.group, undefined);
});

test('deb epoch joins the version; source package is a pedigree ancestor with a source purl', () => {
  const result = sampleResult();
  const components = byRef(writeBom(result));
  const passwd = result.packages.find((p) => p.name === 'passwd')!;
  const c = components.get(passwd.id)!;
  // Debian policy 5.6.12: [epoch:]upstream_version[-debian_revision].
  assert.equal(c.version, `${passwd.epoch}:${passwd.version}`);
  // Same version as the purl carries (the extractor put the epoch there).
  assert.equal(c.version, PackageURL.fromString(passwd.purl).version);
  const ancestor = c.pedigree?.ancestors[0];
  assert.equal(ancestor?.name, passwd.source!.name);
  assert.equal(ancestor?.version, passwd.source!.version);
  const srcPurl = PackageURL.fromString(ancestor!.purl!);
  assert.equal(srcPurl.type, 'deb');
  assert.equal(srcPurl.name, 'shadow');
  assert.equal(srcPurl.qualifiers?.['arch'], 'source');
  assert.equal(srcPurl.qualifiers?.['distro'], 'debian-12');
  // A package whose source has its own name and version equal: no pedigree.
  const idna = result.packages.find((p) => p.name === 'idna')!;
  assert.equal(components.get(idna.id)!.pedigree, undefined);
});

test('licenses: SPDX ids as id, expressions as one expression, other text as name', () => {
  const result = sampleResult();
  const components = byRef(writeBom(result));
  const licensesOf = (name: string) => components.get(result.packages.find((p) => p.name === name)!.id)!.licenses;
  assert.deepEqual(licensesOf('urllib3'), [{ license: { id: 'MIT' } }]);
  assert.deepEqual(licensesOf('serde'), [{ expression: 'MIT OR Apache-2.0' }]);
  assert.deepEqual(licensesOf('libgcc-s1'), [{ expression: 'GPL-3.0-or-later WITH GCC-exception-3.1' }]);
  assert.deepEqual(licensesOf('unicode-ident'), [{ expression: '(MIT OR Apache-2.0) AND Unicode-DFS-2016' }]);
  // SPDX ids match case-insensitively and are written in canonical case (SPDX 2.3 annex D).
  assert.deepEqual(licensesOf('passwd'), [{ license: { name: 'GPL-2+' } }, { license: { id: 'BSD-3-Clause' } }]);
  assert.deepEqual(licensesOf('requests'), [{ license: { name: 'Apache 2.0' } }]);
  assert.deepEqual(licensesOf('json'), [{ license: { id: 'Ruby' } }, { license: { id: 'BSD-2-Clause' } }]);
  // Several valid strings, one an expression: joined into one expression.
  assert.deepEqual(licensesOf('cryptography'), [{ expression: '(Apache-2.0 OR BSD-3-Clause) AND PSF-2.0' }]);
  // An expression next to free text cannot be one expression: every string kept as a name.
  assert.deepEqual(licensesOf('node-forge'), [
    { license: { name: '(BSD-3-Clause OR GPL-2.0)' } },
    { license: { name: 'Custom license, see LICENSE' } },
  ]);
  assert.equal(licensesOf('github.com/spf13/cobra'), undefined);
});

test('every emitted license expression is valid SPDX per python3-license-expression', (t) => {
  const expressions = writeBom(sampleResult()).components.flatMap((c) => (c.licenses ?? []).flatMap((l) => (l.expression ? [l.expression] : [])));
  assert.ok(expressions.length >= 4);
  const verdicts = pythonSpdxVerdicts(expressions);
  if (!verdicts) return t.skip(PYTHON_MISSING);
  expressions.forEach((e, i) => assert.ok(validAllowingLicenseRefs(verdicts[i]!), `${e}: ${JSON.stringify(verdicts[i])}`));
});

test('cyclonedxLicenses keeps hostile strings as names and never throws', () => {
  const deep = `${'('.repeat(5000)}MIT${')'.repeat(5000)}`;
  assert.deepEqual(cyclonedxLicenses([deep]), [{ license: { name: deep } }]);
  const long = 'MIT AND '.repeat(2000) + 'MIT';
  assert.deepEqual(cyclonedxLicenses([long]), [{ license: { name: long } }]);
  assert.equal(cyclonedxLicenses(['', '   ']), undefined);
});

test('dependency graph: refs resolve, declared dependencies kept, dangling dropped, ownership an edge', () => {
  const result = sampleResult();
  const bom = writeBom(result);
  const refs = new Set([bom.metadata.component['bom-ref'], ...bom.components.map((c) => c['bom-ref'])]);
  assert.equal(refs.size, bom.components.length + 1, 'bom-refs are unique');
  const deps = new Map(bom.dependencies.map((d) => [d.ref, d.dependsOn]));
  assert.equal(deps.size, bom.dependencies.length, 'one entry per ref');
  for (const d of bom.dependencies) {
    assert.ok(refs.has(d.ref), `dependency ref ${d.ref} is a known bom-ref`);
    for (const on of d.dependsOn) assert.ok(refs.has(on), `dependsOn ${on} is a known bom-ref`);
  }
  const ids = new Set(result.packages.map((p) => p.id));
  for (const p of result.packages) {
    if (p.dependencies === undefined) continue;
    const on = deps.get(p.id);
    assert.ok(on, `entry for ${p.id}, whose dependencies are known`);
    for (const d of p.dependencies) {
      if (ids.has(d)) assert.ok(on.includes(d), `${p.id} -> ${d}`);
      else assert.ok(!on.includes(d), `dangling ${d} dropped`);
    }
  }
  const owned = result.packages.find((p) => p.ownedBy !== undefined)!;
  assert.ok(deps.get(owned.ownedBy!)!.includes(owned.id), 'owner -> owned edge');
  assert.deepEqual(prop(byRef(bom).get(owned.id)!, 'stockade:package:ownedBy'), [owned.ownedBy]);
  // A package whose dependencies are unknown (undefined) gets no entry claiming it has none.
  const unknownDeps = result.packages.find((p) => p.dependencies === undefined && !result.packages.some((q) => q.ownedBy === p.id))!;
  assert.equal(deps.get(unknownDeps.id), undefined);
});

test('every component is reachable from the image, the libc6/libgcc-s1 cycle included', () => {
  const bom = writeBom(sampleResult());
  const deps = new Map(bom.dependencies.map((d) => [d.ref, d.dependsOn]));
  const reached = new Set<string>();
  const stack = [bom.metadata.component['bom-ref']];
  while (stack.length > 0) {
    const ref = stack.pop()!;
    if (reached.has(ref)) continue;
    reached.add(ref);
    stack.push(...(deps.get(ref) ?? []));
  }
  for (const c of bom.components) assert.ok(reached.has(c['bom-ref']), `${c['bom-ref']} reachable`);
  // The image points at the OS component; OS packages hang below it.
  const osRef = bom.components.find((c) => c.type === 'operating-system')!['bom-ref'];
  assert.ok(deps.get(bom.metadata.component['bom-ref'])!.includes(osRef));
});

test('deterministic: two writes differ only in serialNumber; input order does not matter', () => {
  const result = sampleResult();
  const a = writeBom(result) as unknown as Record<string, unknown>;
  const b = writeBom(result) as unknown as Record<string, unknown>;
  assert.notEqual(a['serialNumber'], b['serialNumber']);
  delete a['serialNumber'];
  delete b['serialNumber'];
  assert.deepEqual(a, b);
  const shuffled = sampleResult();
  shuffled.packages.reverse();
  const c = writeBom(shuffled) as unknown as Record<string, unknown>;
  delete c['serialNumber'];
  assert.equal(JSON.stringify(c), JSON.stringify(a));
  const refs = writeBom(result).components.map((x) => x['bom-ref']);
  assert.deepEqual(refs, [...refs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
});

test('bom-refs stay unique when a package id equals the image ref or repeats', (t) => {
  const result = sampleResult();
  const imageRef = writeBom(result).metadata.component['bom-ref'];
  const clash = { ...result.packages[0]!, id: imageRef };
  result.packages.push(clash, { ...result.packages[1]! });
  const bom = writeBom(result);
  const refs = [bom.metadata.component['bom-ref'], ...bom.components.map((c) => c['bom-ref'])];
  assert.equal(new Set(refs).size, refs.length);
  const validator = cyclonedxValidator();
  if (typeof validator === 'string') return t.skip(validator);
  assert.deepEqual(validator(bom), []);
});

test('writer metadata and output framing', () => {
  assert.equal(cyclonedxWriter.id, 'cyclonedx');
  assert.ok(cyclonedxWriter.description.length > 0);
  const text = cyclonedxWriter.write(sampleResult(), { color: true, width: 40 });
  assert.ok(text.endsWith('}\n'));
  assert.doesNotThrow(() => JSON.parse(text));
});

// ---------------------------------------------------------------------------
// Vulnerabilities (CycloneDX 1.6 `vulnerabilities`). Oracles: the official schema
// (its severity, scoreMethod, impactAnalysisState/Justification enums), the CVSS
// vector's own version prefix, the WHATWG URL parser, and the input findings.
// ---------------------------------------------------------------------------

interface CdxVuln {
  'bom-ref': string;
  id: string;
  source: { name: string; url?: string };
  references?: Array<{ id: string; source: { name: string; url?: string } }>;
  ratings: Array<{ severity: string; score?: number; method: string; vector?: string; source?: { name: string } }>;
  description?: string;
  recommendation?: string;
  advisories?: Array<{ url: string }>;
  published?: string;
  updated?: string;
  analysis?: { state?: string; justification?: string; response?: string[]; detail?: string };
  affects: Array<{ ref: string; versions: Array<{ version: string; status: string }> }>;
  properties?: Array<{ name: string; value: string }>;
}
type VulnBom = Bom & { vulnerabilities?: CdxVuln[] };

function writeVulnBom(result: ScanResult): VulnBom {
  return JSON.parse(cyclonedxWriter.write(result, { color: false })) as VulnBom;
}

/** The entry for one finding: the one whose affects names that package. */
function entryFor(bom: VulnBom, id: string, packageId: string): CdxVuln {
  const e = bom.vulnerabilities!.find((v) => v.id === id && v.affects.some((a) => a.ref === packageId));
  assert.ok(e, `vulnerability ${id} for ${packageId}`);
  return e;
}

function schemaEnum(name: string): string[] | undefined {
  const bomPath = corpusPath('scanner', 'sbom', 'schemas', 'bom-1.6.schema.json');
  if (!bomPath) return undefined;
  const schema = JSON.parse(readFileSync(bomPath, 'utf8')) as { definitions: Record<string, { enum?: string[] }> };
  return schema.definitions[name]?.enum;
}

test('vulnerabilities: the BOM with findings validates against the CycloneDX 1.6 schema', (t) => {
  const validator = cyclonedxValidator();
  if (typeof validator === 'string') return t.skip(validator);
  assert.deepEqual(validator(writeVulnBom(vulnerableResult())), []);
  const empty = vulnerableResult();
  empty.vulnerabilities = [];
  assert.deepEqual(validator(writeVulnBom(empty)), []);
  // Not a rubber stamp for this part either.
  const broken = writeVulnBom(vulnerableResult());
  broken.vulnerabilities![0]!.ratings[0]!.severity = 'CRITICAL';
  assert.notDeepEqual(validator(broken), []);
});

test('vulnerabilities: one entry per finding, every affects ref is a component of the document', () => {
  const result = vulnerableResult();
  const bom = writeVulnBom(result);
  assert.equal(bom.vulnerabilities!.length, result.vulnerabilities!.length);
  const componentRefs = new Set([bom.metadata.component['bom-ref'], ...bom.components.map((c) => c['bom-ref'])]);
  for (const v of bom.vulnerabilities!) {
    assert.ok(v.affects.length > 0, v.id);
    for (const a of v.affects) assert.ok(componentRefs.has(a.ref), `${v.id}: affects ${a.ref} is a component bom-ref`);
  }
  const allRefs = [...componentRefs, ...bom.vulnerabilities!.map((v) => v['bom-ref'])];
  assert.equal(new Set(allRefs).size, allRefs.length, 'bom-refs unique across components and vulnerabilities');
  for (const f of result.vulnerabilities!) {
    const e = entryFor(bom, f.id, f.packageId);
    assert.deepEqual(e.affects, [{ ref: f.packageId, versions: [{ version: f.installedVersion, status: 'affected' }] }]);
  }
});

test('vulnerabilities: ratings use the schema\'s severity enum and the method the vector states', (t) => {
  const result = vulnerableResult();
  const bom = writeVulnBom(result);
  const severities = schemaEnum('severity');
  const methods = schemaEnum('scoreMethod');
  if (!severities || !methods) return t.skip('shared corpus (scanner/sbom/schemas/bom-1.6.schema.json) is absent');
  // The vector prefix names the CVSS version (CVSS v3.0 and v3.1 specifications, section 6 / "Vector String").
  const methodForVector: Record<string, string> = { 'CVSS:3.1': 'CVSSv31', 'CVSS:3.0': 'CVSSv3', 'CVSS:4.0': 'CVSSv4' };
  for (const f of result.vulnerabilities!) {
    const [rating] = entryFor(bom, f.id, f.packageId).ratings;
    assert.ok(severities.includes(rating!.severity), rating!.severity);
    assert.equal(rating!.severity, f.severity.level.toLowerCase());
    assert.ok(methods.includes(rating!.method), rating!.method);
    assert.equal(rating!.method, f.severity.vector ? methodForVector[f.severity.vector.split('/')[0]!] : 'other');
    assert.equal(rating!.score, f.severity.score);
    assert.equal(rating!.vector, f.severity.vector);
  }
});

test('vulnerabilities: aliases as references, advice, advisories and dates', () => {
  const result = vulnerableResult();
  const bom = writeVulnBom(result);
  for (const f of result.vulnerabilities!) {
    const e = entryFor(bom, f.id, f.packageId);
    assert.deepEqual((e.references ?? []).map((r) => r.id).sort(), [...f.aliases].sort());
    for (const r of e.references ?? []) assert.ok(r.source.name.length > 0);
    assert.ok(e.source.url && new URL(e.source.url).pathname.endsWith(encodeURIComponent(f.id)), e.source.url);
    for (const v of f.fixedVersions) assert.ok(e.recommendation?.includes(v), `${f.id}: recommendation names ${v}`);
    const urls = [f.primaryUrl, ...f.references].filter((u): u is string => u !== undefined);
    assert.deepEqual(e.advisories?.map((a) => a.url) ?? [], urls);
    if (f.published) assert.equal(new Date(e.published!).getTime(), new Date(f.published).getTime());
    if (f.modified) assert.equal(new Date(e.updated!).getTime(), new Date(f.modified).getTime());
    assert.equal(e.description, f.description ?? f.title);
  }
  const cve = entryFor(bom, 'CVE-2023-32681', result.packages.find((p) => p.name === 'requests')!.id);
  assert.equal(cve.source.name, 'NVD');
  assert.equal(cve.references!.find((r) => r.id.startsWith('GHSA-'))!.source.url, 'https://github.com/advisories/GHSA-j8r2-6x86-q33q');
});

test('vulnerabilities: only http(s) advisory links; unparsable dates are left out', (t) => {
  const result = vulnerableResult();
  const f = result.vulnerabilities![0]!;
  f.references = ['javascript:alert(1)', 'not a url', 'https://example.org/a b', 'ftp://example.org/x'];
  f.published = 'yesterday';
  const bom = writeVulnBom(result);
  const e = entryFor(bom, f.id, f.packageId);
  assert.deepEqual(e.advisories!.map((a) => new URL(a.url).protocol), ['https:', 'https:']);
  assert.equal(e.published, undefined);
  const validator = cyclonedxValidator();
  if (typeof validator === 'string') return t.skip(validator);
  assert.deepEqual(validator(bom), []);
});

test('vulnerabilities: suppressions become analysis; VEX justifications map onto the schema enum', (t) => {
  const result = vulnerableResult();
  const bom = writeVulnBom(result);
  const states = schemaEnum('impactAnalysisState');
  const justifications = schemaEnum('impactAnalysisJustification');
  if (!states || !justifications) return t.skip('shared corpus (scanner/sbom/schemas/bom-1.6.schema.json) is absent');
  for (const f of result.vulnerabilities!) {
    const e = entryFor(bom, f.id, f.packageId);
    if (!f.suppressed) {
      assert.equal(e.analysis?.state, undefined, f.id);
      continue;
    }
    assert.ok(states.includes(e.analysis!.state!));
    assert.ok(e.analysis!.detail!.includes(f.suppressed.justification!), 'the reason as written is kept');
    assert.ok(e.analysis!.detail!.includes(f.suppressed.source));
  }
  const vex = result.vulnerabilities!.find((f) => f.suppressed?.kind === 'vex')!;
  const vexEntry = entryFor(bom, vex.id, vex.packageId);
  assert.equal(vexEntry.analysis!.state, 'not_affected');
  // OpenVEX vulnerable_code_not_in_execute_path = CycloneDX code_not_reachable (CycloneDX VEX guide).
  assert.equal(vexEntry.analysis!.justification, 'code_not_reachable');
  assert.ok(justifications.includes(vexEntry.analysis!.justification!));
  const ignored = result.vulnerabilities!.find((f) => f.suppressed?.kind === 'ignorefile')!;
  assert.equal(entryFor(bom, ignored.id, ignored.packageId).analysis!.justification, undefined, 'free text is not forced into the enum');
  // A distro "will not fix" is the supplier's response.
  const wontFix = result.vulnerabilities!.find((f) => f.status === 'will_not_fix' && !f.suppressed)!;
  assert.deepEqual(entryFor(bom, wontFix.id, wontFix.packageId).analysis, { response: ['will_not_fix'] });
});

test('vulnerabilities: absent when the scanner did not run; a finding on an unknown package points at the image', (t) => {
  const result = vulnerableResult();
  delete result.vulnerabilities;
  assert.equal(writeVulnBom(result).vulnerabilities, undefined);
  const dangling = vulnerableResult();
  dangling.vulnerabilities![0]!.packageId = 'pkg:deb/debian/gone@1';
  const bom = writeVulnBom(dangling);
  const e = bom.vulnerabilities!.find((v) => (v.properties ?? []).some((p) => p.name === 'stockade:vulnerability:package'))!;
  assert.equal(e.affects[0]!.ref, bom.metadata.component['bom-ref']);
  const validator = cyclonedxValidator();
  if (typeof validator === 'string') return t.skip(validator);
  assert.deepEqual(validator(bom), []);
});

test('a version longer than the schema allows is left out, and the BOM stays valid', (t) => {
  const result = vulnerableResult();
  const long = `1.${'0'.repeat(2000)}`;
  const pkg = result.packages.find((p) => p.name === 'lodash')!;
  pkg.version = long;
  result.vulnerabilities!.find((v) => v.packageId === pkg.id)!.installedVersion = long;
  const bom = writeVulnBom(result);
  assert.equal(byRef(bom).get(pkg.id)!.version, undefined);
  const validator = cyclonedxValidator();
  if (typeof validator === 'string') return t.skip(validator);
  assert.deepEqual(validator(bom), []);
});

test('vulnerabilities: deterministic, whatever the input order', () => {
  const strip = (b: VulnBom) => JSON.stringify({ ...b, serialNumber: '' });
  const a = strip(writeVulnBom(vulnerableResult()));
  const shuffled = vulnerableResult();
  shuffled.vulnerabilities!.reverse();
  shuffled.packages.reverse();
  assert.equal(strip(writeVulnBom(shuffled)), a);
  const ids = writeVulnBom(vulnerableResult()).vulnerabilities!.map((v) => v.id);
  assert.deepEqual(ids, [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
});
