/**
 * Suite `rootfs`: the unpacked root filesystems under images/rootfs, each scanned
 * whole with scanRootfs (read in place; nothing is written into the corpus).
 *
 * Truths:
 * - a package database that has a golden in os-pkgdb/_golden-native (index.json lists
 *   the rootfs databases too): dpkg-query / rpm -qa output;
 * - lib/apk/db/installed: its P:/V:/A: records (the reader the images suite uses);
 * - etc/os-release, else usr/lib/os-release: its ID and VERSION_ID (os-release(5)).
 * Everything else the scan finds is reported as counts per ecosystem under "no truth".
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFailedScan, mapPool, packagesOf, scanIsolated, type ScanOutcome, type Scratch } from './harness.js';
import { countByEcosystem, diffCase, type CaseResult, type PkgId, type SuiteResult } from './report.js';
import { dpkgGoldenPackages, parseApkInstalledIndex, parseGoldenTsv, parseOsRelease, rpmGoldenPackages } from './truth.js';
import type { Ecosystem } from '../core/types.js';

const SUITE = 'rootfs';
const SCAN_TIMEOUT_MS = 60_000;

interface DbTruth {
  /** Path inside the tree, no leading slash. */
  path: string;
  ecosystem: Ecosystem;
  packages: PkgId[];
  source: string;
}

interface NativeIndexEntry {
  fixture: string;
  golden: string;
  tool: string;
  exit: number;
}

async function dbTruths(scanner: string, tree: string): Promise<DbTruth[]> {
  const prefix = `images/rootfs/${tree}/`;
  const index = JSON.parse(await readFile(join(scanner, 'os-pkgdb/_golden-native/index.json'), 'utf8')) as NativeIndexEntry[];
  const out: DbTruth[] = [];
  for (const entry of index.filter((e) => e.fixture.startsWith(prefix) && e.exit < 2)) {
    const table = parseGoldenTsv(await readFile(join(scanner, entry.golden), 'utf8'));
    const isDpkg = entry.tool.startsWith('dpkg');
    out.push({
      path: entry.fixture.slice(prefix.length),
      ecosystem: isDpkg ? 'deb' : 'rpm',
      packages: isDpkg ? dpkgGoldenPackages(table.rows) : rpmGoldenPackages(table.rows),
      source: entry.tool,
    });
  }
  const apk = await readFile(join(scanner, prefix, 'lib/apk/db/installed'), 'utf8').catch(() => undefined);
  if (apk !== undefined) out.push({ path: 'lib/apk/db/installed', ecosystem: 'apk', packages: parseApkInstalledIndex(apk), source: 'apk P:/V:/A: records' });
  return out;
}

async function osTruth(scanner: string, tree: string): Promise<{ id: string; versionId: string; source: string } | undefined> {
  for (const rel of ['etc/os-release', 'usr/lib/os-release']) {
    const text = await readFile(join(scanner, 'images/rootfs', tree, rel), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const parsed = parseOsRelease(text);
    if (parsed.id && parsed.versionId) return { id: parsed.id, versionId: parsed.versionId, source: rel };
  }
  return undefined;
}

async function runTree(scanner: string, tree: string): Promise<CaseResult[]> {
  const base = `${SUITE}/${tree}`;
  const dbs = await dbTruths(scanner, tree);
  const os = await osTruth(scanner, tree);
  const outcome: ScanOutcome = await scanIsolated({ mode: 'rootfs', dir: join(scanner, 'images/rootfs', tree) }, SCAN_TIMEOUT_MS);
  const results: CaseResult[] = [];
  if (outcome.kind !== 'ok') {
    const detail = describeFailedScan(outcome);
    for (const db of dbs) results.push({ id: `${base}/${db.path}`, status: 'disagree', detail });
    if (os) results.push({ id: `${base}:os`, status: 'disagree', detail });
    results.push({ id: `${base}:scan`, status: 'disagree', detail });
    return results;
  }
  const result = outcome.result;
  for (const db of dbs) {
    results.push(diffCase(`${base}/${db.path}`, db.packages, packagesOf(result, db.ecosystem), db.source));
  }
  if (os) {
    const got = result.os ? `${result.os.family} ${result.os.version} (from ${result.os.source})` : 'no OS';
    const agree = result.os?.family === os.id && result.os.version === os.versionId;
    results.push(agree ? { id: `${base}:os`, status: 'agree' } : { id: `${base}:os`, status: 'disagree', detail: `want ${os.id} ${os.versionId} (${os.source}), got ${got}` });
  }
  const compared = new Set(dbs.map((d) => d.ecosystem));
  const rest = result.packages.filter((p) => !compared.has(p.ecosystem)).map((p) => p.ecosystem);
  const warned = result.warnings.length > 0 ? `; ${result.warnings.length} warning(s), first: ${result.warnings[0]?.input} ${result.warnings[0]?.message}` : '';
  results.push({ id: `${base}:other`, status: 'no-truth', detail: `${countByEcosystem(rest)}${warned}` });
  return results;
}

export async function runRootfsSuite(scanner: string, _scratch: Scratch): Promise<SuiteResult> {
  const started = Date.now();
  const trees = (await readdir(join(scanner, 'images/rootfs'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const nested = await mapPool(trees, 4, (tree) =>
    runTree(scanner, tree).catch((e: unknown): CaseResult[] => [{ id: `${SUITE}/${tree}`, status: 'error', detail: (e as Error).message }]),
  );
  return { name: SUITE, cases: nested.flat(), ms: Date.now() - started };
}
