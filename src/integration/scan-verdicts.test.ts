/**
 * Admission by scan verdict, end to end: `stockade image` scans the demo image against an
 * advisory for the lodash version the demo image installs (4.17.20, written by
 * examples/build-demo-image.ts), the verdict lands in the cache directory, and the
 * admission webhook (in-process, the same app the server runs) refuses a pod running that
 * image while an unscanned image passes unless `requireScan` is set. The advisory is OSV
 * written here; its CVSS 3.1 vector AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H scores 9.8,
 * CRITICAL by the CVSS 3.1 specification's rating scale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { ScanResult } from '../core/types.js';
import { AdmissionApp } from '../enforce/admission/app.js';
import { scanVerdictHook } from '../enforce/admission/scan-verdicts.js';
import { review } from '../enforce/admission/test-support.js';
import { REPO_ROOT } from '../testing/corpus.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const DEMO = join(REPO_ROOT, 'examples', 'demo-app.tar');

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('a CRITICAL finding in the last scan blocks the image at admission; unscanned images follow requireScan', async (t) => {
  if (!existsSync(DEMO)) return t.skip('examples/demo-app.tar not built (npm run prepare)');
  const dir = mkdtempSync(join(tmpdir(), 'stockade-verdicts-'));
  const cache = join(dir, 'cache');
  const advisory = {
    schema_version: '1.6.0',
    id: 'TEST-2026-0001',
    modified: '2026-01-01T00:00:00Z',
    summary: 'test advisory for the lodash version in the demo image',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }],
  };
  writeFileSync(join(dir, 'advisory.json'), JSON.stringify(advisory));
  const imported = cli(['db', 'import', join(dir, 'advisory.json'), '--cache-dir', cache, '-q']);
  assert.equal(imported.status, 0, imported.stderr);
  const scan = cli(['image', '--input', DEMO, '--cache-dir', cache, '--skip-db-update', '--scanners', 'vuln', '-f', 'json', '-q']);
  assert.equal(scan.status, 0, scan.stderr);
  const found = ((JSON.parse(scan.stdout) as ScanResult).vulnerabilities ?? []).filter((v) => v.id === 'TEST-2026-0001');
  assert.equal(found[0]?.severity.level, 'CRITICAL');
  assert.ok(readdirSync(join(cache, 'verdicts')).length >= 1, 'a verdict was stored');

  const config = join(dir, 'stockade.yaml');
  writeFileSync(config, '{}\n');
  const judge = async (image: string, requireScan: boolean) => {
    const app = new AdmissionApp({ logger: pino({ level: 'silent' }), files: { config }, hooks: [scanVerdictHook(cache, { block: ['CRITICAL'], ...(requireScan ? { requireScan } : {}) })] });
    await app.load();
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'apps' }, spec: { containers: [{ name: 'c', image }] } };
    const r = await app.inject({ path: '/validate', body: JSON.stringify(review(pod)), headers: { 'content-type': 'application/json' } });
    return (JSON.parse(r.body) as { response: { allowed: boolean; status?: { message?: string } } }).response;
  };
  // The demo archive is tagged stockade/demo-app:1.0 (docker.io/stockade/demo-app:1.0).
  const blocked = await judge('stockade/demo-app:1.0', false);
  assert.equal(blocked.allowed, false);
  assert.match(blocked.status?.message ?? '', /scan\.vulnerabilities.*1 CRITICAL/);
  assert.equal((await judge('docker.io/library/other:1', false)).allowed, true);
  const unscanned = await judge('docker.io/library/other:1', true);
  assert.equal(unscanned.allowed, false);
  assert.match(unscanned.status?.message ?? '', /scan\.missing/);
});
