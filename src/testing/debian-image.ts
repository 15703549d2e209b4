/**
 * Real Debian images for tests and benchmarks, built by the real tools and cached.
 *
 * One call gives the same image in every form Stockade reads:
 *   - rootfs tar(s): `mmdebstrap --mode=root` (one per layer, with growing package sets),
 *   - OCI image layout: `umoci init` + `umoci new` + `umoci raw add-layer` (first layer),
 *     `umoci unpack` / `umoci repack` (each further layer, so umoci computes the diff),
 *     `umoci config` (Env and Cmd, as a real base image has), `umoci gc`,
 *   - OCI archive: `skopeo copy oci:<layout>:latest oci-archive:<file>:latest`,
 *   - docker-archive: `skopeo copy oci:<layout>:latest docker-archive:<file>:<name>:latest`,
 *   - unpacked rootfs: `tar -x --numeric-owner` of the final rootfs tar (as root),
 *   - the truth: `dpkg-query --admindir=<rootfs>/var/lib/dpkg -W`.
 *
 * Results are cached under fixtureCacheDir(), keyed by a hash of the options, and built
 * into a temporary directory that is renamed into place, under a lock directory, so
 * concurrent test processes build each image once.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync, readdirSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { fixtureCacheDir } from './corpus.js';

export interface DebianImageOptions {
  /** Short name, used in the cache directory name and the docker-archive tag. */
  name: string;
  /** Packages for `--include` of the first (bottom) layer. */
  packages: string[];
  variant?: 'minbase' | 'apt';
  /**
   * Further layers: each adds these packages to everything below it. The layer is the
   * difference umoci computes between the rootfs below and a fresh mmdebstrap rootfs
   * with the larger package set, so upper layers overwrite files such as
   * var/lib/dpkg/status.
   */
  extraLayers?: string[][];
}

/** One installed package as dpkg-query reports it on the final root filesystem. */
export interface DpkgTruth {
  name: string;
  version: string;
  arch: string;
  sourceName: string;
  sourceVersion: string;
}

export interface DebianImageLayer {
  /** Blob digest in the OCI layout (gzip-compressed by umoci). */
  digest: string;
  /** sha256 of the uncompressed tar, as in the config's rootfs.diff_ids. */
  diffID: string;
  compressedSize: number;
  uncompressedSize: number;
  mediaType: string;
}

export interface DebianImage {
  /** OCI image layout directory; the image is tagged `latest` (ref.name annotation). */
  ociLayout: string;
  /** OCI archive (tar of a layout) written by skopeo. */
  ociArchive: string;
  /**
   * docker-archive written by skopeo 1.9.3, in its own shape (checked by the test):
   * each layer uncompressed at the top level as `<diffID hex>.tar`; a legacy
   * `<v1 id>/layer.tar` that is a *symlink* to `../<diffID hex>.tar`, beside
   * `<v1 id>/json` and `<v1 id>/VERSION`; the config as `<config hex>.json`;
   * `manifest.json` whose Layers name the top-level `.tar` files; `repositories`.
   */
  dockerArchive: string;
  /** The final root filesystem, extracted with numeric owners. */
  rootfsDir: string;
  /** The final root filesystem as mmdebstrap wrote it. */
  rootfsTar: string;
  /** The tag inside ociLayout and ociArchive. */
  refName: string;
  /** The name skopeo recorded in the docker-archive's RepoTags (it adds `docker.io/`). */
  dockerRef: string;
  /** Layers bottom first, as in the manifest. */
  layers: DebianImageLayer[];
  truth: DpkgTruth[];
}

/** Shared by debian-image.test.ts and the benchmark, so both reuse one cached build. */
export const DEBIAN_SMALL: DebianImageOptions = { name: 'small', packages: ['ca-certificates', 'python3-six'] };

const SUITE = 'bookworm';
const REF_NAME = 'latest';
/** Bump when the build recipe changes, so stale caches are rebuilt. */
const RECIPE_VERSION = 1;
const DPKG_FORMAT = '${Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${source:Version}\\n';
const LOCK_POLL_MS = 2000;
const LOCK_STALE_MS = 60 * 60 * 1000;
const REQUIRED_TOOLS = ['mmdebstrap', 'umoci', 'skopeo', 'dpkg-query', 'tar'];

/** Why buildDebianImage cannot run here, or undefined when it can (for `t.skip`). */
export function debianImageUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'building Debian images needs root (mmdebstrap --mode=root, tar --numeric-owner)';
  }
  const path = (process.env.PATH ?? '/usr/bin:/bin').split(':');
  for (const tool of REQUIRED_TOOLS) {
    if (!path.some((dir) => dir && existsSync(join(dir, tool)))) return `${tool} is not installed`;
  }
  return undefined;
}

/** Cache key: everything that changes the built image, normalised. */
export function debianImageKey(opts: DebianImageOptions): string {
  const canonical = {
    recipe: RECIPE_VERSION,
    suite: SUITE,
    variant: opts.variant ?? 'minbase',
    packages: [...opts.packages].sort(),
    extraLayers: (opts.extraLayers ?? []).map((l) => [...l].sort()),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}

/** Parses dpkg-query output in DPKG_FORMAT; one package a line. */
export function parseDpkgQuery(text: string): DpkgTruth[] {
  const out: DpkgTruth[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [name, version, arch, sourceName, sourceVersion] = line.split('\t');
    if (name === undefined || version === undefined || arch === undefined) {
      throw new Error(`unexpected dpkg-query line: ${JSON.stringify(line)}`);
    }
    out.push({ name, version, arch, sourceName: sourceName || name, sourceVersion: sourceVersion || version });
  }
  return out;
}

export async function buildDebianImage(opts: DebianImageOptions): Promise<DebianImage> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(opts.name)) throw new Error(`image name must be [a-z0-9-]: ${opts.name}`);
  const root = join(fixtureCacheDir(), 'debian-images');
  const finalDir = join(root, `${opts.name}-${debianImageKey(opts)}`);
  const cached = await readResult(finalDir);
  if (cached) return cached;

  await mkdir(root, { recursive: true });
  const lockDir = `${finalDir}.lock`;
  await acquireLock(lockDir);
  try {
    const again = await readResult(finalDir);
    if (again) return again;
    // Holding the lock, any other temporary build of this key is a killed run's leftover.
    removeLeftovers(root, `${basename(finalDir)}.tmp-`);
    const tmpDir = `${finalDir}.tmp-${process.pid}`;
    await mkdir(tmpDir, { recursive: true });
    process.stderr.write(
      `stockade test fixture: building Debian ${SUITE} image '${opts.name}' with mmdebstrap/umoci/skopeo in ${finalDir} (a minute or two)\n`,
    );
    try {
      await buildInto(tmpDir, opts);
      await rename(tmpDir, finalDir);
    } catch (e) {
      await rm(tmpDir, { recursive: true, force: true });
      throw e;
    }
    const built = await readResult(finalDir);
    if (!built) throw new Error(`Debian image build left no result in ${finalDir}`);
    return built;
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** What is stored in result.json: paths are relative to the image directory. */
interface StoredResult {
  options: DebianImageOptions;
  dockerRef: string;
  layers: DebianImageLayer[];
  truth: DpkgTruth[];
}

async function readResult(dir: string): Promise<DebianImage | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'result.json'), 'utf8');
  } catch {
    return undefined;
  }
  const stored = JSON.parse(text) as StoredResult;
  return {
    ociLayout: join(dir, 'oci'),
    ociArchive: join(dir, 'image.oci.tar'),
    dockerArchive: join(dir, 'image.docker.tar'),
    rootfsDir: join(dir, 'rootfs'),
    rootfsTar: join(dir, 'rootfs.tar'),
    refName: REF_NAME,
    dockerRef: stored.dockerRef,
    layers: stored.layers,
    truth: stored.truth,
  };
}

async function buildInto(dir: string, opts: DebianImageOptions): Promise<void> {
  const log = createWriteStream(join(dir, 'build.log'));
  try {
    const layout = join(dir, 'oci');
    const image = `${layout}:${REF_NAME}`;
    const packageSets = cumulativePackageSets(opts);
    const rootfsTar = join(dir, 'rootfs.tar');

    await run(log, 'umoci', ['init', '--layout', layout]);
    await run(log, 'umoci', ['new', '--image', image]);
    for (let i = 0; i < packageSets.length; i++) {
      const pkgs = packageSets[i] ?? [];
      const tarPath = i === packageSets.length - 1 ? rootfsTar : join(dir, `rootfs-${i}.tar`);
      await mmdebstrap(log, opts.variant ?? 'minbase', pkgs, tarPath);
      const createdBy = `mmdebstrap --variant=${opts.variant ?? 'minbase'} --include=${pkgs.join(',')} ${SUITE}`;
      if (i === 0) {
        await run(log, 'umoci', ['raw', 'add-layer', '--image', image, '--history.created_by', createdBy, tarPath]);
      } else {
        // umoci computes the layer as the difference between the unpacked image and the
        // new tree, so we swap the bundle's rootfs for the larger mmdebstrap result.
        const bundle = join(dir, 'bundle');
        await run(log, 'umoci', ['unpack', '--image', image, bundle]);
        await rm(join(bundle, 'rootfs'), { recursive: true, force: true });
        await mkdir(join(bundle, 'rootfs'));
        await run(log, 'tar', ['-x', '--numeric-owner', '-f', tarPath, '-C', join(bundle, 'rootfs')]);
        await run(log, 'umoci', ['repack', '--image', image, '--history.created_by', createdBy, bundle]);
        await rm(bundle, { recursive: true, force: true });
      }
      if (tarPath !== rootfsTar) await rm(tarPath, { force: true });
    }
    await run(log, 'umoci', [
      'config', '--image', image,
      '--config.env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--config.cmd', 'bash',
      '--history.created_by', '/bin/sh -c #(nop)  CMD ["bash"]',
    ]);
    await run(log, 'umoci', ['gc', '--layout', layout]);

    await run(log, 'skopeo', ['copy', '--quiet', `oci:${image}`, `oci-archive:${join(dir, 'image.oci.tar')}:${REF_NAME}`]);
    const dockerName = `stockade-test/${opts.name}:${REF_NAME}`;
    await run(log, 'skopeo', ['copy', '--quiet', `oci:${image}`, `docker-archive:${join(dir, 'image.docker.tar')}:${dockerName}`]);

    const rootfsDir = join(dir, 'rootfs');
    await mkdir(rootfsDir);
    await run(log, 'tar', ['-x', '--numeric-owner', '-f', rootfsTar, '-C', rootfsDir]);

    const dpkgOut = await run(log, 'dpkg-query', [`--admindir=${join(rootfsDir, 'var/lib/dpkg')}`, '-W', '-f', DPKG_FORMAT], true);
    const truth = parseDpkgQuery(dpkgOut);
    const layers = await describeLayers(layout);
    const stored: StoredResult = { options: opts, dockerRef: `docker.io/${dockerName}`, layers, truth };
    await writeFile(join(dir, 'result.json'), JSON.stringify(stored, null, 2));
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
  }
}

function cumulativePackageSets(opts: DebianImageOptions): string[][] {
  const sets: string[][] = [[...opts.packages]];
  for (const extra of opts.extraLayers ?? []) sets.push([...(sets[sets.length - 1] ?? []), ...extra]);
  return sets;
}

async function mmdebstrap(log: WriteStream, variant: string, pkgs: string[], out: string): Promise<void> {
  const args = ['--mode=root', `--variant=${variant}`];
  if (pkgs.length > 0) args.push(`--include=${pkgs.join(',')}`);
  args.push(SUITE, out);
  await run(log, 'mmdebstrap', args);
}

/** Reads the layout umoci wrote (our own fixture) and measures each layer. */
async function describeLayers(layout: string): Promise<DebianImageLayer[]> {
  const blob = (digest: string): string => join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const manifestDigest = index.manifests[0]?.digest;
  if (!manifestDigest) throw new Error('umoci wrote an index without manifests');
  const manifest = JSON.parse(readFileSync(blob(manifestDigest), 'utf8')) as {
    config: { digest: string };
    layers: Array<{ digest: string; size: number; mediaType: string }>;
  };
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8')) as { rootfs: { diff_ids: string[] } };
  const out: DebianImageLayer[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    const hash = createHash('sha256');
    let uncompressedSize = 0;
    await pipeline(createReadStream(blob(l.digest)), createGunzip(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        hash.update(chunk);
        uncompressedSize += chunk.length;
      }
    });
    const diffID = `sha256:${hash.digest('hex')}`;
    if (config.rootfs.diff_ids[i] !== diffID) throw new Error(`umoci layer ${i}: diff_id in config does not match the blob`);
    out.push({ digest: l.digest, diffID, compressedSize: l.size, uncompressedSize, mediaType: l.mediaType });
  }
  return out;
}

function removeLeftovers(root: string, prefix: string): void {
  for (const name of readdirSync(root)) {
    if (name.startsWith(prefix)) rmSync(join(root, name), { recursive: true, force: true });
  }
}

/** Runs a tool, logging its output; rejects with the tail of its stderr on failure. */
function run(log: WriteStream, cmd: string, args: string[], captureStdout = false): Promise<string> {
  log.write(`$ ${cmd} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderrTail = '';
    child.stdout.on('data', (d: Buffer) => (captureStdout ? stdout.push(d) : log.write(d)));
    child.stderr.on('data', (d: Buffer) => {
      log.write(d);
      stderrTail = (stderrTail + d.toString()).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderrTail.trim()}`));
    });
  });
}

/**
 * A lock directory (mkdir is atomic) holding the owner's pid. A lock whose owner is
 * gone, or that is older than an hour, is broken so a killed build does not wedge
 * every later run.
 */
async function acquireLock(lockDir: string): Promise<void> {
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'owner'), JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now() }));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (lockIsStale(lockDir)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

function lockIsStale(lockDir: string): boolean {
  let owner: { pid?: number; host?: string; at?: number };
  try {
    owner = JSON.parse(readFileSync(join(lockDir, 'owner'), 'utf8')) as typeof owner;
  } catch {
    // The owner file is written right after mkdir: a lock without one is either a
    // moment old or was left by a process killed in between.
    try {
      return Date.now() - statSync(lockDir).mtimeMs > 60_000;
    } catch {
      return false;
    }
  }
  if (typeof owner.at === 'number' && Date.now() - owner.at > LOCK_STALE_MS) return true;
  if (owner.host !== hostname() || typeof owner.pid !== 'number') return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
