/**
 * Turns `--input PATH[:REF]` into an ImageSource. Detects, in this order: an OCI
 * layout directory, an unpacked docker-save directory, and archive files (tar, or tar
 * compressed with gzip/zstd) holding either. Every document is size-capped, schema
 * checked and digest verified before use.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { StockadeError } from '../core/errors.js';
import type { ImageInfo, LayerRef } from '../core/types.js';
import { DirFiles, TarFiles, type ArchiveFiles } from './archive-files.js';
import { ByteMeter, ExpansionGuard, createDecompressor, sniffCompression } from './decompress.js';
import {
  INDEX_TYPES,
  MANIFEST_TYPES,
  MAX_DOCUMENT_BYTES,
  MEDIA,
  configSchema,
  formatPlatform,
  indexSchema,
  isAttestation,
  manifestSchema,
  parseDocument,
  platformMatches,
  verifyDigest,
  type Descriptor,
  type ImageConfig,
  type Platform,
} from './oci.js';
import type { ImageSource, LayerSource } from './source.js';

export interface OpenImageOptions {
  platform?: Platform;
  /** Where a compressed archive may be decompressed to (inside the cache dir). */
  tempDir: string;
  /** Upper bound for decompressing a compressed archive file. */
  maxArchiveBytes?: number;
}

const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };
export const MAX_INDEX_DEPTH = 4;

function blobName(digest: string): string {
  const [alg, hex] = digest.split(':') as [string, string];
  return `blobs/${alg}/${hex}`;
}

/** Splits `path:ref` when `path` alone exists and the whole string does not. */
export function splitInputRef(input: string): { path: string; ref?: string } {
  if (existsSync(input)) return { path: input };
  const colon = input.lastIndexOf(':');
  if (colon > 0 && existsSync(input.slice(0, colon))) return { path: input.slice(0, colon), ref: input.slice(colon + 1) };
  return { path: input };
}

export async function openImage(input: string, options: OpenImageOptions): Promise<ImageSource> {
  const { path, ref } = splitInputRef(input);
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new StockadeError('not_found', input, 'no such file or directory');
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of cleanups) await c();
  };
  try {
    let files: ArchiveFiles;
    if (st.isDirectory()) {
      files = new DirFiles(input, path);
    } else if (st.isFile()) {
      files = await openArchiveFile(input, path, options, cleanups);
    } else {
      throw new StockadeError('unsupported_format', input, 'not a regular file or directory');
    }
    const source = await readImage(input, files, ref, options.platform);
    return { ...source, close };
  } catch (e) {
    await close();
    throw e;
  }
}

async function openArchiveFile(label: string, path: string, options: OpenImageOptions, cleanups: Array<() => Promise<void>>): Promise<TarFiles> {
  const fh = await open(path, 'r');
  const head = Buffer.alloc(512);
  try {
    await fh.read(head, 0, 512, 0);
  } finally {
    await fh.close();
  }
  const compression = sniffCompression(head);
  if (compression === 'none') return TarFiles.open(label, path);
  // Random access into a compressed archive is impossible: decompress it once into
  // our cache dir (never elsewhere), bounded, and index that copy.
  await mkdir(options.tempDir, { recursive: true });
  const tmp = join(options.tempDir, `archive-${randomBytes(8).toString('hex')}.tar`);
  cleanups.push(() => rm(tmp, { force: true }));
  const limit = options.maxArchiveBytes ?? 64 * 1024 ** 3;
  const meter = new ByteMeter(false);
  const guard = new ExpansionGuard(meter, { label, maxBytes: limit, maxRatio: 1000 }, false);
  try {
    await pipeline(createReadStream(path), meter, createDecompressor(compression), guard, createWriteStream(tmp));
  } catch (e) {
    if (e instanceof StockadeError) throw e;
    throw new StockadeError('malformed_input', label, `cannot decompress ${compression} archive: ${(e as Error).message}`);
  }
  return TarFiles.open(label, tmp);
}

const dockerManifestSchema = z
  .array(
    z.object({
      Config: z.string(),
      RepoTags: z.array(z.string()).nullable().optional(),
      Layers: z.array(z.string()).max(10_000),
    }),
  )
  .max(10_000);

async function readImage(label: string, files: ArchiveFiles, ref: string | undefined, platform: Platform | undefined): Promise<Omit<ImageSource, 'close'>> {
  const hasIndex = await files.has('index.json');
  const hasDockerManifest = await files.has('manifest.json');
  let repoTags: string[] = [];
  if (hasDockerManifest) {
    const entries = parseDocument(label, 'manifest.json', await files.read('manifest.json', MAX_DOCUMENT_BYTES), dockerManifestSchema);
    repoTags = entries.flatMap((e) => e.RepoTags ?? []);
    if (!hasIndex) return readDockerArchive(label, files, entries, ref);
  }
  if (hasIndex) {
    const src = await readOciLayout(label, files, ref, platform);
    if (hasDockerManifest && src.info.repoTags.length === 0) src.info.repoTags = repoTags;
    return src;
  }
  throw new StockadeError(
    'unsupported_format',
    label,
    'not an OCI image layout, OCI archive or docker-save archive (no index.json or manifest.json); for an unpacked root filesystem use `stockade rootfs`',
  );
}

export interface Candidate {
  descriptor: Descriptor;
  /** Platform from the index entry that pointed here. */
  platform?: Platform;
  refName?: string;
}

async function readOciLayout(label: string, files: ArchiveFiles, ref: string | undefined, wanted: Platform | undefined): Promise<Omit<ImageSource, 'close'>> {
  const index = parseDocument(label, 'index.json', await files.read('index.json', MAX_DOCUMENT_BYTES), indexSchema);
  const notes: string[] = [];

  let top = index.manifests;
  if (ref !== undefined) {
    top = top.filter((d) => {
      const name = d.annotations?.['org.opencontainers.image.ref.name'];
      const full = d.annotations?.['io.containerd.image.name'];
      return name === ref || full === ref || d.digest === ref || (full !== undefined && full.endsWith(`:${ref}`));
    });
    if (top.length === 0) throw new StockadeError('not_found', label, `no image named ${JSON.stringify(ref)} in index.json`);
  }

  // Flatten nested indexes, remembering platform and name from the outer descriptor.
  const candidates: Candidate[] = [];
  const visited = new Set<string>();
  const visit = async (descs: Descriptor[], depth: number, inherited: Omit<Candidate, 'descriptor'>): Promise<void> => {
    for (const d of descs) {
      const refName = d.annotations?.['org.opencontainers.image.ref.name'] ?? inherited.refName;
      const platform = d.platform ?? inherited.platform;
      if (d.mediaType !== undefined && INDEX_TYPES.has(d.mediaType)) {
        if (visited.has(d.digest)) throw new StockadeError('hostile_input', label, `image index ${d.digest} refers to itself (a cycle)`);
        if (depth >= MAX_INDEX_DEPTH) throw new StockadeError('hostile_input', label, `image indexes nested more than ${MAX_INDEX_DEPTH} deep`);
        visited.add(d.digest);
        const bytes = await readBlob(label, files, d, 'image index');
        const nested = parseDocument(label, `image index ${d.digest}`, bytes, indexSchema);
        await visit(nested.manifests, depth + 1, { ...(platform ? { platform } : {}), ...(refName ? { refName } : {}) });
      } else if (d.mediaType === undefined || MANIFEST_TYPES.has(d.mediaType)) {
        if (!isAttestation(d)) candidates.push({ descriptor: d, ...(platform ? { platform } : {}), ...(refName ? { refName } : {}) });
      }
    }
  };
  await visit(top, 0, {});
  if (candidates.length === 0) throw new StockadeError('not_found', label, 'index.json lists no image manifests');

  const chosen = choosePlatform(label, candidates, wanted, notes);
  const manifestBytes = await readBlob(label, files, chosen.descriptor, 'image manifest');
  const manifest = parseDocument(label, `image manifest ${chosen.descriptor.digest}`, manifestBytes, manifestSchema);
  if (manifest.mediaType !== undefined && INDEX_TYPES.has(manifest.mediaType)) {
    throw new StockadeError('malformed_input', label, `${chosen.descriptor.digest} is an index where a manifest was expected`);
  }
  const configBytes = await readBlob(label, files, manifest.config, 'image config');
  const config = parseDocument(label, `image config ${manifest.config.digest}`, configBytes, configSchema);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new StockadeError('malformed_input', label, `manifest lists ${manifest.layers.length} layers but the config has ${config.rootfs.diff_ids.length} diff_ids`);
  }

  const repoTags = new Set<string>();
  const full = chosen.descriptor.annotations?.['io.containerd.image.name'];
  if (full) repoTags.add(full);
  else if (chosen.refName) repoTags.add(chosen.refName);

  const layers: LayerSource[] = manifest.layers.map((d, i) => {
    const diffID = config.rootfs.diff_ids[i] as string;
    const name = blobName(d.digest);
    return {
      index: i,
      digest: d.digest,
      size: d.size,
      diffID,
      ...(d.mediaType ? { mediaType: d.mediaType } : {}),
      label: name,
      open: () => files.stream(name),
    };
  });
  const info = imageInfo(label, files instanceof DirFiles ? 'oci-layout' : 'oci-archive', config, layers, {
    manifestDigest: chosen.descriptor.digest,
    configDigest: manifest.config.digest,
    repoTags: [...repoTags],
  });
  return { info, layers: attachHistory(layers, config), notes };
}

export function choosePlatform(label: string, candidates: Candidate[], wanted: Platform | undefined, notes: string[]): Candidate {
  const withPlatform = candidates.filter((c) => c.platform);
  if (candidates.length === 1) {
    const only = candidates[0] as Candidate;
    if (wanted && only.platform && !platformMatches(only.platform, wanted)) {
      throw new StockadeError('platform_not_found', label, `image is for ${formatPlatform(only.platform)}, not ${formatPlatform(wanted)}`);
    }
    return only;
  }
  if (withPlatform.length === 0) {
    const names = candidates.map((c) => c.refName ?? c.descriptor.digest).join(', ');
    throw new StockadeError('usage', label, `the layout holds ${candidates.length} images; pick one with ${label}:<ref> (${names})`);
  }
  const target = wanted ?? DEFAULT_PLATFORM;
  const match = withPlatform.find((c) => platformMatches(c.platform as Platform, target));
  if (!match) {
    const available = withPlatform.map((c) => formatPlatform(c.platform)).join(', ');
    throw new StockadeError('platform_not_found', label, `no ${formatPlatform(target)} image in the index (available: ${available}); choose one with --platform`);
  }
  notes.push(`multi-platform image: picked ${formatPlatform(match.platform)}${wanted ? '' : ' (the default; choose another with --platform)'} from ${withPlatform.map((c) => formatPlatform(c.platform)).join(', ')}`);
  return match;
}

async function readBlob(label: string, files: ArchiveFiles, d: Descriptor, what: string): Promise<Buffer> {
  if (d.size > MAX_DOCUMENT_BYTES) {
    throw new StockadeError('limit_exceeded', label, `${what} ${d.digest} is ${d.size} bytes, more than the ${MAX_DOCUMENT_BYTES}-byte limit`);
  }
  const name = blobName(d.digest);
  if (!(await files.has(name))) throw new StockadeError('not_found', label, `${what} blob ${d.digest} is missing`);
  const bytes = await files.read(name, MAX_DOCUMENT_BYTES);
  verifyDigest(label, `${what} ${d.digest}`, bytes, d.digest, d.size);
  return bytes;
}

async function readDockerArchive(
  label: string,
  files: ArchiveFiles,
  entries: z.infer<typeof dockerManifestSchema>,
  ref: string | undefined,
): Promise<Omit<ImageSource, 'close'>> {
  let entry = entries[0];
  if (ref !== undefined) entry = entries.find((e) => (e.RepoTags ?? []).some((t) => t === ref || t.endsWith(`:${ref}`) || t.split(':')[0] === ref));
  else if (entries.length > 1) {
    const names = entries.map((e) => (e.RepoTags ?? [])[0] ?? e.Config).join(', ');
    throw new StockadeError('usage', label, `the archive holds ${entries.length} images; pick one with ${label}:<tag> (${names})`);
  }
  if (!entry) throw new StockadeError('not_found', label, ref ? `no image tagged ${JSON.stringify(ref)} in manifest.json` : 'manifest.json lists no images');

  const configBytes = await files.read(entry.Config, MAX_DOCUMENT_BYTES);
  // The config's file name is its own digest (`<hex>.json` or `blobs/sha256/<hex>`).
  const hex = /([a-f0-9]{64})(?:\.json)?$/.exec(entry.Config)?.[1];
  if (hex) verifyDigest(label, `image config ${entry.Config}`, configBytes, `sha256:${hex}`);
  const config = parseDocument(label, `image config ${entry.Config}`, configBytes, configSchema);
  if (config.rootfs.diff_ids.length !== entry.Layers.length) {
    throw new StockadeError('malformed_input', label, `manifest.json lists ${entry.Layers.length} layers but the config has ${config.rootfs.diff_ids.length} diff_ids`);
  }
  const layers: LayerSource[] = entry.Layers.map((name, i) => {
    const blobHex = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name)?.[1];
    return {
      index: i,
      ...(blobHex ? { digest: `sha256:${blobHex}` } : {}),
      diffID: config.rootfs.diff_ids[i] as string,
      label: name,
      open: () => files.stream(name),
    };
  });
  const info = imageInfo(label, 'docker-archive', config, layers, {
    ...(hex ? { configDigest: `sha256:${hex}` } : {}),
    repoTags: entry.RepoTags ?? [],
  });
  return { info, layers: attachHistory(layers, config), notes: [] };
}

/** Non-empty history entries line up with layers, in order. */
export function attachHistory(layers: LayerSource[], config: ImageConfig): LayerSource[] {
  const producing = (config.history ?? []).filter((h) => !h.empty_layer);
  if (producing.length !== layers.length) return layers;
  return layers.map((l, i) => {
    const createdBy = producing[i]?.created_by;
    return createdBy ? { ...l, createdBy } : l;
  });
}

export function imageInfo(
  label: string,
  sourceKind: ImageInfo['sourceKind'],
  config: ImageConfig,
  layers: LayerSource[],
  ids: { manifestDigest?: string; configDigest?: string; repoTags: string[] },
): ImageInfo {
  const producing = (config.history ?? []).filter((h) => !h.empty_layer);
  const refs: LayerRef[] = layers.map((l, i) => {
    const createdBy = producing.length === layers.length ? producing[i]?.created_by : undefined;
    return { index: i, diffID: l.diffID, ...(l.digest ? { digest: l.digest } : {}), ...(createdBy ? { createdBy } : {}) };
  });
  return {
    name: label,
    sourceKind,
    ...(ids.manifestDigest ? { manifestDigest: ids.manifestDigest } : {}),
    ...(ids.configDigest ? { configDigest: ids.configDigest } : {}),
    repoTags: ids.repoTags,
    repoDigests: [],
    ...(config.os && config.architecture
      ? { platform: { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) } }
      : {}),
    layers: refs,
    ...(config.created ? { created: config.created } : {}),
    ...(config.config ? { config: config.config } : {}),
    ...(config.history ? { history: config.history } : {}),
  };
}

export { MEDIA };
