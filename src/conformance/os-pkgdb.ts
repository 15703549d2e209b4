/**
 * Suite `os-pkgdb`: OS package databases, one fixture at a time, each copied to the
 * path its format lives at inside a temporary root filesystem and scanned with
 * scanRootfs (so `wants` and `extract` run as in a real scan).
 *
 * Truths:
 * - `_golden-native/index.json`: `dpkg-query -W` and `rpm -qa` output on Debian 12
 *   for each fixture, with the tool's exit code. A tool that rejected the file
 *   (exit >= 2) means our scan must report a warning for that file.
 * - `_golden-upstream/`: the NDB list transcribed from go-rpmdb's tests (Debian's rpm
 *   cannot read NDB).
 * - apk `installed` fixtures: the P:/V:/A: records read by truth.ts (apk itself is
 *   not available on Debian).
 * - Trivy's dpkg txtar fixtures (a status file plus companions): every file is placed,
 *   and dpkg-query is run here on the status file (`--admindir`), as the goldens were
 *   made; without dpkg-query they have no truth.
 * Not covered: opkg status files and dpkg status.d (no native reader here).
 */
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describeFailedScan, packagesOf, placeFiles, runTool, scanIsolated, warningsAbout, mapPool, type Placement, type Scratch } from './harness.js';
import { countByEcosystem, diffCase, oneLine, type CaseResult, type PkgId, type SuiteResult } from './report.js';
import {
  DPKG_QUERY_FORMAT,
  dpkgGoldenPackages,
  parseApkInstalledIndex,
  parseDpkgQueryRows,
  parseGoldenTsv,
  parseTxtar,
  rpmGoldenPackages,
} from './truth.js';
import type { Ecosystem } from '../core/types.js';

const SUITE = 'os-pkgdb';
const SCAN_TIMEOUT_MS = 60_000;

/** Where each database format lives in a root filesystem. */
function dbPathFor(fixture: string): { at: string; ecosystem: Ecosystem } {
  const name = basename(fixture);
  if (fixture.includes('/dpkg/') || name === 'status') return { at: 'var/lib/dpkg/status', ecosystem: 'deb' };
  if (fixture.includes('/apk/')) return { at: 'lib/apk/db/installed', ecosystem: 'apk' };
  if (name.endsWith('rpmdb.sqlite')) return { at: 'var/lib/rpm/rpmdb.sqlite', ecosystem: 'rpm' };
  if (name.endsWith('Packages.db')) return { at: 'usr/lib/sysimage/rpm/Packages.db', ecosystem: 'rpm' };
  return { at: 'var/lib/rpm/Packages', ecosystem: 'rpm' };
}

/** `os-pkgdb/<fixture>` without repeating the suite's own folder name. */
function caseId(fixture: string): string {
  return `${SUITE}/${fixture.replace(/^os-pkgdb\//, '')}`;
}

interface PkgdbCase {
  fixture: string;
  /** What goes into the root; default: the fixture alone at its format's path. */
  files?: Placement[];
  /** The truth; `rejected` when the native tool refused the file; `none` when no tool could say. */
  truth: { kind: 'packages'; packages: PkgId[]; source: string } | { kind: 'rejected'; why: string } | { kind: 'none'; why: string };
}

interface NativeIndexEntry {
  fixture: string;
  golden: string;
  tool: string;
  rows: number;
  exit: number;
}

async function nativeCases(scanner: string, _scratch: Scratch): Promise<PkgdbCase[]> {
  const index = JSON.parse(await readFile(join(scanner, 'os-pkgdb/_golden-native/index.json'), 'utf8')) as NativeIndexEntry[];
  const cases: PkgdbCase[] = [];
  for (const entry of index) {
    const table = parseGoldenTsv(await readFile(join(scanner, entry.golden), 'utf8'));
    if (entry.exit >= 2) {
      const stderr = table.meta.get('stderr') ?? [];
      const at = stderr.findIndex((l) => l.includes('error:'));
      const why = at >= 0 ? `${stderr[at] ?? ''} ${stderr[at + 1] ?? ''}`.replace(/'\/tmp\/[^']*'/g, 'status') : '(error text not kept in the golden)';
      cases.push({ fixture: entry.fixture, truth: { kind: 'rejected', why: `${entry.tool.split(' ')[0]} exit ${entry.exit}: ${why}` } });
      continue;
    }
    const isDpkg = entry.tool.startsWith('dpkg');
    const packages = isDpkg ? dpkgGoldenPackages(table.rows) : rpmGoldenPackages(table.rows);
    cases.push({ fixture: entry.fixture, truth: { kind: 'packages', packages, source: entry.tool } });
  }
  return cases;
}

async function upstreamCases(scanner: string, _scratch: Scratch): Promise<PkgdbCase[]> {
  const dir = join(scanner, 'os-pkgdb/_golden-upstream');
  const cases: PkgdbCase[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.tsv')).sort()) {
    const table = parseGoldenTsv(await readFile(join(dir, file), 'utf8'));
    const fixture = table.meta.get('source fixture')?.[0];
    if (!fixture) continue;
    cases.push({ fixture, truth: { kind: 'packages', packages: rpmGoldenPackages(table.rows), source: 'go-rpmdb test table' } });
  }
  return cases;
}

async function apkCases(scanner: string, _scratch: Scratch): Promise<PkgdbCase[]> {
  const dir = join(scanner, 'os-pkgdb/apk/osv-scalibr');
  const cases: PkgdbCase[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const packages = parseApkInstalledIndex(await readFile(join(dir, file), 'utf8'));
    cases.push({ fixture: `os-pkgdb/apk/osv-scalibr/${file}`, truth: { kind: 'packages', packages, source: 'apk P:/V: records' } });
  }
  return cases;
}

async function txtarCases(scanner: string, scratch: Scratch): Promise<PkgdbCase[]> {
  const dir = join(scanner, 'os-pkgdb/dpkg/trivy');
  const cases: PkgdbCase[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.txtar')).sort()) {
    const fixture = `os-pkgdb/dpkg/trivy/${file}`;
    const members = parseTxtar(await readFile(join(dir, file), 'utf8'));
    const files = [...members.entries()].map(([at, text]): Placement => ({ at, bytes: text }));
    const status = members.get('var/lib/dpkg/status');
    if (status === undefined) continue;
    const admin = await scratch.caseDir(`${fixture}-admindir`);
    await writeFile(join(admin, 'status'), status);
    const run = await runTool('dpkg-query', [`--admindir=${admin}`, '-W', `-f=${DPKG_QUERY_FORMAT}`, '*']);
    let truth: PkgdbCase['truth'];
    if (run.missing) truth = { kind: 'none', why: 'dpkg-query is not installed' };
    else if (run.code >= 2) truth = { kind: 'rejected', why: `dpkg-query exit ${run.code}: ${oneLine(run.stderr, 160)}` };
    else truth = { kind: 'packages', packages: dpkgGoldenPackages(parseDpkgQueryRows(run.stdout)), source: 'dpkg-query -W, run here' };
    cases.push({ fixture, files, truth });
  }
  return cases;
}

async function runCase(scanner: string, scratch: Scratch, c: PkgdbCase): Promise<CaseResult> {
  const id = caseId(c.fixture);
  const { at, ecosystem } = c.files ? { at: 'var/lib/dpkg/status', ecosystem: 'deb' as const } : dbPathFor(c.fixture);
  const root = await scratch.caseDir(id);
  await placeFiles(root, c.files ?? [{ at, from: join(scanner, c.fixture) }]);
  const outcome = await scanIsolated({ mode: 'rootfs', dir: root }, SCAN_TIMEOUT_MS);
  if (outcome.kind !== 'ok') return { id, status: 'disagree', detail: describeFailedScan(outcome) };
  const ours = packagesOf(outcome.result, ecosystem);
  const warnings = warningsAbout(outcome.result, `/${at}`);
  if (c.truth.kind === 'none') return { id, status: 'no-truth', detail: `${c.truth.why}; we report ${countByEcosystem(ours.map(() => ecosystem))}` };
  if (c.truth.kind === 'rejected') {
    const notes = [`${c.truth.why}; ours: ${warnings.length} warning(s), ${ours.length} package(s) kept from the readable records`];
    if (warnings.length > 0) return { id, status: 'agree', notes };
    return { id, status: 'disagree', detail: `native tool rejects the file but we reported no warning (${ours.length} packages)`, notes };
  }
  const warned = warnings.length > 0 ? ` [${warnings.length} warning(s): ${warnings[0]?.message ?? ''}]` : '';
  return diffCase(id, c.truth.packages, ours, c.truth.source, warned);
}

export async function runOsPkgdbSuite(scanner: string, scratch: Scratch): Promise<SuiteResult> {
  const started = Date.now();
  const cases: PkgdbCase[] = [];
  const problems: CaseResult[] = [];
  for (const [what, load] of [
    ['native', nativeCases],
    ['upstream', upstreamCases],
    ['apk', apkCases],
    ['txtar', txtarCases],
  ] as const) {
    try {
      cases.push(...(await load(scanner, scratch)));
    } catch (e) {
      problems.push({ id: `${SUITE}/_load-${what}`, status: 'error', detail: `cannot read the ${what} truths: ${(e as Error).message}` });
    }
  }
  const results = await mapPool(cases, 4, (c) =>
    runCase(scanner, scratch, c).catch((e: unknown): CaseResult => ({ id: caseId(c.fixture), status: 'error', detail: (e as Error).message })),
  );
  return { name: SUITE, cases: [...problems, ...results], ms: Date.now() - started };
}
