import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanResult, VulnerabilityFinding } from '../../core/types.js';
import { lookupKey, readScanVerdict, writeScanVerdict } from '../../scan/verdict-store.js';
import { scanVerdictHook } from './scan-verdicts.js';
import type { PolicyInput } from './policy-hooks.js';

const digest = `sha256:${'c'.repeat(64)}`;

function finding(level: 'CRITICAL' | 'HIGH', fixed: string[]): VulnerabilityFinding {
  return { id: `X-${level}-${fixed.length}`, aliases: [], packageId: 'p', packageName: 'p', installedVersion: '1', fixedVersions: fixed, status: fixed.length ? 'fixed' : 'affected', severity: { level, source: 'test' }, references: [], dataSources: [] } as VulnerabilityFinding;
}

function scanned(): ScanResult {
  return {
    schemaVersion: 1,
    tool: { name: 'stockade', version: 't' },
    createdAt: '2026-11-20T00:00:00Z',
    target: { name: 'ghcr.io/acme/app:1', sourceKind: 'registry', repoTags: ['ghcr.io/acme/app:1'], repoDigests: [`ghcr.io/acme/app@${digest}`], layers: [] },
    packages: [],
    vulnerabilities: [finding('CRITICAL', []), finding('HIGH', ['2'])],
    warnings: [],
  };
}

const input = (image: string, now = new Date()): PolicyInput =>
  ({ request: {} as PolicyInput['request'], object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image }] } }, namespaceLabels: undefined, now }) as PolicyInput;

test('verdicts are stored under the digest and the tag, normalised as Docker names them', () => {
  const cache = mkdtempSync(join(tmpdir(), 'stockade-verdict-'));
  assert.equal(writeScanVerdict(cache, scanned()), 2);
  assert.equal(lookupKey('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(readScanVerdict(cache, `ghcr.io/acme/app@${digest}`)?.counts.CRITICAL.total, 1);
  assert.equal(readScanVerdict(cache, 'ghcr.io/acme/app:1')?.counts.HIGH.fixable, 1);
  assert.equal(readScanVerdict(cache, 'ghcr.io/acme/app:2'), undefined);
});

test('block, fixableOnly and maxAge decide the finding', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'stockade-verdict-'));
  writeScanVerdict(cache, scanned());
  const ids = async (settings: Parameters<typeof scanVerdictHook>[1], image = 'ghcr.io/acme/app:1', now = new Date()) =>
    (await scanVerdictHook(cache, settings).evaluate(input(image, now))).map((f) => `${f.ruleId}:${f.severity}`);
  assert.deepEqual(await ids({}), ['scan.vulnerabilities:CRITICAL']);
  assert.deepEqual(await ids({ fixableOnly: true }), [], 'the CRITICAL has no fix; HIGH is not blocked');
  assert.deepEqual(await ids({ block: ['CRITICAL', 'HIGH'], fixableOnly: true }), ['scan.vulnerabilities:HIGH']);
  const later = new Date(Date.now() + 8 * 24 * 3_600_000);
  assert.deepEqual(await ids({ maxAge: '7d', requireScan: true }, 'ghcr.io/acme/app:1', later), ['scan.missing:HIGH']);
  assert.deepEqual(await ids({ maxAge: '7d' }, 'ghcr.io/acme/app:1', later), [], 'stale verdicts only matter with requireScan');
});
