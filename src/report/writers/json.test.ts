/**
 * JSON writer tests. Oracles: JSON.parse round-trips to the input, and the interface
 * declarations in src/core/types.ts, which docs/result-json.md must describe field for
 * field (and not describe fields that are gone).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScanResult } from '../../core/types.js';
import { REPO_ROOT } from '../../testing/corpus.js';
import { jsonWriter } from './json.js';

const TYPES_PATH = join(REPO_ROOT, 'src', 'core', 'types.ts');
const DOC_PATH = join(REPO_ROOT, 'docs', 'result-json.md');

/** A result with every optional field filled, so every key the type allows shows up. */
function fullResult(): ScanResult {
  const layer = { index: 0, diffID: `sha256:${'1'.repeat(64)}`, digest: `sha256:${'2'.repeat(64)}`, createdBy: 'RUN apt-get install -y curl' };
  return {
    schemaVersion: 1,
    tool: { name: 'stockade', version: '0.1.0' },
    createdAt: '2024-05-01T12:34:56Z',
    target: {
      name: 'registry.example.com/team/app:1.2',
      sourceKind: 'registry',
      manifestDigest: `sha256:${'3'.repeat(64)}`,
      configDigest: `sha256:${'4'.repeat(64)}`,
      repoTags: ['registry.example.com/team/app:1.2'],
      repoDigests: [`registry.example.com/team/app@sha256:${'3'.repeat(64)}`],
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      layers: [layer],
      created: '2024-04-30T08:00:00Z',
      config: { Env: ['PATH=/usr/bin'], User: 'app', Labels: { 'org.opencontainers.image.source': 'x' } },
      history: [
        { created: '2024-04-30T08:00:00Z', created_by: 'RUN apt-get install -y curl', comment: 'buildkit.dockerfile.v0' },
        { created: '2024-04-30T08:00:01Z', created_by: 'CMD ["app"]', empty_layer: true },
      ],
    },
    os: { family: 'ubuntu', version: '22.04', prettyName: 'Ubuntu 22.04.4 LTS', codename: 'jammy', source: '/etc/os-release' },
    packages: [
      {
        id: 'deb:curl', ecosystem: 'deb', name: 'curl', version: '7.81.0-1ubuntu1.15', epoch: 0,
        purl: 'pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.15?arch=arm64&distro=ubuntu-22.04',
        source: { name: 'curl', version: '7.81.0-1ubuntu1.15' }, arch: 'arm64', licenses: ['curl'],
        files: ['/usr/bin/curl'], dependsOn: ['libcurl4'], metadata: { priority: 'optional', installedSize: 453 },
        locations: ['/var/lib/dpkg/status'], foundBy: 'dpkg-status', layer, ownedBy: 'deb:base', dependencies: ['deb:libcurl4'],
      },
    ],
    vulnerabilities: [
      {
        id: 'CVE-2023-38545', aliases: ['DEBIAN-CVE-2023-38545', 'USN-6429-1'], packageId: 'deb:curl', packageName: 'curl',
        installedVersion: '7.81.0-1ubuntu1.15', fixedVersions: ['7.81.0-1ubuntu1.16'], status: 'fixed',
        severity: { level: 'CRITICAL', source: 'cvss-v3.1', score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
        title: 'SOCKS5 heap buffer overflow', description: 'A flaw makes curl overflow a heap based buffer in the SOCKS5 proxy handshake.',
        primaryUrl: 'https://ubuntu.com/security/CVE-2023-38545', references: ['https://curl.se/docs/CVE-2023-38545.html'],
        dataSources: ['osv:Ubuntu'], published: '2023-10-18T04:15:11Z', modified: '2024-01-01T00:00:00Z', viaOsOwned: true,
        suppressed: { kind: 'ignorefile', justification: 'no SOCKS5 proxy in use', source: '.stockadeignore', expires: '2025-01-01' },
      },
    ],
    warnings: [{ input: '/var/lib/dpkg/status', message: 'record 3: bad Version', incomplete: true }],
  };
}

test('output is the result, pretty-printed, with one trailing newline', () => {
  const result = fullResult();
  const text = jsonWriter.write(result, { color: true, width: 20 });
  assert.ok(text.endsWith('}\n') && !text.endsWith('\n\n'));
  assert.deepEqual(JSON.parse(text), result);
  assert.ok(text.includes('\n  "schemaVersion": 1,'), 'two-space indentation');
  assert.equal(jsonWriter.id, 'json');
});

/** Drops comments, so a brace or colon inside a doc comment cannot confuse the field scan. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

/** Top-level member names of `export interface <name> ... { ... }` in types.ts. */
function interfaceFields(source: string, name: string): string[] {
  const start = source.search(new RegExp(`export interface ${name}\\b[^{]*\\{`));
  assert.ok(start >= 0, `interface ${name} in types.ts`);
  let i = source.indexOf('{', start) + 1;
  let depth = 1;
  let topLevel = '';
  for (; i < source.length && depth > 0; i++) {
    const ch = source[i]!;
    if (ch === '{' || ch === '(' || ch === '<' || ch === '[') depth++;
    else if (ch === '}' || ch === ')' || ch === '>' || ch === ']') depth--;
    else if (depth === 1) topLevel += ch;
    // Nested members become a placeholder, so `a: { b: x }` leaves `a: ` at depth 1.
  }
  return topLevel
    .split(/[;\n]/)
    .map((line) => /^\s*([A-Za-z_$][\w$]*)\??\s*:/.exec(line)?.[1])
    .filter((f): f is string => f !== undefined);
}

/** Field rows (first cell in backticks) of the doc section whose heading starts with `## <name>`. */
function docFields(doc: string, name: string): string[] {
  const sections = doc.split(/^## /m);
  const section = sections.find((s) => s.startsWith(`${name} `) || s.startsWith(`${name}\n`));
  assert.ok(section, `section "## ${name}" in docs/result-json.md`);
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
}

const DOCUMENTED_TYPES: Array<{ section: string; interfaces: string[] }> = [
  { section: 'ScanResult', interfaces: ['ScanResult'] },
  { section: 'ImageInfo', interfaces: ['ImageInfo'] },
  { section: 'LayerRef', interfaces: ['LayerRef'] },
  { section: 'OsInfo', interfaces: ['OsInfo'] },
  { section: 'Package', interfaces: ['ExtractedPackage', 'Package'] },
  { section: 'VulnerabilityFinding', interfaces: ['VulnerabilityFinding'] },
  { section: 'SeverityRating', interfaces: ['SeverityRating'] },
  { section: 'Suppression', interfaces: ['Suppression'] },
  { section: 'ConfigFinding', interfaces: ['RuleFindingBase', 'ConfigFinding'] },
  { section: 'SecretFinding', interfaces: ['RuleFindingBase', 'SecretFinding'] },
  { section: 'ScanWarning', interfaces: ['ScanWarning'] },
];

test('docs/result-json.md lists every field of the result types, and no others', (t) => {
  if (!existsSync(TYPES_PATH) || !existsSync(DOC_PATH)) return t.skip('src/core/types.ts or docs/result-json.md not found from the repository root');
  const types = stripComments(readFileSync(TYPES_PATH, 'utf8'));
  const doc = readFileSync(DOC_PATH, 'utf8');
  for (const { section, interfaces } of DOCUMENTED_TYPES) {
    const declared = new Set(interfaces.flatMap((name) => interfaceFields(types, name)));
    assert.ok(declared.size >= 2, `parsed fields of ${interfaces.join(', ')}`);
    const documented = docFields(doc, section);
    const documentedTop = new Set(documented.map((f) => f.split(/[.[]/)[0]!));
    for (const f of declared) assert.ok(documentedTop.has(f), `${section}.${f} is documented`);
    for (const f of documentedTop) assert.ok(declared.has(f), `${section}.${f} documented but not in types.ts`);
  }
});

/** Key paths of a JSON value, relative to the type that owns them (section, path). */
function keyPaths(value: unknown, section: string, prefix: string, out: Array<[string, string]>): void {
  if (Array.isArray(value)) {
    for (const item of value) keyPaths(item, section, `${prefix}[]`, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push([section, path]);
    // Type boundaries: these keys hold another documented type.
    const nested: Record<string, string> = {
      target: 'ImageInfo', os: 'OsInfo', packages: 'Package', vulnerabilities: 'VulnerabilityFinding', warnings: 'ScanWarning',
    };
    if (section === 'ScanResult' && nested[key]) enterType(child, nested[key]!, out);
    else if (section === 'VulnerabilityFinding' && key === 'severity') enterType(child, 'SeverityRating', out);
    else if (section === 'VulnerabilityFinding' && key === 'suppressed') enterType(child, 'Suppression', out);
    else if ((section === 'ImageInfo' && key === 'layers') || (section === 'Package' && key === 'layer')) enterType(child, 'LayerRef', out);
    else if (key === 'config' || key === 'metadata') continue; // free-form maps: their keys are the image's / extractor's
    else keyPaths(child, section, path, out);
  }
}

/** Keys of a value of another documented type (or of each element of an array of them). */
function enterType(value: unknown, section: string, out: Array<[string, string]>): void {
  for (const item of Array.isArray(value) ? value : [value]) keyPaths(item, section, '', out);
}

test('every key in a fully populated result is documented in its section', (t) => {
  if (!existsSync(DOC_PATH)) return t.skip('docs/result-json.md not found from the repository root');
  const doc = readFileSync(DOC_PATH, 'utf8');
  const paths: Array<[string, string]> = [];
  keyPaths(JSON.parse(jsonWriter.write(fullResult(), { color: false })), 'ScanResult', '', paths);
  assert.ok(paths.length > 50);
  for (const [section, path] of paths) {
    const documented = new Set(docFields(doc, section).map((f) => f.replace(/\[\]/g, '')));
    assert.ok(documented.has(path.replace(/\[\]/g, '')), `${section}: ${path} is documented`);
  }
});
