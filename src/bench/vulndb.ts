/**
 * Vulnerability-database benchmark (`npm run bench`, second part):
 *   - OSV import rate: `stockade db import` of a generated 200k-record all.zip with
 *     realistic shapes (vulndb/sources/generate.ts), records/s end to end;
 *   - DB size on disk after the import;
 *   - matching time for an inventory of ~500 real packages (the large benchmark Debian
 *     image plus an npm tree installed from the registry), against that database plus
 *     advisories written for those very packages so lookups find real hits; compared
 *     with the cold scan time of the same image measured in this run.
 * Usage: node dist/bench/vulndb.js [--records N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Package, ScanResult } from '../core/types.js';
import { DEFAULT_WALK_LIMITS } from '../image/walk-layer.js';
import { scanImage, scanRootfs } from '../scan/scan-image.js';
import { fixtureCacheDir, REPO_ROOT } from '../testing/corpus.js';
import { buildDebianImage, debianImageUnavailable } from '../testing/debian-image.js';
import { matchPackages } from '../vulndb/match.js';
import type { OsvRecord } from '../vulndb/osv.js';
import { generateOsvZip } from '../vulndb/sources/generate.js';
import { AdvisoryStore, defaultDbPath } from '../vulndb/store.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const TARGET_IMPORT_RATE = 20_000;
const TARGET_MATCH_SHARE = 0.05;

function npmTree(): string | undefined {
  const dir = join(fixtureCacheDir(), 'bench-npm-jest-v1');
  if (existsSync(join(dir, 'node_modules'))) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench', version: '1.0.0', private: true, dependencies: { jest: '29.7.0', express: '4.18.2' } }));
  const r = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore', timeout: 600_000 });
  return r.status === 0 ? dir : undefined;
}

/** Two advisories per package name: one that hits the installed version, one that does not. */
function advisoriesFor(packages: Package[]): OsvRecord[] {
  const out: OsvRecord[] = [];
  let n = 0;
  for (const p of packages) {
    const eco = p.ecosystem === 'deb' ? 'Debian:12' : p.ecosystem === 'npm' ? 'npm' : p.ecosystem === 'pypi' ? 'PyPI' : undefined;
    if (!eco) continue;
    const name = p.ecosystem === 'deb' ? p.source?.name ?? p.name : p.name;
    const version = p.ecosystem === 'deb' ? p.source?.version ?? p.version : p.version;
    for (const hit of [true, false]) {
      out.push({
        id: `BENCH-${n++}`,
        modified: '2024-01-01T00:00:00Z',
        aliases: [`CVE-2099-${n}`],
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
        affected: [{ package: { ecosystem: eco, name }, ranges: [{ type: 'ECOSYSTEM', events: hit ? [{ introduced: '0' }, { fixed: `${version}.1` }] : [{ introduced: '0' }, { fixed: '0.0.1' }] }] }],
      });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '200000' } } });
  const records = Number(values.records);
  const work = mkdtempSync(join(tmpdir(), 'stockade-bench-vulndb-'));
  const zip = join(fixtureCacheDir(), `bench-osv-${records}-seed1.zip`);
  if (!existsSync(zip)) {
    mkdirSync(fixtureCacheDir(), { recursive: true });
    process.stderr.write(`bench: generating ${records} OSV records...\n`);
    generateOsvZip(zip, { records, seed: 1 });
  }
  const cacheDir = join(work, 'cache');
  const started = process.hrtime.bigint();
  const imp = spawnSync(process.execPath, [CLI, 'db', 'import', zip, '--cache-dir', cacheDir, '-q'], { encoding: 'utf8' });
  const importSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (imp.status !== 0) throw new Error(`db import failed: ${imp.stderr}`);
  const rate = records / importSeconds;
  const dbPath = defaultDbPath(cacheDir);
  const sizeBytes = statSync(dbPath).size + (existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0);

  let matchLine = 'matching: skipped (no Debian image could be built here)';
  let matchShare: number | undefined;
  let matchSeconds: number | undefined;
  let packagesCount = 0;
  let coldSeconds: number | undefined;
  if (!debianImageUnavailable()) {
    const image = await buildDebianImage({ name: 'bench-large', packages: ['ca-certificates', 'python3', 'python3-pip'], extraLayers: [['perl', 'gcc', 'g++', 'make'], ['default-jre-headless']] });
    const t0 = process.hrtime.bigint();
    const result: ScanResult = await scanImage(`${image.ociLayout}:${image.refName}`, { cacheDir: join(work, 'layers'), noCache: true, limits: DEFAULT_WALK_LIMITS });
    coldSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const tree = npmTree();
    const extra = tree ? (await scanRootfs(tree)).packages : [];
    const packages = [...result.packages, ...extra.map((p) => ({ ...p, id: `tree:${p.id}` }))];
    packagesCount = packages.length;
    const store = AdvisoryStore.open(dbPath, { create: true });
    const session = store.beginImport('bench-targeted', 'bench');
    for (const r of advisoriesFor(packages)) session.add(r);
    session.commit();
    const t1 = process.hrtime.bigint();
    const outcome = matchPackages(packages, result.os, store);
    matchSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
    store.close();
    matchShare = matchSeconds / coldSeconds;
    matchLine = `matching: ${packagesCount} packages, ${outcome.findings.length} findings in ${(matchSeconds * 1000).toFixed(0)} ms = ${(matchShare * 100).toFixed(1)} % of the image's cold scan (${coldSeconds.toFixed(2)} s) [target < ${TARGET_MATCH_SHARE * 100} %]`;
  }
  const lines = [
    `== vulnerability database`,
    `import: ${records} generated OSV records in ${importSeconds.toFixed(1)} s = ${Math.round(rate)} records/s [target >= ${TARGET_IMPORT_RATE}] ${rate >= TARGET_IMPORT_RATE ? 'met' : 'MISSED'}`,
    `db size: ${(sizeBytes / 1024 / 1024).toFixed(0)} MiB on disk (${(sizeBytes / records).toFixed(0)} bytes/record)`,
    matchLine + (matchShare === undefined ? '' : matchShare < TARGET_MATCH_SHARE ? ' met' : ' MISSED'),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  process.stdout.write(JSON.stringify({ bench: 'vulndb', records, importSeconds, recordsPerSecond: Math.round(rate), dbBytes: sizeBytes, packages: packagesCount, matchSeconds, coldScanSeconds: coldSeconds, matchShare }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exit(1);
});
