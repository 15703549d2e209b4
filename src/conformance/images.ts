/**
 * Suite `images`: every archive under images/docker-save, scanned with scanImage in
 * a worker thread (so a crash, a runaway allocation or a hang is caught and
 * reported).
 *
 * Truths, all read with GNU tar, never with our image reader:
 * - whether the archive is an image at all (`manifest.json` or `index.json` in the
 *   listing), and for docker-save archives the layer count and RepoTags of
 *   manifest.json, which a successful scan must reproduce;
 * - what each crafted archive holds, from its Dockerfile under
 *   osv-scalibr-testfixtures/ (table below): benign ones must scan; ones with
 *   symlinks that leave the root or loop may instead be rejected with a clean
 *   StockadeError; none may crash or hang;
 * - escape.tar is a bare layer, not an image: besides scanning it as given (a clean
 *   "not an image" error is right), it is wrapped here as the one layer of a
 *   docker-save archive (manifest.json + config written here, packed with GNU tar) so
 *   its path-escaping links reach the layer walker, which must contain them;
 * - for the two real Alpine images (trivy), the apk `installed` database and
 *   etc/alpine-release taken out of the layers with tar: our apk packages and OS must
 *   match them.
 */
import { createHash } from 'node:crypto';
import { copyFile, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { describeFailedScan, mapPool, packagesOf, runTool, scanIsolated, type Scratch, type ScanOutcome } from './harness.js';
import { diffCase, oneLine, type CaseResult, type SuiteResult } from './report.js';
import { parseApkInstalledIndex } from './truth.js';

const SUITE = 'images';
const SCAN_TIMEOUT_MS = 60_000;

/**
 * What each crafted archive holds, read from the Dockerfiles in
 * osv-scalibr-testfixtures/ (archive stem -> fixture directory) or, for the two
 * without one, from `tar -tvf`. `hostile`: the archive carries something a scanner
 * may legitimately refuse (a link out of the root, a link cycle, a long chain).
 */
const CRAFTED: Record<string, { dockerfile?: string; holds: string; hostile: boolean }> = {
  basic: { dockerfile: 'basic', holds: 'two regular files', hostile: false },
  empty: { holds: 'an empty tar: no manifest, not an image', hostile: false },
  'multiple-files': { dockerfile: 'multiple-files', holds: 'files in the root and in a directory', hostile: false },
  'overwrite-file': { dockerfile: 'overwrite-file', holds: 'a file replaced by a later layer', hostile: false },
  'single-file': { dockerfile: 'single-file', holds: 'one file', hostile: false },
  'two-files': { holds: 'two files in two layers', hostile: false },
  permissions: { dockerfile: 'permissions', holds: 'a file with mode 0000', hostile: false },
  'symlink-basic': { dockerfile: 'symlink-basic', holds: 'absolute, relative and chained links inside the root', hostile: false },
  'symlink-dangling': { dockerfile: 'dangling-symlinks', holds: 'links whose target does not exist', hostile: false },
  'dangling-symlinks': { dockerfile: 'dangling-symlinks', holds: 'links whose target does not exist', hostile: false },
  'symlink-attack': { dockerfile: 'symlink-attack', holds: 'links to ../../secret.txt and /../secret.txt, outside the root', hostile: true },
  'symlink-cycle': { dockerfile: 'symlink-cycle', holds: 'a cycle of three links', hostile: true },
  'symlink-depth-exceeded': { dockerfile: 'symlink-depth-exceeded', holds: 'a chain of seven links', hostile: true },
  symlinks: { dockerfile: 'symlinks', holds: 'links inside the root plus two that point outside it', hostile: true },
  escape: { holds: 'not an image: a bare tar whose links chain /escape through a self-link to /tmp', hostile: true },
};

async function listArchives(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listArchives(full)));
    else if (entry.name.endsWith('.tar') || entry.name.endsWith('.tar.gz')) out.push(full);
  }
  return out;
}

function tarFlags(archive: string): string {
  return archive.endsWith('.gz') ? 'z' : '';
}

/** Members of an archive (GNU tar), or the tool's complaint. */
async function tarList(archive: string): Promise<{ members: string[] } | { problem: string }> {
  const run = await runTool('tar', [`-t${tarFlags(archive)}f`, archive]);
  if (run.code !== 0) return { problem: oneLine(run.stderr || `tar exit ${run.code}`) };
  return { members: run.stdout.split('\n').filter((l) => l !== '') };
}

async function tarRead(archive: string, member: string): Promise<string | undefined> {
  const run = await runTool('tar', [`-x${tarFlags(archive)}Of`, archive, member]);
  return run.code === 0 ? run.stdout : undefined;
}

interface DockerManifest {
  layers: string[];
  repoTags: string[];
}

/** manifest.json of a docker-save archive: the first image's Layers and RepoTags. */
async function dockerManifest(archive: string): Promise<DockerManifest | undefined> {
  const text = await tarRead(archive, 'manifest.json');
  if (text === undefined) return undefined;
  const doc = JSON.parse(text) as Array<{ Layers?: unknown; RepoTags?: unknown }>;
  const first = doc[0];
  if (!first) return undefined;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return { layers: strings(first.Layers), repoTags: strings(first.RepoTags) };
}

function isPlainMember(p: string): boolean {
  return p !== '' && !p.startsWith('/') && !p.split('/').includes('..');
}

/**
 * A file as the image's final filesystem has it, read layer by layer with tar: the
 * last layer that holds it wins. (Whiteouts are not applied: the Alpine images this
 * is used for have a single layer.)
 */
async function fileFromLayers(archive: string, manifest: DockerManifest, path: string, scratchDir: string): Promise<string | undefined> {
  let found: string | undefined;
  for (const layer of manifest.layers) {
    if (!isPlainMember(layer)) throw new Error(`manifest names layer ${layer} outside the archive`);
    const out = await runTool('tar', [`-x${tarFlags(archive)}f`, archive, '-C', scratchDir, layer]);
    if (out.code !== 0) throw new Error(`tar cannot extract ${layer}: ${oneLine(out.stderr)}`);
    const text = await tarRead(join(scratchDir, layer), path);
    if (text !== undefined) found = text;
  }
  return found;
}

function structureCase(id: string, outcome: ScanOutcome, isImage: boolean, manifest: DockerManifest | undefined, crafted: (typeof CRAFTED)[string] | undefined): CaseResult {
  const holds = crafted ? crafted.holds : 'not described in the table of crafted archives';
  const notes: string[] = [];
  if (outcome.kind === 'threw' && outcome.stockade && outcome.code !== 'internal') {
    notes.push(`rejected cleanly (${Math.round(outcome.ms)} ms): ${outcome.code}: ${outcome.message}`);
    if (!isImage) return { id, status: 'agree', notes };
    if (crafted?.hostile) return { id, status: 'agree', notes };
    return { id, status: 'disagree', detail: `a benign image (${holds}) was rejected: ${outcome.code}: ${outcome.message}` };
  }
  if (outcome.kind !== 'ok') return { id, status: 'disagree', detail: `${describeFailedScan(outcome)} (archive holds ${holds})` };
  if (!isImage) return { id, status: 'disagree', detail: `scanned as an image, but tar lists no manifest.json or index.json (${holds})` };
  const layers = outcome.result.target.layers.length;
  const problems: string[] = [];
  if (manifest && layers !== manifest.layers.length) problems.push(`${layers} layers, manifest.json lists ${manifest.layers.length}`);
  const tags = [...outcome.result.target.repoTags].sort().join(',');
  if (manifest && tags !== [...manifest.repoTags].sort().join(',')) problems.push(`repo tags [${tags}], manifest.json has [${manifest.repoTags.join(',')}]`);
  if (problems.length > 0) return { id, status: 'disagree', detail: problems.join('; ') };
  return { id, status: 'agree' };
}

async function alpineCases(id: string, archive: string, outcome: ScanOutcome, manifest: DockerManifest | undefined, scratch: Scratch): Promise<CaseResult[]> {
  const apkId = `${id}:apk`;
  const osId = `${id}:os`;
  if (!manifest) return [apkId, osId].map((i) => ({ id: i, status: 'error', detail: 'manifest.json unreadable with tar' }));
  const dir = await scratch.caseDir(id);
  let installed: string | undefined;
  let release: string | undefined;
  try {
    installed = await fileFromLayers(archive, manifest, 'lib/apk/db/installed', dir);
    release = await fileFromLayers(archive, manifest, 'etc/alpine-release', dir);
  } catch (e) {
    return [apkId, osId].map((i) => ({ id: i, status: 'error', detail: `truth unreadable: ${(e as Error).message}` }));
  }
  const results: CaseResult[] = [];
  if (installed === undefined) results.push({ id: apkId, status: 'no-truth', detail: 'no lib/apk/db/installed in the layers' });
  else if (outcome.kind !== 'ok') results.push({ id: apkId, status: 'disagree', detail: describeFailedScan(outcome) });
  else {
    const truth = parseApkInstalledIndex(installed);
    results.push(diffCase(apkId, truth, packagesOf(outcome.result, 'apk'), 'apk P:/V:/A: records of lib/apk/db/installed'));
  }
  if (release === undefined) results.push({ id: osId, status: 'no-truth', detail: 'no etc/alpine-release in the layers' });
  else if (outcome.kind !== 'ok') results.push({ id: osId, status: 'disagree', detail: describeFailedScan(outcome) });
  else {
    const want = release.trim();
    const os = outcome.result.os;
    const got = os ? `${os.family} ${os.version} (from ${os.source})` : 'no OS';
    const agree = os?.family === 'alpine' && os.version === want;
    results.push(agree ? { id: osId, status: 'agree' } : { id: osId, status: 'disagree', detail: `want alpine ${want} (etc/alpine-release), got ${got}` });
  }
  return results;
}

async function runArchive(imagesDir: string, archive: string, scratch: Scratch): Promise<CaseResult[]> {
  const id = `${SUITE}/${relative(imagesDir, archive)}`;
  const stem = basename(archive).replace(/\.tar(\.gz)?$/, '');
  const listing = await tarList(archive);
  const members = 'members' in listing ? listing.members : [];
  const isImage = members.includes('manifest.json') || members.includes('index.json');
  const manifest = members.includes('manifest.json') ? await dockerManifest(archive) : undefined;
  const cacheDir = join(await scratch.caseDir(`${id}-cache`), 'cache');
  const outcome = await scanIsolated({ mode: 'image', input: archive, cacheDir }, SCAN_TIMEOUT_MS);
  const crafted = archive.includes('/osv-scalibr-') ? CRAFTED[stem] : undefined;
  const results = [structureCase(id, outcome, isImage, manifest, crafted)];
  if ('problem' in listing) (results[0] as CaseResult).notes = [...((results[0] as CaseResult).notes ?? []), `tar cannot list it: ${listing.problem}`];
  if (archive.includes('/trivy/') && stem.startsWith('alpine-')) results.push(...(await alpineCases(id, archive, outcome, manifest, scratch)));
  return results;
}

/**
 * A docker-save archive whose one layer is `layerTar` as it is: manifest.json and an
 * image config with the layer's sha256 as diffID, packed with GNU tar.
 */
async function wrapAsImage(layerTar: string, dir: string): Promise<string> {
  const bytes = await readFile(layerTar);
  const diffID = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await copyFile(layerTar, join(dir, 'layer.tar'));
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [diffID] },
    history: [{ created_by: 'wrapped by the conformance runner' }],
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: ['conformance/wrapped:latest'], Layers: ['layer.tar'] }]));
  const out = join(dir, 'wrapped.tar');
  const run = await runTool('tar', ['-cf', out, '-C', dir, 'manifest.json', 'config.json', 'layer.tar']);
  if (run.code !== 0) throw new Error(`tar cannot pack the wrapper: ${oneLine(run.stderr)}`);
  return out;
}

async function runWrappedLayer(imagesDir: string, archive: string, scratch: Scratch): Promise<CaseResult> {
  const id = `${SUITE}/${relative(imagesDir, archive)}:as-layer`;
  const dir = await scratch.caseDir(id);
  const wrapped = await wrapAsImage(archive, dir);
  const manifest = await dockerManifest(wrapped);
  // The links lead /escape to the host's /tmp; a reader that followed them would write /tmp/poc.txt.
  const escapedTo = '/tmp/poc.txt';
  const before = await stat(escapedTo).catch(() => undefined);
  const outcome = await scanIsolated({ mode: 'image', input: wrapped, cacheDir: join(dir, 'cache') }, SCAN_TIMEOUT_MS);
  const after = await stat(escapedTo).catch(() => undefined);
  if (!before && after) return { id, status: 'disagree', detail: `${escapedTo} appeared during the scan: the layer's links were followed on the host` };
  const holds = { holds: 'one layer whose links chain /escape through a self-link to /tmp, and files reached through them', hostile: true };
  return structureCase(id, outcome, true, manifest, holds);
}

/** Each crafted archive named in CRAFTED must have the Dockerfile the table cites, so the table cannot drift from the corpus. */
async function checkDockerfiles(imagesDir: string): Promise<string[]> {
  const missing: string[] = [];
  for (const [stem, c] of Object.entries(CRAFTED)) {
    if (!c.dockerfile) continue;
    const text = await readFile(join(imagesDir, 'docker-save/osv-scalibr-testfixtures', c.dockerfile, 'Dockerfile'), 'utf8').catch(() => undefined);
    if (text === undefined) missing.push(`${stem} -> ${c.dockerfile}/Dockerfile`);
  }
  return missing;
}

export async function runImagesSuite(scanner: string, scratch: Scratch): Promise<SuiteResult> {
  const started = Date.now();
  const imagesDir = join(scanner, 'images');
  const archives = await listArchives(join(imagesDir, 'docker-save'));
  const nested = await mapPool(archives, 4, (a) =>
    runArchive(imagesDir, a, scratch).catch((e: unknown): CaseResult[] => [{ id: `${SUITE}/${relative(imagesDir, a)}`, status: 'error', detail: (e as Error).message }]),
  );
  const cases = nested.flat();
  const escape = archives.find((a) => basename(a) === 'escape.tar');
  if (escape) {
    const id = `${SUITE}/${relative(imagesDir, escape)}:as-layer`;
    cases.push(await runWrappedLayer(imagesDir, escape, scratch).catch((e: unknown): CaseResult => ({ id, status: 'error', detail: (e as Error).message })));
  }
  const missing = await checkDockerfiles(imagesDir);
  if (missing.length > 0) cases.push({ id: `${SUITE}/_crafted-table`, status: 'error', detail: `Dockerfiles cited in images.ts not found: ${missing.join(', ')}` });
  return { name: SUITE, cases, ms: Date.now() - started };
}
