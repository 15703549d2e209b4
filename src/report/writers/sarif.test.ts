/**
 * SARIF writer tests. Oracles:
 * - the official OASIS SARIF 2.1.0 JSON schema, when a copy is on this machine
 *   (STOCKADE_SARIF_SCHEMA, or the shared corpus at scanner/sarif/); no installed
 *   package ships it, so without it the test says so and the structural checks below,
 *   written from the spec's normative text, still run;
 * - GitHub's documented code-scanning rules (level per severity, the
 *   `security-severity` bands, a repository-relative artifact URI per result);
 * - cmark-gfm, GitHub's own Markdown renderer, for `help.markdown`;
 * - the WHATWG URL parser for artifact URIs;
 * - and the input result for what each rule and result must say.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ScanResult, SeverityLevel, VulnerabilityFinding } from '../../core/types.js';
import { corpusPath } from '../../testing/corpus.js';
import { FINGERPRINT_KEY, ROOT_BASE_ID, sarifWriter } from './sarif.js';
import { vulnerableResult } from './test-support/vulnerable-result.js';

interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number } };
  message?: { text: string };
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  suppressions?: Array<{ kind: string; status?: string; justification?: string; properties?: Record<string, string> }>;
  properties: Record<string, unknown>;
}
interface SarifRule {
  id: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri?: string;
  help: { text: string; markdown: string };
  defaultConfiguration: { level: string };
  properties: { tags: string[]; 'security-severity': string };
}
interface SarifLog {
  $schema: string;
  version: string;
  runs: Array<{
    tool: { driver: { name: string; version: string; informationUri?: string; rules: SarifRule[] } };
    results: SarifResult[];
    invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications?: Array<{ level: string; message: { text: string } }> }>;
    originalUriBaseIds?: Record<string, { uri?: string }>;
    properties?: Record<string, unknown>;
  }>;
}

function writeLog(result: ScanResult): SarifLog {
  return JSON.parse(sarifWriter.write(result, { color: false })) as SarifLog;
}

function run(result: ScanResult) {
  return writeLog(result).runs[0]!;
}

// ---------------------------------------------------------------------------
// Oracles
// ---------------------------------------------------------------------------

const SCHEMA_MISSING = 'the SARIF 2.1.0 schema is not on this machine (set STOCKADE_SARIF_SCHEMA, or add sarif-2.1/schema/sarif-schema-2.1.0.json '
  + 'from oasis-tcs/sarif-spec to the shared corpus as scanner/sarif/sarif-schema-2.1.0.json); structural checks still ran';

function schemaPath(): string | undefined {
  const candidates = [
    process.env['STOCKADE_SARIF_SCHEMA'],
    corpusPath('scanner', 'sarif', 'sarif-schema-2.1.0.json'),
    corpusPath('scanner', 'sbom', 'schemas', 'sarif-schema-2.1.0.json'),
  ];
  return candidates.find((p): p is string => p !== undefined && existsSync(p));
}

/**
 * ajv for the official schema. It is draft-04 (`id`, not `$id`); ajv 8 reads the rest
 * of it as written, since the schema uses no draft-04-only keyword forms.
 */
function officialValidator(): ((doc: unknown) => string[]) | undefined {
  const path = schemaPath();
  if (!path) return undefined;
  const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  delete schema['$schema'];
  if (typeof schema['id'] === 'string') {
    schema['$id'] = schema['id'];
    delete schema['id'];
  }
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormatsModule.default(ajv);
  const validate = ajv.compile(schema);
  return (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

/**
 * What SARIF 2.1.0 requires of the parts we write (sections 3.13 sarifLog, 3.14 run,
 * 3.18-3.19 tool/toolComponent, 3.27 result, 3.28 location, 3.29 physicalLocation,
 * 3.4 artifactLocation, 3.30 region, 3.34 suppression, 3.49 reportingDescriptor,
 * 3.11 message), plus GitHub code scanning's own requirements.
 */
function structuralProblems(log: SarifLog): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string): void => { if (!ok) problems.push(what); };
  check(log.version === '2.1.0', 'version is "2.1.0"');
  check(typeof log.$schema === 'string' && /^https?:\/\//.test(log.$schema), '$schema is a URI');
  check(Array.isArray(log.runs) && log.runs.length === 1, 'exactly one run');
  for (const r of log.runs) {
    const driver = r.tool?.driver;
    check(typeof driver?.name === 'string' && driver.name.length > 0, 'tool.driver.name');
    const rules = driver?.rules ?? [];
    check(new Set(rules.map((x) => x.id)).size === rules.length, 'rule ids unique');
    for (const rule of rules) {
      check(typeof rule.id === 'string' && rule.id.length > 0, `rule id ${rule.id}`);
      check(typeof rule.shortDescription?.text === 'string', `${rule.id}: shortDescription.text`);
      check(typeof rule.help?.text === 'string', `${rule.id}: help.text`);
      const s = Number(rule.properties?.['security-severity']);
      check(/^\d+(\.\d+)?$/.test(rule.properties?.['security-severity'] ?? '') && s >= 0 && s <= 10, `${rule.id}: security-severity is a 0-10 number string`);
      if (rule.helpUri !== undefined) check(/^https?:\/\//.test(rule.helpUri), `${rule.id}: helpUri absolute`);
    }
    for (const res of r.results ?? []) {
      check(['none', 'note', 'warning', 'error'].includes(res.level), `${res.ruleId}: level in the enum`);
      check(typeof res.message?.text === 'string' && res.message.text.length > 0, `${res.ruleId}: message.text`);
      check(Number.isInteger(res.ruleIndex) && rules[res.ruleIndex]?.id === res.ruleId, `${res.ruleId}: ruleIndex names its rule`);
      check(Array.isArray(res.locations) && res.locations.length > 0, `${res.ruleId}: at least one location (GitHub)`);
      for (const loc of res.locations ?? []) {
        const uri = loc.physicalLocation?.artifactLocation?.uri;
        check(typeof uri === 'string' && uri.length > 0 && !uri.startsWith('/') && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri),
          `${res.ruleId}: artifact uri ${uri} is relative`);
        check(!/[\s"<>\\^`{|}]/.test(uri ?? ''), `${res.ruleId}: artifact uri ${uri} has no characters a URI may not hold`);
        check(Number.isInteger(loc.physicalLocation?.region?.startLine) && loc.physicalLocation.region.startLine >= 1, `${res.ruleId}: region.startLine >= 1`);
      }
      for (const [k, v] of Object.entries(res.partialFingerprints ?? {})) check(typeof v === 'string', `fingerprint ${k} is a string`);
      for (const s of res.suppressions ?? []) {
        check(s.kind === 'inSource' || s.kind === 'external', `${res.ruleId}: suppression kind in the enum`);
        check(s.status === undefined || ['accepted', 'underReview', 'rejected'].includes(s.status), `${res.ruleId}: suppression status in the enum`);
      }
    }
    for (const inv of r.invocations ?? []) check(typeof inv.executionSuccessful === 'boolean', 'invocation.executionSuccessful');
  }
  return problems;
}

function cmarkGfm(markdown: string): string | undefined {
  const out = spawnSync('cmark-gfm', ['-e', 'table'], { input: markdown, encoding: 'utf8', timeout: 30_000 });
  return out.status === 0 ? out.stdout : undefined;
}

/** GitHub's badge bands for security-severity (docs: "About code scanning alerts"). */
function githubBand(score: number): SeverityLevel {
  if (score >= 9.0) return 'CRITICAL';
  if (score >= 7.0) return 'HIGH';
  if (score >= 4.0) return 'MEDIUM';
  if (score >= 0.1) return 'LOW';
  return 'UNKNOWN';
}

function findingFor(result: ScanResult, res: SarifResult): VulnerabilityFinding {
  const f = result.vulnerabilities!.find((v) => v.id === res.ruleId && v.packageId === res.properties['packageId']);
  assert.ok(f, `finding for ${res.ruleId} / ${String(res.properties['packageId'])}`);
  return f;
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

test('validates against the official SARIF 2.1.0 schema', (t) => {
  const validate = officialValidator();
  if (!validate) return t.skip(SCHEMA_MISSING);
  assert.deepEqual(validate(writeLog(vulnerableResult())), []);
  const empty = vulnerableResult();
  delete empty.vulnerabilities;
  assert.deepEqual(validate(writeLog(empty)), []);
  const rootfs = vulnerableResult();
  rootfs.target = { name: '/mnt/root fs', sourceKind: 'rootfs', repoTags: [], repoDigests: [], layers: [] };
  assert.deepEqual(validate(writeLog(rootfs)), []);
  // Not a rubber stamp.
  const broken = writeLog(vulnerableResult());
  broken.runs[0]!.results[0]!.level = 'fatal';
  assert.notDeepEqual(validate(broken), []);
});

test('meets the spec structure and GitHub code scanning requirements', () => {
  const result = vulnerableResult();
  const log = writeLog(result);
  assert.deepEqual(structuralProblems(log), []);
  const bad = writeLog(result);
  bad.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri = '/var/lib/dpkg/status';
  bad.runs[0]!.results[1]!.ruleIndex = 999;
  assert.equal(structuralProblems(bad).length, 2, 'the structural check catches what it claims to');
});

test('tool, one rule per vulnerability id, one result per finding (suppressed ones kept)', () => {
  const result = vulnerableResult();
  const r = run(result);
  assert.equal(r.tool.driver.name, 'stockade');
  assert.equal(r.tool.driver.version, result.tool.version);
  const ids = [...new Set(result.vulnerabilities!.map((v) => v.id))];
  assert.deepEqual(r.tool.driver.rules.map((x) => x.id).sort(), [...ids].sort());
  assert.equal(r.results.length, result.vulnerabilities!.length);
  // CVE-2024-0727 affects libssl3 and openssl: one rule, two results.
  assert.equal(r.results.filter((x) => x.ruleId === 'CVE-2024-0727').length, 2);
  assert.equal(r.tool.driver.rules.filter((x) => x.id === 'CVE-2024-0727').length, 1);
});

test('levels and security-severity follow GitHub: error for CRITICAL/HIGH, warning MEDIUM, note below', () => {
  const result = vulnerableResult();
  const r = run(result);
  const expectedLevel: Record<SeverityLevel, string> = { CRITICAL: 'error', HIGH: 'error', MEDIUM: 'warning', LOW: 'note', UNKNOWN: 'note' };
  for (const res of r.results) assert.equal(res.level, expectedLevel[findingFor(result, res).severity.level], res.ruleId);
  for (const rule of r.tool.driver.rules) {
    const findings = result.vulnerabilities!.filter((v) => v.id === rule.id);
    const level = findings[0]!.severity.level;
    assert.deepEqual(rule.properties.tags, ['vulnerability', 'security', level]);
    const score = Number(rule.properties['security-severity']);
    const cvss = findings[0]!.severity.score;
    if (cvss !== undefined) assert.equal(score, cvss, `${rule.id}: the CVSS score itself`);
    // Either way GitHub's band for the number is the finding's level.
    assert.equal(githubBand(score), level === 'UNKNOWN' ? 'UNKNOWN' : level, `${rule.id}: ${score}`);
    assert.equal(rule.defaultConfiguration.level, expectedLevel[level]);
  }
});

test('rules describe the vulnerability: descriptions, helpUri, help naming packages and versions', () => {
  const result = vulnerableResult();
  for (const rule of run(result).tool.driver.rules) {
    const findings = result.vulnerabilities!.filter((v) => v.id === rule.id);
    const f = findings[0]!;
    assert.equal(rule.shortDescription.text, f.title ?? f.id);
    assert.equal(rule.fullDescription.text, f.description ?? f.title ?? f.id);
    assert.equal(rule.helpUri, f.primaryUrl);
    for (const g of findings) {
      assert.ok(rule.help.text.includes(g.packageName) && rule.help.text.includes(g.installedVersion), `${rule.id} help names ${g.packageName}`);
      for (const v of g.fixedVersions) assert.ok(rule.help.text.includes(v), `${rule.id} help names fixed ${v}`);
    }
  }
});

test('help.markdown renders under cmark-gfm (GitHub\'s renderer) with the table intact and hostile text inert', (t) => {
  const result = vulnerableResult();
  const lodash = result.vulnerabilities!.find((v) => v.packageName === 'lodash')!;
  lodash.title = 'Injection | in <script>alert(1)</script> [click](javascript:alert(1)) ![x](https://evil.example/x.png)';
  lodash.description = '# not a heading\n- not a list\n1. not a list either\n<img src=x onerror=alert(1)>';
  const rule = run(result).tool.driver.rules.find((x) => x.id === lodash.id)!;
  const html = cmarkGfm(rule.help.markdown);
  if (html === undefined) return t.skip('cmark-gfm is not installed (apt-get install -y cmark-gfm)');
  assert.doesNotMatch(html, /<script|<img|<h1|<li|<ol|<ul/i);
  assert.equal((html.match(/<a /g) ?? []).length, 1, 'only the advisory link is a link');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the title shows as text');
  // One header row and one body row per affected package, four cells each.
  const rows = html.match(/<tr>/g) ?? [];
  assert.equal(rows.length, 2);
  assert.equal((html.match(/<td>/g) ?? []).length, 4);
  const link = /<a href="([^"]+)">/.exec(html);
  assert.equal(link?.[1], lodash.primaryUrl);
});

test('results: message names package, installed and fixed version; location is the package file, repo-relative', () => {
  const result = vulnerableResult();
  const packages = new Map(result.packages.map((p) => [p.id, p]));
  for (const res of run(result).results) {
    const f = findingFor(result, res);
    assert.ok(res.message.text.includes(f.packageName), res.message.text);
    assert.ok(res.message.text.includes(f.installedVersion), res.message.text);
    for (const v of f.fixedVersions) assert.ok(res.message.text.includes(v), res.message.text);
    const pkg = packages.get(f.packageId)!;
    assert.deepEqual(res.locations.map((l) => l.physicalLocation.artifactLocation.uri), pkg.locations.map((l) => l.slice(1)));
    for (const l of res.locations) {
      assert.equal(l.physicalLocation.artifactLocation.uriBaseId, ROOT_BASE_ID);
      assert.equal(l.physicalLocation.region.startLine, 1);
    }
  }
  // The package with two locations gives both.
  const semver = run(result).results.find((x) => x.properties['packageName'] === 'semver')!;
  assert.equal(semver.locations.length, 2);
});

test('artifact URIs are valid relative references that resolve back to the image path', () => {
  const result = vulnerableResult();
  const odd = ['/app/node_modules/@scope/a b/package.json', '/srv/100%/c:d/x#y?z.jar', '/opt/\u00e9t\u00e9/lib.so'];
  const semver = result.packages.find((p) => p.name === 'semver')!;
  semver.locations = odd;
  const res = run(result).results.find((x) => x.properties['packageName'] === 'semver')!;
  res.locations.forEach((l, i) => {
    const uri = l.physicalLocation.artifactLocation.uri;
    const resolved = new URL(uri, 'file:///root/');
    assert.equal(resolved.protocol, 'file:', uri);
    assert.equal(resolved.search + resolved.hash, '', `${uri}: no query or fragment`);
    assert.equal(decodeURIComponent(resolved.pathname), `/root${odd[i]}`);
  });
  assert.deepEqual(structuralProblems(writeLog(result)), []);
});

test('suppressed findings carry an external suppression with the justification', () => {
  const result = vulnerableResult();
  for (const res of run(result).results) {
    const f = findingFor(result, res);
    if (!f.suppressed) {
      assert.equal(res.suppressions, undefined, res.ruleId);
      continue;
    }
    assert.equal(res.suppressions?.length, 1);
    assert.equal(res.suppressions![0]!.kind, 'external');
    assert.equal(res.suppressions![0]!.justification, f.suppressed.justification);
    assert.equal(res.suppressions![0]!.properties?.['source'], f.suppressed.source);
  }
  assert.equal(run(result).results.filter((x) => x.suppressions).length, result.vulnerabilities!.filter((v) => v.suppressed).length);
});

test('a match via an OS-owned package says the fix may be backported', () => {
  const result = vulnerableResult();
  const res = run(result).results.find((x) => x.properties['viaOsOwned'] === true)!;
  assert.equal(findingFor(result, res).viaOsOwned, true);
  assert.match(res.message.text, /backport/);
});

test('fingerprints: stable across writes and input order, distinct per (package, vulnerability)', () => {
  const result = vulnerableResult();
  const prints = (r: ScanResult) => new Map(run(r).results.map((x) => [`${x.ruleId} ${String(x.properties['packageId'])}`, x.partialFingerprints[FINGERPRINT_KEY]!]));
  const a = prints(result);
  const shuffled = vulnerableResult();
  shuffled.packages.reverse();
  shuffled.vulnerabilities!.reverse();
  assert.deepEqual(prints(shuffled), a);
  assert.equal(new Set(a.values()).size, a.size);
  for (const v of a.values()) assert.match(v, /^[0-9a-f]{64}$/);
  // A later scan where the advisory's wording and the package id changed keeps the alert.
  const later = vulnerableResult();
  for (const f of later.vulnerabilities!) {
    f.title = `${f.title ?? ''} (updated)`;
    f.packageId = `renamed:${f.packageId}`;
  }
  for (const p of later.packages) p.id = `renamed:${p.id}`;
  assert.deepEqual([...prints(later).values()], [...a.values()]);
});

test('the image is named in run properties; warnings become notifications', () => {
  const result = vulnerableResult();
  const r = run(result);
  assert.equal(r.properties?.['imageName'], result.target.name);
  assert.deepEqual(r.properties?.['repoTags'], result.target.repoTags);
  assert.deepEqual(r.properties?.['repoDigests'], result.target.repoDigests);
  assert.equal(r.properties?.['imageID'], result.target.configDigest);
  const notes = r.invocations[0]!.toolExecutionNotifications ?? [];
  assert.equal(notes.length, result.warnings.length);
  assert.ok(notes[0]!.message.text.includes(result.warnings[0]!.message));
});

test('a root filesystem has ROOTPATH as a file URI and no image properties', () => {
  const result = vulnerableResult();
  result.target = { name: '/mnt/root fs', sourceKind: 'rootfs', repoTags: [], repoDigests: [], layers: [] };
  const r = run(result);
  assert.equal(r.properties, undefined);
  const base = r.originalUriBaseIds?.[ROOT_BASE_ID]?.uri;
  assert.ok(base);
  const url = new URL(base);
  assert.equal(url.protocol, 'file:');
  assert.equal(decodeURIComponent(url.pathname), '/mnt/root fs/');
});

test('no vulnerability scan, or a clean one: a valid log with no results', () => {
  for (const vulnerabilities of [undefined, []]) {
    const result = vulnerableResult();
    if (vulnerabilities === undefined) delete result.vulnerabilities;
    else result.vulnerabilities = vulnerabilities;
    const log = writeLog(result);
    assert.deepEqual(log.runs[0]!.results, []);
    assert.deepEqual(log.runs[0]!.tool.driver.rules, []);
    assert.deepEqual(structuralProblems(log), []);
  }
});

test('a finding whose package is missing from the inventory still gets a location', () => {
  const result = vulnerableResult();
  result.vulnerabilities![0]!.packageId = 'pkg:deb/debian/gone@1';
  const log = writeLog(result);
  assert.deepEqual(structuralProblems(log), []);
  const res = log.runs[0]!.results.find((x) => x.properties['packageId'] === 'pkg:deb/debian/gone@1')!;
  assert.equal(res.locations[0]!.physicalLocation.artifactLocation.uri, 'registry.example.com/shop/web');
});

test('deterministic: same input, same bytes; input order does not matter', () => {
  const a = sarifWriter.write(vulnerableResult(), { color: false });
  assert.equal(sarifWriter.write(vulnerableResult(), { color: true, width: 40 }), a);
  const shuffled = vulnerableResult();
  shuffled.vulnerabilities!.reverse();
  shuffled.packages.reverse();
  assert.equal(sarifWriter.write(shuffled, { color: false }), a);
  assert.ok(a.endsWith('}\n'));
  assert.equal(sarifWriter.id, 'sarif');
});
