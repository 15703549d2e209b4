/**
 * Suite `lang`: language-ecosystem files under lang/, each placed inside a temporary
 * root filesystem where our extractors look for such files, scanned with scanRootfs,
 * and compared with what the ecosystem's own tooling reads from the same file:
 *
 * | files                         | placed at                                      | truth |
 * |-------------------------------|------------------------------------------------|-------|
 * | Go binaries                   | usr/local/bin/<name>, mode 0755                | `go version -m` |
 * | cargo-auditable binaries      | usr/local/bin/<name>, mode 0755                | `objcopy --dump-section .dep-v0` + Python zlib/json |
 * | .jar / .war                   | opt/app/<name>                                 | Python zipfile: pom.properties, nested archives too |
 * | METADATA / PKG-INFO / .egg-info / .egg / .whl | usr/lib/python3/dist-packages/... | Python email.parser (zipfile for .egg/.whl) |
 * | package-lock / shrinkwrap     | srv/app/package-lock.json (or npm-shrinkwrap.json) | Python json: the lock's own `packages` keys (v1: `dependencies`) |
 * | node_modules package.json     | srv/app/node_modules/<name>/package.json       | Python json: name, version |
 *
 * A file the truth cannot read at all (not JSON, not a zip) must give a warning and no
 * packages. Where nothing independent can say what the answer is (a VS Code extension
 * manifest: is it an npm package?), the case is "no truth" and shows our counts.
 * Build inputs in the corpus (Dockerfile, main.rs, MANIFEST.MF, pom.xml, build.gradle)
 * are not scanned.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { Ecosystem, ScanResult } from '../core/types.js';
import { describeFailedScan, mapPool, packagesOf, placeFiles, runTool, scanIsolated, warningsAbout, type Placement, type Scratch } from './harness.js';
import { countByEcosystem, diffCase, oneLine, type CaseResult, type PkgId, type SuiteResult } from './report.js';
import { PY_CARGO_AUDIT, PY_CORE_METADATA, PY_JAR, PY_NPM_LOCK, PY_PACKAGE_JSON, goTruthPackages, normalizePypiName, parseGoVersionM } from './truth.js';

const SUITE = 'lang';
const SCAN_TIMEOUT_MS = 60_000;
const SITE = 'usr/lib/python3/dist-packages';

type Truth =
  | { kind: 'packages'; packages: PkgId[]; source: string }
  /** The truth's reader cannot read the file at all: we must warn and report nothing. */
  | { kind: 'rejected'; why: string }
  | { kind: 'none'; why: string };

interface LangCase {
  /** Path under scanner/. */
  fixture: string;
  /** The one file placed; `at` is what warnings are matched against. */
  place: Placement;
  ecosystem: Ecosystem;
  /** Computed after placement (binaries need their exec bit for `go version -m`). */
  truth: (placed: string, scratchDir: string) => Promise<Truth>;
  /** Applied to both sides before comparing (PyPI name normalisation). */
  normalize?: (p: PkgId) => PkgId;
}

// ---------------------------------------------------------------------------------
// Truth runners

async function python(script: string, args: string[]): Promise<Record<string, unknown> | { missing: true }> {
  const run = await runTool('python3', ['-c', script, ...args]);
  if (run.missing) return { missing: true };
  if (run.code !== 0) throw new Error(`python3 failed: ${oneLine(run.stderr)}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

function pairs(v: unknown): PkgId[] {
  return Array.isArray(v) ? v.map((p) => ({ name: String((p as unknown[])[0]), version: String((p as unknown[])[1]) })) : [];
}

async function goTruth(placed: string): Promise<Truth> {
  const run = await runTool('go', ['version', '-m', placed]);
  if (run.missing) return { kind: 'none', why: 'go is not installed' };
  const info = run.code === 0 ? parseGoVersionM(run.stdout) : undefined;
  if (!info) return { kind: 'packages', packages: [], source: `go version -m: no build info (${oneLine(run.stderr || run.stdout, 120)})` };
  return { kind: 'packages', packages: goTruthPackages(info), source: `go version -m (${info.goVersion})` };
}

async function cargoTruth(placed: string, scratchDir: string): Promise<Truth> {
  const dump = join(scratchDir, 'dep-v0.bin');
  const run = await runTool('objcopy', ['--dump-section', `.dep-v0=${dump}`, placed, join(scratchDir, 'objcopy-out')]);
  if (run.missing) return { kind: 'none', why: 'objcopy (binutils) is not installed' };
  if (run.code !== 0) return { kind: 'packages', packages: [], source: `objcopy: no .dep-v0 section (${oneLine(run.stderr, 120)})` };
  const out = await python(PY_CARGO_AUDIT, [dump]);
  if ('missing' in out) return { kind: 'none', why: 'python3 is not installed' };
  if (typeof out['error'] === 'string') return { kind: 'rejected', why: `.dep-v0 unreadable: ${out['error']}` };
  return { kind: 'packages', packages: pairs(out['packages']), source: 'cargo-auditable .dep-v0 (objcopy + zlib + json)' };
}

async function jarTruth(placed: string): Promise<Truth> {
  const out = await python(PY_JAR, [placed]);
  if ('missing' in out) return { kind: 'none', why: 'python3 is not installed' };
  const errors = (out['errors'] as Array<[number, string]>) ?? [];
  const top = errors.find(([depth]) => depth === 0);
  if (top) return { kind: 'rejected', why: `not a zip archive (${oneLine(top[1], 120)})` };
  const found = (out['found'] as Array<[string, string, string, number, string]>) ?? [];
  if (found.length === 0) return { kind: 'none', why: 'no pom.properties with groupId, artifactId and version: identity only guessable (manifest, file name)' };
  const deepest = Math.max(...found.map((f) => f[3]));
  return {
    kind: 'packages',
    packages: found.map(([g, a, v]) => ({ name: `${g}:${a}`, version: v })),
    source: `pom.properties via zipfile${deepest > 0 ? `, nested ${deepest} deep` : ''}`,
  };
}

function pythonTruth(kind: 'text' | 'egg' | 'whl') {
  return async (placed: string): Promise<Truth> => {
    const out = await python(PY_CORE_METADATA, [placed, kind]);
    if ('missing' in out) return { kind: 'none', why: 'python3 is not installed' };
    if (typeof out['error'] === 'string') return { kind: 'rejected', why: out['error'] };
    if (out['absent']) return { kind: 'packages', packages: [], source: `no metadata file inside the ${kind}` };
    const name = out['name'];
    const version = out['version'];
    if (typeof name !== 'string' || typeof version !== 'string' || name === '' || version === '') {
      return { kind: 'packages', packages: [], source: 'email.parser: no Name or no Version header' };
    }
    return { kind: 'packages', packages: [{ name, version }], source: 'email.parser Name/Version' };
  };
}

async function npmLockTruth(placed: string): Promise<Truth> {
  const out = await python(PY_NPM_LOCK, [placed]);
  if ('missing' in out) return { kind: 'none', why: 'python3 is not installed' };
  if (typeof out['error'] === 'string') return { kind: 'rejected', why: out['error'] };
  return { kind: 'packages', packages: pairs(out['packages']), source: `lock's own ${String(out['source'])} entries (json)` };
}

async function packageJsonTruth(placed: string): Promise<Truth> {
  const out = await python(PY_PACKAGE_JSON, [placed]);
  if ('missing' in out) return { kind: 'none', why: 'python3 is not installed' };
  if (typeof out['error'] === 'string') return { kind: 'rejected', why: out['error'] };
  const name = out['name'];
  const version = out['version'];
  if (typeof name !== 'string' || typeof version !== 'string' || name === '' || version === '') {
    return { kind: 'packages', packages: [], source: 'json: no non-empty name and version' };
  }
  return { kind: 'packages', packages: [{ name, version }], source: 'json name/version' };
}

// ---------------------------------------------------------------------------------
// Which files, placed where

/** Build inputs and notes kept beside the fixtures: not artifacts a scan meets. */
function isBuildInput(name: string): boolean {
  return name === 'Dockerfile' || name === 'MANIFEST.MF' || name === 'pom.xml' || name === 'build.gradle' || name.endsWith('.rs') || name.endsWith('.md');
}

const normalizePypi = (p: PkgId): PkgId => ({ ...p, name: normalizePypiName(p.name) });

/** osv-scalibr's extension-less python fixtures: which installed-metadata file each one is. */
const SCALIBR_PYTHON: Record<string, 'dist-info' | 'egg-info-file' | 'egg-info-dir'> = {
  distinfo_meta: 'dist-info',
  egginfo: 'egg-info-file',
  egginfo_pkginfo: 'egg-info-dir',
  pkginfo: 'egg-info-dir',
  malformed_pkginfo: 'egg-info-dir',
};

function pythonPlacement(name: string): { at: string; kind: 'text' | 'egg' | 'whl' } {
  if (name.endsWith('.whl')) return { at: `${SITE}/${name}`, kind: 'whl' };
  if (name.endsWith('.egg')) return { at: `${SITE}/${name}`, kind: 'egg' };
  if (name.endsWith('.METADATA')) return { at: `${SITE}/${name.slice(0, -'.METADATA'.length)}.dist-info/METADATA`, kind: 'text' };
  if (name.endsWith('.PKG-INFO')) {
    const stem = name.slice(0, -'.PKG-INFO'.length);
    const dir = stem.endsWith('.egg-info') ? stem : `${stem.replace(/-egg-info$/, '')}.egg-info`;
    return { at: `${SITE}/${dir}/PKG-INFO`, kind: 'text' };
  }
  if (name.endsWith('.egg-info')) return { at: `${SITE}/${name}`, kind: 'text' };
  if (name.endsWith('.dist-info')) return { at: `${SITE}/${name}/METADATA`, kind: 'text' };
  const stem = name.replace(/\.[^.]*$/, '');
  switch (SCALIBR_PYTHON[name]) {
    case 'egg-info-file':
      return { at: `${SITE}/${stem}-1.0.egg-info`, kind: 'text' };
    case 'egg-info-dir':
      return { at: `${SITE}/${stem}.egg-info/PKG-INFO`, kind: 'text' };
    default:
      return { at: `${SITE}/${stem}.dist-info/METADATA`, kind: 'text' };
  }
}

/** package.json files that are not npm packages by any independent measure: is a VS Code extension or a Unity manifest an npm package? */
const PACKAGE_JSON_POLICY = new Set(['vscode-extension.json', 'vscode-extension-only-required.json', 'unity-package.json', 'not-vscode.json']);

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

async function discover(scanner: string): Promise<{ cases: LangCase[]; skipped: string[] }> {
  const langDir = join(scanner, 'lang');
  const cases: LangCase[] = [];
  const skipped: string[] = [];
  for (const full of await listFiles(langDir)) {
    const rel = relative(scanner, full);
    const name = basename(full);
    const area = relative(langDir, full).split('/')[0];
    if (isBuildInput(name)) {
      skipped.push(rel);
      continue;
    }
    if (area === 'go-binaries') {
      cases.push({ fixture: rel, place: { at: `usr/local/bin/${name}`, from: full, mode: 0o755 }, ecosystem: 'golang', truth: (p) => goTruth(p) });
    } else if (area === 'rust-auditable') {
      cases.push({ fixture: rel, place: { at: `usr/local/bin/${name}`, from: full, mode: 0o755 }, ecosystem: 'cargo', truth: (p, d) => cargoTruth(p, d) });
    } else if (area === 'java') {
      // `not_jar` is placed under a .jar name: a broken archive must cost a warning, not the scan.
      const at = name.endsWith('.jar') || name.endsWith('.war') ? `opt/app/${name}` : `opt/app/${name}.jar`;
      cases.push({ fixture: rel, place: { at, from: full }, ecosystem: 'maven', truth: (p) => jarTruth(p) });
    } else if (area === 'python') {
      const { at, kind } = pythonPlacement(name);
      cases.push({ fixture: rel, place: { at, from: full }, ecosystem: 'pypi', truth: pythonTruth(kind), normalize: normalizePypi });
    } else if (area === 'npm' && rel.includes('packagejson/')) {
      const pkgDir = name === 'package.json' && rel.includes('/deps/') ? basename(dirname(full)) : name.replace(/\.json$/, '');
      const truth = PACKAGE_JSON_POLICY.has(name)
        ? async (): Promise<Truth> => ({ kind: 'none', why: 'whether this manifest is an npm package is a policy choice, not data' })
        : (p: string) => packageJsonTruth(p);
      cases.push({ fixture: rel, place: { at: `srv/app/node_modules/${pkgDir}/package.json`, from: full }, ecosystem: 'npm', truth });
    } else if (area === 'npm') {
      const lockName = name === 'npm-shrinkwrap.json' ? 'npm-shrinkwrap.json' : 'package-lock.json';
      cases.push({ fixture: rel, place: { at: `srv/app/${lockName}`, from: full }, ecosystem: 'npm', truth: (p) => npmLockTruth(p) });
    } else {
      skipped.push(rel);
    }
  }
  return { cases, skipped };
}

// ---------------------------------------------------------------------------------
// Comparing

function compare(id: string, c: LangCase, truth: Truth, result: ScanResult): CaseResult {
  const oursRaw = packagesOf(result, c.ecosystem);
  const ours = c.normalize ? oursRaw.map(c.normalize) : oursRaw;
  const warnings = warningsAbout(result, `/${c.place.at}`);
  if (truth.kind === 'none') {
    const found = countByEcosystem(result.packages.map((p) => p.ecosystem));
    return { id, status: 'no-truth', detail: `${truth.why}; we report ${found}${warnings.length > 0 ? `, ${warnings.length} warning(s)` : ''}` };
  }
  if (truth.kind === 'rejected') {
    if (warnings.length > 0 && ours.length === 0) return { id, status: 'agree' };
    return { id, status: 'disagree', detail: `truth cannot read it (${oneLine(truth.why, 100)}); we report ${ours.length} package(s) and ${warnings.length} warning(s)` };
  }
  const want = c.normalize ? truth.packages.map(c.normalize) : truth.packages;
  const warned = warnings.length > 0 ? ` [warning: ${warnings[0]?.message ?? ''}]` : '';
  return diffCase(id, want, ours, truth.source, warned);
}

async function runCase(c: LangCase, scratch: Scratch): Promise<CaseResult> {
  const id = `${SUITE}/${c.fixture.replace(/^lang\//, '')}`;
  const root = await scratch.caseDir(id);
  const work = await scratch.caseDir(`${id}-work`);
  await placeFiles(root, [c.place]);
  const truth = await c.truth(join(root, c.place.at), work);
  const outcome = await scanIsolated({ mode: 'rootfs', dir: root }, SCAN_TIMEOUT_MS);
  if (outcome.kind !== 'ok') return { id, status: 'disagree', detail: describeFailedScan(outcome) };
  return compare(id, c, truth, outcome.result);
}

export async function runLangSuite(scanner: string, scratch: Scratch): Promise<SuiteResult> {
  const started = Date.now();
  const { cases, skipped } = await discover(scanner);
  const results = await mapPool(cases, 4, (c) =>
    runCase(c, scratch).catch((e: unknown): CaseResult => ({ id: `${SUITE}/${c.fixture.replace(/^lang\//, '')}`, status: 'error', detail: (e as Error).message })),
  );
  if (skipped.length > 0) {
    const list = skipped.map((s) => s.replace(/^lang\//, '')).join(', ');
    results.push({ id: `${SUITE}/_build-inputs`, status: 'no-truth', detail: `${skipped.length} build inputs not scanned: ${list}` });
  }
  return { name: SUITE, cases: results, ms: Date.now() - started };
}
