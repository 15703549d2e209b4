import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import type { Ecosystem, ImageInfo, Package, VulnerabilityFinding } from '../core/types.js';
import { indexPackages } from './ignore-file.js';
import { applyVex, loadVex, parseVex, type VexDocument } from './vex.js';

function pkg(id: string, ecosystem: Ecosystem, name: string, version: string, purl: string, extra: Partial<Package> = {}): Package {
  return { id, ecosystem, name, version, purl, locations: [], foundBy: 'test', ...extra };
}

function finding(id: string, aliases: string[], p: Package): VulnerabilityFinding {
  return {
    id,
    aliases,
    packageId: p.id,
    packageName: p.name,
    installedVersion: p.version,
    fixedVersions: [],
    status: 'fixed',
    severity: { level: 'CRITICAL', source: 'test' },
    references: [],
    dataSources: [],
  };
}

const doc = (value: unknown, source = 'test.vex.json'): VexDocument => parseVex(JSON.stringify(value), source);

// ---------------------------------------------------------------------------
// The OpenVEX specification's own examples (openvex/spec OPENVEX-SPEC.md, v0.2.0,
// commit d29fab0, sections "Document", "Updating Statements with Inherited Data" and
// "Example"; the v0.0.x shape from the same file at commit 4a0fbbd). Where the spec's
// snippets have a trailing or missing comma, the JSON is corrected; nothing else changes.

const SPEC_MINIMAL = {
  '@context': 'https://openvex.dev/ns/v0.2.0',
  '@id': 'https://openvex.dev/docs/example/vex-9fb3463de1b57',
  author: 'Wolfi J Inkinson',
  role: 'Document Creator',
  timestamp: '2023-01-08T18:02:03.647787998-06:00',
  version: 1,
  statements: [
    {
      vulnerability: { name: 'CVE-2023-12345' },
      products: [{ '@id': 'pkg:apk/wolfi/git@2.39.0-r1?arch=armv7' }, { '@id': 'pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64' }],
      status: 'fixed',
    },
  ],
};

const SPEC_UPDATE_V1 = {
  '@context': 'https://openvex.dev/ns/v0.2.0',
  '@id': 'https://openvex.dev/docs/example/vex-9fb3463de1b57',
  author: 'Wolfi J Inkinson',
  role: 'Document Creator',
  timestamp: '2023-01-08T18:02:03-06:00',
  version: 1,
  statements: [{ vulnerability: { name: 'CVE-2023-12345' }, products: [{ '@id': 'pkg:apk/wolfi/git@2.39.0-r1?arch=armv7' }], status: 'under_investigation' }],
};

const SPEC_UPDATE_V2 = {
  '@context': 'https://openvex.dev/ns/v0.2.0',
  '@id': 'https://openvex.dev/docs/example/vex-9fb3463de1b57',
  author: 'Wolfi J Inkinson',
  role: 'Document Creator',
  timestamp: '2023-01-09T09:08:42-06:00',
  version: 2,
  statements: [
    { timestamp: '2023-01-08T18:02:03-06:00', vulnerability: { name: 'CVE-2023-12345' }, products: [{ '@id': 'pkg:apk/wolfi/git@2.39.0-r1?arch=armv7' }], status: 'under_investigation' },
    { vulnerability: { name: 'CVE-2023-12345' }, products: [{ '@id': 'pkg:apk/wolfi/git@2.39.0-r1?arch=armv7' }], status: 'fixed' },
  ],
};

const SPEC_SPRING = {
  '@context': 'https://openvex.dev/ns/v0.2.0',
  '@id': 'https://openvex.dev/docs/public/vex-2e67563e128250cbcb3e98930df948dd053e43271d70dc50cfa22d57e03fe96f',
  author: 'Spring Builds <spring-builds@users.noreply.github.com>',
  role: 'Project Release Bot',
  timestamp: '2023-01-16T19:07:16.853479631-06:00',
  version: 1,
  statements: [
    {
      vulnerability: { '@id': 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228', name: 'CVE-2021-44228', description: 'Remote code injection in Log4j', aliases: ['GHSA-jfh8-c2jp-5v3q'] },
      products: [
        {
          '@id': 'pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3',
          identifiers: { purl: 'pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3' },
          hashes: { 'sha-256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
        },
      ],
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
      impact_statement: 'Spring Boot users are only affected by this vulnerability if they have switched the default logging system to Log4J2.',
    },
  ],
};

const SPEC_V0_SPRING = {
  '@context': 'https://openvex.dev/ns',
  '@id': 'https://openvex.dev/docs/public/vex-2e67563e128250cbcb3e98930df948dd053e43271d70dc50cfa22d57e03fe96f',
  author: 'Spring Builds <spring-builds@users.noreply.github.com>',
  role: 'Project Release Bot',
  timestamp: '2023-01-16T19:07:16.853479631-06:00',
  version: 1,
  statements: [
    {
      vulnerability: 'CVE-2021-44228',
      products: ['pkg:maven/org.springframework.boot/spring-boot@2.6.0'],
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
      impact_statement: 'Spring Boot users are only affected by this vulnerability if they have switched the default logging system to Log4J2.',
    },
  ],
};

const gitX86 = pkg('git-x86', 'apk', 'git', '2.39.0-r1', 'pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64&distro=wolfi-20230201');
const gitArm = pkg('git-arm', 'apk', 'git', '2.39.0-r1', 'pkg:apk/wolfi/git@2.39.0-r1?arch=armv7');
const gitAarch64 = pkg('git-a64', 'apk', 'git', '2.39.0-r1', 'pkg:apk/wolfi/git@2.39.0-r1?arch=aarch64');
const gitOlder = pkg('git-old', 'apk', 'git', '2.38.0-r0', 'pkg:apk/wolfi/git@2.38.0-r0?arch=x86_64');
const springM3 = pkg('spring', 'maven', 'org.springframework.boot:spring-boot', '2.6.0-M3', 'pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3');
const spring260 = pkg('spring260', 'maven', 'org.springframework.boot:spring-boot', '2.6.0', 'pkg:maven/org.springframework.boot/spring-boot@2.6.0');

test('spec minimal document: a fixed statement covers the listed arches of that version only', () => {
  const packages = indexPackages([gitX86, gitArm, gitAarch64, gitOlder]);
  const findings = [gitX86, gitArm, gitAarch64, gitOlder].map((p) => finding('CVE-2023-12345', [], p));
  const out = applyVex(findings, packages, [doc(SPEC_MINIMAL, 'git.vex.json')]);
  assert.deepEqual(
    out.map((f) => [f.packageId, f.suppressed?.kind]),
    [['git-x86', 'vex'], ['git-arm', 'vex'], ['git-a64', undefined], ['git-old', undefined]],
  );
  assert.deepEqual(out[0]?.suppressed, { kind: 'vex', justification: 'fixed', source: 'git.vex.json' });
});

test('spec update example: under_investigation alone does not suppress; the later fixed statement does', () => {
  const packages = indexPackages([gitArm]);
  const f = [finding('CVE-2023-12345', [], gitArm)];
  assert.equal(applyVex(f, packages, [doc(SPEC_UPDATE_V1)])[0]?.suppressed, undefined);
  // Statement 2 inherits the document's 2023-01-09 timestamp, later than statement 1's own.
  assert.equal(applyVex(f, packages, [doc(SPEC_UPDATE_V2)])[0]?.suppressed?.kind, 'vex');
  const parsed = doc(SPEC_UPDATE_V2);
  assert.deepEqual(parsed.statements.map((s) => s.timestamp), ['2023-01-08T18:02:03-06:00', '2023-01-09T09:08:42-06:00']);
  // The same two statements in the other order of time: the investigation is the news.
  const reversed = structuredClone(SPEC_UPDATE_V2);
  reversed.statements[0]!.timestamp = '2023-01-10T00:00:00Z';
  assert.equal(applyVex(f, packages, [doc(reversed)])[0]?.suppressed, undefined);
});

test('spec Spring Boot example: not_affected by name and by alias, justification label kept', () => {
  const packages = indexPackages([springM3, spring260]);
  const findings = [finding('CVE-2021-44228', [], springM3), finding('GHSA-jfh8-c2jp-5v3q', ['CVE-2021-44228'], springM3), finding('GHSA-jfh8-c2jp-5v3q', [], springM3), finding('CVE-2021-44228', [], spring260)];
  const out = applyVex(findings, packages, [doc(SPEC_SPRING, 'spring.vex.json')]);
  const expected = { kind: 'vex', justification: 'vulnerable_code_not_in_execute_path', source: 'spring.vex.json' };
  assert.deepEqual(out[0]?.suppressed, expected);
  assert.deepEqual(out[1]?.suppressed, expected);
  assert.deepEqual(out[2]?.suppressed, expected);
  assert.equal(out[3]?.suppressed, undefined, 'other version');
});

test('spec v0.0.x shape (string vulnerability and products) still reads', () => {
  const parsed = doc(SPEC_V0_SPRING);
  assert.deepEqual(parsed.statements[0]?.vulnerability, { name: 'CVE-2021-44228', aliases: [] });
  const out = applyVex([finding('CVE-2021-44228', [], spring260)], indexPackages([spring260]), [parsed]);
  assert.equal(out[0]?.suppressed?.justification, 'vulnerable_code_not_in_execute_path');
});

// ---------------------------------------------------------------------------
// Hand cases

const openssl = pkg('openssl', 'deb', 'openssl', '3.0.11-1~deb12u2', 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12');
const DIGEST = 'sha256:4b9475e08c5180d4e7417dc6a18a26dcce7691e4311e5353dbb952645c5ff43f';
const image: ImageInfo = {
  name: 'registry.example.com:5000/team/app:1.2',
  sourceKind: 'registry',
  manifestDigest: DIGEST,
  repoTags: ['registry.example.com:5000/team/app:1.2'],
  repoDigests: [`registry.example.com:5000/team/app@${DIGEST}`],
  layers: [],
};

function imageVex(productId: string, status = 'not_affected', extra: Record<string, unknown> = {}) {
  return {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'https://example.com/vex/1',
    author: 'team',
    timestamp: '2024-03-01T00:00:00Z',
    version: 1,
    statements: [
      {
        vulnerability: { name: 'CVE-2023-5678' },
        products: [{ '@id': productId, subcomponents: [{ '@id': 'pkg:deb/debian/openssl' }] }],
        status,
        justification: 'vulnerable_code_not_in_execute_path',
        ...extra,
      },
    ],
  };
}

test('an image product with the package among its subcomponents', () => {
  const packages = indexPackages([openssl]);
  const f = [finding('CVE-2023-5678', [], openssl)];
  const byDigest = doc(imageVex(`pkg:oci/app@${DIGEST.replace(':', '%3A')}?repository_url=registry.example.com:5000/team/app`));
  assert.equal(applyVex(f, packages, [byDigest])[0]?.suppressed?.kind, 'vex', 'no image given: the oci product is taken as this image');
  assert.equal(applyVex(f, packages, [byDigest], { image })[0]?.suppressed?.kind, 'vex', 'same digest');
  const other = doc(imageVex('pkg:oci/app@sha256%3A0000000000000000000000000000000000000000000000000000000000000000'));
  assert.equal(applyVex(f, packages, [other], { image })[0]?.suppressed, undefined, 'another image');
  const byName = doc(imageVex('pkg:oci/app?repository_url=registry.example.com:5000/team/app'));
  assert.equal(applyVex(f, packages, [byName], { image })[0]?.suppressed?.kind, 'vex', 'by repository');
  const wrongRepo = doc(imageVex('pkg:oci/app?repository_url=ghcr.io/someone/app'));
  assert.equal(applyVex(f, packages, [wrongRepo], { image })[0]?.suppressed, undefined, 'same name, other repository');
  // A subcomponent naming another package does not reach this one.
  const notListed = imageVex(`pkg:oci/app@${DIGEST.replace(':', '%3A')}`);
  notListed.statements[0]!.products[0]!.subcomponents = [{ '@id': 'pkg:deb/debian/libssl3' }];
  assert.equal(applyVex(f, packages, [doc(notListed)], { image })[0]?.suppressed, undefined);
});

test('a package product covers a subcomponent only when that package owns or depends on it', () => {
  const parent = pkg('app', 'maven', 'com.example:app', '1.0.0', 'pkg:maven/com.example/app@1.0.0', { dependencies: ['log4j'] });
  const log4j = pkg('log4j', 'maven', 'org.apache.logging.log4j:log4j-core', '2.14.1', 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1');
  const stray = pkg('stray', 'maven', 'org.apache.logging.log4j:log4j-core', '2.14.1', 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1');
  const vex = doc({
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'x',
    timestamp: '2024-01-01T00:00:00Z',
    statements: [
      {
        vulnerability: { name: 'CVE-2021-44228' },
        products: [{ '@id': 'pkg:maven/com.example/app@1.0.0', subcomponents: [{ identifiers: { purl: 'pkg:maven/org.apache.logging.log4j/log4j-core' } }] }],
        status: 'not_affected',
        impact_statement: 'JNDI lookups are disabled by our log4j2.component.properties',
      },
    ],
  });
  const out = applyVex([finding('CVE-2021-44228', [], log4j), finding('CVE-2021-44228', [], stray)], indexPackages([parent, log4j, stray]), [vex]);
  assert.deepEqual(out[0]?.suppressed, { kind: 'vex', justification: 'JNDI lookups are disabled by our log4j2.component.properties', source: 'test.vex.json' });
  assert.equal(out[1]?.suppressed, undefined);
});

test('across documents the latest statement wins; affected and under_investigation never suppress', () => {
  const packages = indexPackages([openssl]);
  const f = [finding('CVE-2023-5678', [], openssl)];
  const notAffected = doc({ ...imageVex('pkg:oci/app'), timestamp: '2024-03-01T00:00:00Z' }, 'a.json');
  const affectedLater = doc({ ...imageVex('pkg:oci/app', 'affected', { justification: undefined, action_statement: 'upgrade' }), timestamp: '2024-04-01T00:00:00Z' }, 'b.json');
  assert.equal(applyVex(f, packages, [notAffected, affectedLater])[0]?.suppressed, undefined);
  assert.equal(applyVex(f, packages, [affectedLater, notAffected])[0]?.suppressed, undefined, 'order of files does not matter, time does');
  const fixedLatest = doc({ ...imageVex('pkg:oci/app', 'fixed', { justification: undefined }), timestamp: '2024-05-01T00:00:00Z' }, 'c.json');
  assert.deepEqual(applyVex(f, packages, [notAffected, affectedLater, fixedLatest])[0]?.suppressed, { kind: 'vex', justification: 'fixed', source: 'c.json' });
  for (const status of ['affected', 'under_investigation']) {
    const only = doc(imageVex('pkg:oci/app', status, { justification: undefined }));
    assert.equal(applyVex(f, packages, [only])[0]?.suppressed, undefined, status);
  }
});

test('an existing suppression is kept; the input is not mutated', () => {
  const packages = indexPackages([openssl]);
  const already = { ...finding('CVE-2023-5678', [], openssl), suppressed: { kind: 'ignorefile' as const, source: '.stockadeignore' } };
  const plain = finding('CVE-2023-5678', [], openssl);
  const before = structuredClone([already, plain]);
  const out = applyVex([already, plain], packages, [doc(imageVex('pkg:oci/app'))]);
  assert.equal(out[0], already);
  assert.equal(out[1]?.suppressed?.kind, 'vex');
  assert.deepEqual([already, plain], before);
});

// ---------------------------------------------------------------------------
// Malformed documents

function expectMalformed(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseVex(text, 'bad.vex.json'),
    (e: unknown) => {
      assert.ok(e instanceof StockadeError, String(e));
      assert.equal(e.code, 'malformed_input');
      assert.equal(e.input, 'bad.vex.json');
      assert.ok(!e.oneLine.includes('\n'), e.oneLine);
      assert.match(e.oneLine, pattern);
      return true;
    },
  );
}

test('malformed documents: one-line errors that say where', () => {
  expectMalformed('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [}', /^bad\.vex\.json: not JSON: /);
  expectMalformed(JSON.stringify({ ...SPEC_MINIMAL, '@context': 'https://cyclonedx.org/schema' }), /@context: not an OpenVEX context/);
  expectMalformed(JSON.stringify({ '@context': 'https://openvex.dev/ns/v0.2.0' }), /statements: /);
  const badStatus = structuredClone(SPEC_MINIMAL) as { statements: Array<Record<string, unknown>> };
  badStatus.statements[0]!['status'] = 'not-affected';
  expectMalformed(JSON.stringify(badStatus), /statements\.0\.status: /);
  const noReason = structuredClone(SPEC_MINIMAL) as { statements: Array<Record<string, unknown>> };
  noReason.statements[0]!['status'] = 'not_affected';
  expectMalformed(JSON.stringify(noReason), /statements\.0: not_affected needs a justification or an impact_statement/);
  const badTime = structuredClone(SPEC_MINIMAL) as Record<string, unknown>;
  badTime['timestamp'] = 'yesterday';
  expectMalformed(JSON.stringify(badTime), /timestamp: not a date-time/);
  expectMalformed('[]', /not an OpenVEX document/);
  expectMalformed(JSON.stringify({ ...SPEC_MINIMAL, statements: [{ vulnerability: { name: '' }, status: 'fixed' }] }), /statements\.0\.vulnerability/);
});

test('loadVex: reads a file, refuses oversize and missing ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-vex-'));
  try {
    const good = join(dir, 'spring.vex.json');
    writeFileSync(good, JSON.stringify(SPEC_SPRING, null, 2));
    const loaded = loadVex(good);
    assert.equal(loaded.source, good);
    assert.equal(loaded.statements.length, 1);
    assert.throws(() => loadVex(join(dir, 'absent.json')), (e: unknown) => e instanceof StockadeError && e.code === 'not_found');
    const big = join(dir, 'big.json');
    writeFileSync(big, Buffer.alloc(16 * 1024 * 1024 + 1, 0x20));
    assert.throws(() => loadVex(big), (e: unknown) => e instanceof StockadeError && e.code === 'limit_exceeded');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
