/**
 * Hand-made images for the image reader's tests, in pure Node: tar-stream writes the
 * tars, zlib and zstd-napi compress. Everything is correct (digests, diffIDs, sizes,
 * media types) unless a test asks for a specific corruption, so each hostile fixture
 * differs from a valid one in exactly one way.
 *
 * Shapes follow the OCI image-spec (image-layout.md, image-index.md, manifest.md,
 * config.md, layer.md) and Docker's `docker save` output: the legacy
 * `<id>/layer.tar` archive and the Docker 25+ archive that is an OCI layout plus a
 * `manifest.json`. craft-image.test.ts checks the output with skopeo, umoci, tar,
 * sha256sum, gzip and zstd.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';

// ---------------------------------------------------------------------------------
// Tar entries and layers

export type EntryType = 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';

/**
 * One tar entry. `path` is written exactly as given (no normalisation), so tests can
 * write `../escape`, `/abs/path`, `.wh.name` and `dir/.wh..wh..opq`.
 */
export interface EntrySpec {
  path: string;
  /** Default: 'file'. */
  type?: EntryType;
  content?: string | Buffer;
  /** Permission bits; default 0o644 for files, 0o755 for directories. */
  mode?: number;
  /** Target of a symlink or hard link. */
  linkname?: string;
  uid?: number;
  gid?: number;
  /** Default: FIXED_MTIME, so the same entries always give the same digest. */
  mtime?: Date;
  devmajor?: number;
  devminor?: number;
}

export type Compression = 'gzip' | 'zstd' | 'none';

/** Modification time of every crafted entry unless given: digests stay stable. */
export const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');
export const FIXED_CREATED = '2024-01-01T00:00:00Z';

type TarHeader = Partial<tar.Header> & Pick<tar.Header, 'name'>;

const TAR_TYPES: Record<EntryType, tar.Header['type']> = {
  file: 'file',
  dir: 'directory',
  symlink: 'symlink',
  link: 'link',
  char: 'character-device',
  block: 'block-device',
  fifo: 'fifo',
};

function tarHeader(e: EntrySpec): TarHeader {
  const type = e.type ?? 'file';
  return {
    name: e.path,
    type: TAR_TYPES[type],
    mode: e.mode ?? (type === 'dir' ? 0o755 : 0o644),
    uid: e.uid ?? 0,
    gid: e.gid ?? 0,
    mtime: e.mtime ?? FIXED_MTIME,
    ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
    devmajor: e.devmajor ?? 0,
    devminor: e.devminor ?? 0,
  };
}

/** An uncompressed layer tar with the given entries, in the given order. */
export async function makeLayerTar(entries: EntrySpec[]): Promise<Buffer> {
  const pack = tar.pack();
  const collected = collect(pack);
  for (const e of entries) {
    const body = (e.type ?? 'file') === 'file' ? toBuffer(e.content ?? '') : undefined;
    await packEntry(pack, tarHeader(e), body);
  }
  pack.finalize();
  return collected;
}

/** Reads a Node or streamx (tar-stream) readable to the end. */
async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) {
    if (!(c instanceof Uint8Array)) throw new Error('stream yielded a non-binary chunk');
    chunks.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  }
  return Buffer.concat(chunks);
}

function toBuffer(b: string | Buffer): Buffer {
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** zstd-napi is an optional dependency: load it only when a test asks for zstd. */
type ZstdModule = typeof import('zstd-napi');
let zstdModule: Promise<ZstdModule> | undefined;
async function loadZstd(): Promise<ZstdModule> {
  zstdModule ??= import('zstd-napi').catch((e: unknown) => {
    throw new Error(`zstd compression needs the optional zstd-napi package: ${String(e)}`);
  });
  return zstdModule;
}

export async function compress(data: Buffer, compression: Compression): Promise<Buffer> {
  switch (compression) {
    case 'none':
      return data;
    case 'gzip':
      return gzipSync(data);
    case 'zstd': {
      // checksumFlag: zstd -t then verifies the content, as real zstd layers do.
      const { Compressor } = await loadZstd();
      const c = new Compressor();
      c.setParameters({ checksumFlag: true });
      return c.compress(data);
    }
  }
}

/** A layer whose bytes were made elsewhere (a bomb, a tar from another tool). */
export interface PrebuiltLayer {
  /** The blob as stored. */
  blob: Buffer;
  compression: Compression;
  /** sha256 of the uncompressed tar, or of whatever the blob decompresses to. */
  diffID: string;
  uncompressedSize: number;
}

export interface LayerSpec {
  /** The layer's tar entries; ignored when `prebuilt` is given. */
  entries?: EntrySpec[];
  prebuilt?: PrebuiltLayer;
  /** Default 'gzip' in layouts, 'none' in docker archives (what `docker save` writes). */
  compression?: Compression;
  /** Overrides the media type that the compression and media-type family imply. */
  mediaType?: string;
  /** History `created_by` for this layer. */
  createdBy?: string;
  /**
   * Exactly one thing wrong:
   * - 'digest': the blob is stored, and described, under a digest that is not its
   *   sha256 (size still right, content still decompresses to the right diffID);
   * - 'diffid': the config's rootfs.diff_ids entry is not the tar's sha256;
   * - 'truncate': the blob is cut in half; its descriptor describes the cut bytes
   *   (so digest checks pass and decompression / tar parsing must fail);
   * - 'size': the descriptor's size is one more than the blob's.
   */
  corrupt?: 'digest' | 'diffid' | 'truncate' | 'size';
}

/** A layer ready to write, with every fact the writers need. */
export interface BuiltLayer {
  blob: Buffer;
  compression: Compression;
  /** Digest the descriptor names (differs from sha256(blob) only for corrupt: 'digest'). */
  digest: string;
  /** Size the descriptor names (differs from blob.length only for corrupt: 'size'). */
  size: number;
  /** Digest the config's diff_ids names. */
  diffID: string;
  /** The true sha256 of the uncompressed content. */
  trueDiffID: string;
  uncompressedSize: number;
  createdBy?: string;
  corrupt?: LayerSpec['corrupt'];
}

export async function buildLayer(spec: LayerSpec, defaultCompression: Compression): Promise<BuiltLayer> {
  let blob: Buffer;
  let compression: Compression;
  let trueDiffID: string;
  let uncompressedSize: number;
  if (spec.prebuilt) {
    ({ blob, compression, diffID: trueDiffID, uncompressedSize } = spec.prebuilt);
  } else {
    compression = spec.compression ?? defaultCompression;
    const tarBytes = await makeLayerTar(spec.entries ?? []);
    blob = await compress(tarBytes, compression);
    trueDiffID = sha256Digest(tarBytes);
    uncompressedSize = tarBytes.length;
  }
  if (spec.corrupt === 'truncate') blob = blob.subarray(0, Math.floor(blob.length / 2));
  const trueDigest = sha256Digest(blob);
  return {
    blob,
    compression,
    digest: spec.corrupt === 'digest' ? sha256Digest(Buffer.concat([blob, Buffer.from('not this blob')])) : trueDigest,
    size: spec.corrupt === 'size' ? blob.length + 1 : blob.length,
    diffID: spec.corrupt === 'diffid' ? sha256Digest(`not the diffID of ${trueDiffID}`) : trueDiffID,
    trueDiffID,
    uncompressedSize,
    ...(spec.createdBy !== undefined ? { createdBy: spec.createdBy } : {}),
    ...(spec.corrupt !== undefined ? { corrupt: spec.corrupt } : {}),
  };
}

// ---------------------------------------------------------------------------------
// Media types, descriptors, configs

export const MEDIA_TYPES = {
  oci: {
    index: 'application/vnd.oci.image.index.v1+json',
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: {
      none: 'application/vnd.oci.image.layer.v1.tar',
      gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
      zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
    },
  },
  docker: {
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: {
      none: 'application/vnd.docker.image.rootfs.diff.tar',
      gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      // Not in Docker's own spec; containerd and buildkit use this spelling.
      zstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
    },
  },
} as const;

export type MediaTypeFamily = keyof typeof MEDIA_TYPES;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The `config` part of an image config (the runtime defaults). */
export interface ContainerConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Volumes?: Record<string, Record<string, never>>;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number };
  [key: string]: unknown;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  author?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created: string;
  architecture: string;
  os: string;
  variant?: string;
  config: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: HistoryEntry[];
}

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };
const OCI_LAYOUT_FILE = JSON.stringify({ imageLayoutVersion: '1.0.0' });

function makeConfig(layers: BuiltLayer[], platform: Platform, config: ContainerConfig | undefined, history: HistoryEntry[] | undefined): ImageConfig {
  return {
    created: FIXED_CREATED,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: config ?? {},
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    history: history ?? layers.map((l, i) => ({ created: FIXED_CREATED, created_by: l.createdBy ?? `crafted layer ${i}` })),
  };
}

function layerMediaType(spec: LayerSpec, built: BuiltLayer, family: MediaTypeFamily): string {
  return spec.mediaType ?? MEDIA_TYPES[family].layer[built.compression];
}

function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

// ---------------------------------------------------------------------------------
// OCI image layout

export interface OciLayoutOptions {
  layers: LayerSpec[];
  /** Runtime config (User, Env, Cmd ...) placed under the image config's `config`. */
  config?: ContainerConfig;
  /** Replaces the generated history (one entry per layer); use for empty_layer entries. */
  history?: HistoryEntry[];
  /**
   * Multi-platform: an index with one manifest per platform. Each platform gets
   * `layersFor(platform)` when given, else `layers`.
   */
  platforms?: Platform[];
  layersFor?: (platform: Platform) => LayerSpec[];
  /**
   * true: index.json points at an image index blob that lists the manifests (what
   * skopeo and buildx write for multi-platform images). A number: that many nested
   * index blobs, for depth-limit tests.
   */
  nestedIndex?: boolean | number;
  /** Tag in the `org.opencontainers.image.ref.name` annotation; default 'latest'. */
  refName?: string;
  /**
   * index.json points at an index blob that lists itself. Content addressing makes a
   * true cycle impossible, so the blob is stored under a digest that its content does
   * not hash to: a reader meets either a digest mismatch or a loop.
   */
  selfReferencingIndex?: boolean;
  /** Bytes written as every manifest blob (its descriptor matches these bytes). */
  manifestOverride?: string | Buffer;
  /** Bytes written as every config blob (its descriptor matches these bytes). */
  configOverride?: string | Buffer;
  /** Bytes written as index.json. */
  indexJsonOverride?: string | Buffer;
  /** Media types: OCI (default) or Docker schema 2. */
  mediaTypes?: MediaTypeFamily;
  /** Leave out the `oci-layout` marker file. */
  omitOciLayoutFile?: boolean;
}

export interface CraftedManifest {
  platform: Platform;
  descriptor: Descriptor;
  config: Descriptor;
  layers: Array<BuiltLayer & { mediaType: string }>;
}

export interface CraftedLayout {
  dir: string;
  refName: string;
  /** The descriptor index.json lists (a manifest, or the outer index when nested). */
  top: Descriptor;
  manifests: CraftedManifest[];
}

/** Writes blobs/sha256/<hex> under `dir`; returns the file path. */
async function writeBlob(dir: string, digest: string, data: Buffer): Promise<string> {
  const [alg, hex] = digest.split(':');
  const blobDir = join(dir, 'blobs', alg ?? 'sha256');
  await mkdir(blobDir, { recursive: true });
  const file = join(blobDir, hex ?? '');
  await writeFile(file, data);
  return file;
}

async function putBlob(dir: string, mediaType: string, data: Buffer, extra?: Partial<Descriptor>): Promise<Descriptor> {
  const digest = sha256Digest(data);
  await writeBlob(dir, digest, data);
  return { mediaType, digest, size: data.length, ...extra };
}

/** Writes an OCI image layout (image-layout.md) into `dir`, which is created. */
export async function writeOciLayout(dir: string, opts: OciLayoutOptions): Promise<CraftedLayout> {
  const family = opts.mediaTypes ?? 'oci';
  const types = MEDIA_TYPES[family];
  const refName = opts.refName ?? 'latest';
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  if (!opts.omitOciLayoutFile) await writeFile(join(dir, 'oci-layout'), OCI_LAYOUT_FILE);

  const platforms = opts.platforms ?? [DEFAULT_PLATFORM];
  const multi = opts.platforms !== undefined;
  const manifests: CraftedManifest[] = [];
  for (const platform of platforms) {
    const specs = opts.layersFor?.(platform) ?? opts.layers;
    const layers: Array<BuiltLayer & { mediaType: string }> = [];
    for (const spec of specs) {
      const built = await buildLayer(spec, 'gzip');
      await writeBlob(dir, built.digest, built.blob);
      layers.push({ ...built, mediaType: layerMediaType(spec, built, family) });
    }
    const configBytes = opts.configOverride !== undefined
      ? toBuffer(opts.configOverride)
      : jsonBytes(makeConfig(layers, platform, opts.config, opts.history));
    const config = await putBlob(dir, types.config, configBytes);
    const manifestBytes = opts.manifestOverride !== undefined
      ? toBuffer(opts.manifestOverride)
      : jsonBytes({
          schemaVersion: 2,
          mediaType: types.manifest,
          config,
          layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
        });
    const descriptor = await putBlob(dir, types.manifest, manifestBytes, multi ? { platform } : {});
    manifests.push({ platform, descriptor, config, layers });
  }

  const refAnnotation = { annotations: { [REF_NAME_ANNOTATION]: refName } };
  let topEntries: Descriptor[];
  let top: Descriptor;
  if (opts.selfReferencingIndex) {
    top = await writeSelfReferencingIndex(dir, types.index);
    top = { ...top, ...refAnnotation };
    topEntries = [top];
  } else if (opts.nestedIndex) {
    const depth = opts.nestedIndex === true ? 1 : Math.max(1, opts.nestedIndex);
    let children: Descriptor[] = manifests.map((m) => m.descriptor);
    let outer: Descriptor | undefined;
    for (let i = 0; i < depth; i++) {
      outer = await putBlob(dir, types.index, jsonBytes({ schemaVersion: 2, mediaType: types.index, manifests: children }));
      children = [outer];
    }
    top = { ...(outer as Descriptor), ...refAnnotation };
    topEntries = [top];
  } else if (multi) {
    // Flat multi-platform index.json: one entry per platform, no ref names (a tag
    // naming several manifests would be ambiguous).
    topEntries = manifests.map((m) => m.descriptor);
    top = topEntries[0] as Descriptor;
  } else {
    top = { ...(manifests[0]?.descriptor as Descriptor), ...refAnnotation };
    topEntries = [top];
  }

  const indexJson = opts.indexJsonOverride !== undefined
    ? toBuffer(opts.indexJsonOverride)
    : jsonBytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.oci.index, manifests: topEntries });
  await writeFile(join(dir, 'index.json'), indexJson);
  return { dir, refName, top, manifests };
}

async function writeSelfReferencingIndex(dir: string, indexType: string): Promise<Descriptor> {
  const name = sha256Digest('stockade: an index that names itself');
  // The size field must equal the blob's own length, which depends on the size's own
  // digit count: iterate to the fixed point (two rounds at most in practice).
  const render = (size: number): Buffer =>
    jsonBytes({ schemaVersion: 2, mediaType: indexType, manifests: [{ mediaType: indexType, digest: name, size }] });
  let size = render(0).length;
  for (let i = 0; i < 5 && render(size).length !== size; i++) size = render(size).length;
  const bytes = render(size);
  if (bytes.length !== size) throw new Error('self-referencing index: size did not converge');
  await writeBlob(dir, name, bytes);
  return { mediaType: indexType, digest: name, size };
}

/** Lists a directory tree as tar entries, sorted, directories first within a level. */
async function listTree(root: string): Promise<Array<{ rel: string; abs: string; dir: boolean; size: number }>> {
  const out: Array<{ rel: string; abs: string; dir: boolean; size: number }> = [];
  async function walk(abs: string, depth: number): Promise<void> {
    if (depth > 16) throw new Error(`directory tree too deep: ${abs}`);
    const names = (await readdir(abs)).sort();
    for (const name of names) {
      const p = join(abs, name);
      const st = await stat(p);
      const rel = relative(root, p).split(sep).join('/');
      if (st.isDirectory()) {
        out.push({ rel: `${rel}/`, abs: p, dir: true, size: 0 });
        await walk(p, depth + 1);
      } else {
        out.push({ rel, abs: p, dir: false, size: st.size });
      }
    }
  }
  await walk(root, 0);
  return out;
}

export interface ArchiveOrder {
  /** Put index.json, oci-layout and manifest.json before the blobs (streaming-friendly). Default: sorted, blobs first. */
  metadataFirst?: boolean;
}

const METADATA_FILES = new Set(['index.json', 'oci-layout', 'manifest.json', 'repositories']);

/** Tars a directory (an OCI layout or a docker-save tree) into `file`, streaming file contents. */
async function tarTree(file: string, root: string, order: ArchiveOrder = {}, extraEntries: EntrySpec[] = []): Promise<void> {
  let entries = await listTree(root);
  if (order.metadataFirst) {
    entries = [...entries.filter((e) => METADATA_FILES.has(e.rel)), ...entries.filter((e) => !METADATA_FILES.has(e.rel))];
  }
  const pack = tar.pack();
  const out = createWriteStream(file);
  const written = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
    pack.on('error', reject);
  });
  pack.pipe(out);
  for (const e of entries) {
    if (e.dir) {
      await packEntry(pack, { name: e.rel, type: 'directory', mode: 0o755, mtime: FIXED_MTIME });
      continue;
    }
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ name: e.rel, type: 'file', size: e.size, mode: 0o644, mtime: FIXED_MTIME }, (err) => (err ? reject(err) : resolve()));
      const src = createReadStream(e.abs);
      src.on('error', reject);
      src.pipe(sink);
    });
  }
  for (const e of extraEntries) {
    const body = (e.type ?? 'file') === 'file' ? toBuffer(e.content ?? '') : undefined;
    await packEntry(pack, tarHeader(e), body);
  }
  pack.finalize();
  await written;
}

function packEntry(pack: tar.Pack, header: TarHeader, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (body === undefined) pack.entry(header, done);
    else pack.entry(header, body, done);
  });
}

/** An OCI archive: the layout directory as a tar (what `oci-archive:` transports read). */
export async function writeOciArchive(file: string, layoutDir: string, order: ArchiveOrder = {}): Promise<void> {
  await tarTree(file, layoutDir, order);
}

// ---------------------------------------------------------------------------------
// docker save archives

export interface DockerArchiveOptions {
  layers: LayerSpec[];
  config?: ContainerConfig;
  history?: HistoryEntry[];
  /** Familiar names as `docker save` records them, e.g. `alpine:3.19`, `ghcr.io/o/x:1`. */
  repoTags?: string[];
  /**
   * 'legacy': `docker save` before Docker 25: `<id>/layer.tar`, `<id>/json`,
   * `<id>/VERSION`, `<config hex>.json`, `manifest.json`, `repositories`.
   * 'oci': Docker 25+: an OCI layout (`oci-layout`, `index.json`, `blobs/sha256/...`)
   * plus `manifest.json` whose Config and Layers are `blobs/sha256/<hex>` paths.
   */
  style: 'legacy' | 'oci';
  platform?: Platform;
  /** Bytes written as manifest.json instead of the generated one. */
  manifestJsonOverride?: string | Buffer;
  /** Extra entries appended to the outer tar (duplicates, escapes ...). */
  extraEntries?: EntrySpec[];
  order?: ArchiveOrder;
}

export interface CraftedDockerArchive {
  file: string;
  configDigest: string;
  layers: BuiltLayer[];
  /** manifest.json as written (unless overridden). */
  manifestJson: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }>;
}

/** `name:tag` -> the fully qualified name Docker puts in index.json annotations. */
export function fullyQualifiedName(familiar: string): string {
  const slash = familiar.indexOf('/');
  const first = slash === -1 ? '' : familiar.slice(0, slash);
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return familiar;
  return slash === -1 ? `docker.io/library/${familiar}` : `docker.io/${familiar}`;
}

/** Splits `repo:tag` at the last colon after the last slash; no tag -> 'latest'. */
export function splitRepoTag(ref: string): { repo: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

/**
 * Chain IDs as the image spec defines them (config.md, "Layer ChainID"): the first is
 * the first diffID, each next is sha256 of "<previous chainID> <diffID>".
 */
export function chainIDs(diffIDs: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIDs) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256Digest(`${prev} ${d}`));
  }
  return out;
}

export async function writeDockerArchive(file: string, opts: DockerArchiveOptions): Promise<CraftedDockerArchive> {
  const platform = opts.platform ?? DEFAULT_PLATFORM;
  const repoTags = opts.repoTags ?? [];
  const layers: BuiltLayer[] = [];
  for (const spec of opts.layers) layers.push(await buildLayer(spec, 'none'));
  const config = makeConfig(layers, platform, opts.config, opts.history);
  const configBytes = jsonBytes(config);
  const configDigest = sha256Digest(configBytes);
  const configHex = configDigest.slice('sha256:'.length);

  const tree = `${file}.tree-${process.pid}`;
  await rm(tree, { recursive: true, force: true });
  await mkdir(tree, { recursive: true });
  try {
    let manifestJson: CraftedDockerArchive['manifestJson'];
    const repositories: Record<string, Record<string, string>> = {};
    if (opts.style === 'legacy') {
      const ids = legacyLayerIDs(layers, config);
      for (const [i, l] of layers.entries()) {
        const id = ids[i] as string;
        await mkdir(join(tree, id));
        await writeFile(join(tree, id, 'VERSION'), '1.0');
        await writeFile(join(tree, id, 'json'), jsonBytes(legacyLayerJson(id, i === 0 ? undefined : ids[i - 1], config, i === layers.length - 1)));
        await writeFile(join(tree, id, 'layer.tar'), l.blob);
      }
      await writeFile(join(tree, `${configHex}.json`), configBytes);
      manifestJson = [{ Config: `${configHex}.json`, RepoTags: repoTags.length ? repoTags : null, Layers: ids.map((id) => `${id}/layer.tar`) }];
      const top = ids[ids.length - 1] ?? '';
      for (const t of repoTags) {
        const { repo, tag } = splitRepoTag(t);
        (repositories[repo] ??= {})[tag] = top;
      }
    } else {
      await writeFile(join(tree, 'oci-layout'), OCI_LAYOUT_FILE);
      await writeBlob(tree, configDigest, configBytes);
      for (const l of layers) await writeBlob(tree, l.digest, l.blob);
      const manifest = jsonBytes({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.oci.manifest,
        config: { mediaType: MEDIA_TYPES.oci.config, digest: configDigest, size: configBytes.length },
        layers: layers.map((l) => ({ mediaType: MEDIA_TYPES.oci.layer[l.compression], digest: l.digest, size: l.size })),
      });
      const manifestDesc = await putBlob(tree, MEDIA_TYPES.oci.manifest, manifest);
      const indexManifests = repoTags.length
        ? repoTags.map((t) => ({
            ...manifestDesc,
            annotations: { 'io.containerd.image.name': fullyQualifiedName(t), [REF_NAME_ANNOTATION]: splitRepoTag(t).tag },
          }))
        : [manifestDesc];
      await writeFile(join(tree, 'index.json'), jsonBytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.oci.index, manifests: indexManifests }));
      const blobPath = (d: string): string => `blobs/sha256/${d.slice('sha256:'.length)}`;
      manifestJson = [{ Config: blobPath(configDigest), RepoTags: repoTags.length ? repoTags : null, Layers: layers.map((l) => blobPath(l.digest)) }];
      const top = layers[layers.length - 1]?.digest.slice('sha256:'.length) ?? '';
      for (const t of repoTags) {
        const { repo, tag } = splitRepoTag(t);
        (repositories[repo] ??= {})[tag] = top;
      }
    }
    await writeFile(join(tree, 'manifest.json'), opts.manifestJsonOverride !== undefined ? toBuffer(opts.manifestJsonOverride) : jsonBytes(manifestJson));
    if (repoTags.length) await writeFile(join(tree, 'repositories'), jsonBytes(repositories));
    await tarTree(file, tree, opts.order, opts.extraEntries);
    return { file, configDigest, layers, manifestJson };
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

/** Legacy v1 layer IDs: sha256 over the chain ID and the parent, like Docker's v1.CreateID. */
function legacyLayerIDs(layers: BuiltLayer[], config: ImageConfig): string[] {
  const chains = chainIDs(layers.map((l) => l.diffID));
  const ids: string[] = [];
  for (const [i, chain] of chains.entries()) {
    const parent = ids[i - 1] ?? '';
    const top = i === chains.length - 1 ? JSON.stringify(config.config) : '';
    ids.push(createHash('sha256').update(`${chain}\n${parent}\n${top}`).digest('hex'));
  }
  return ids;
}

function legacyLayerJson(id: string, parent: string | undefined, config: ImageConfig, isTop: boolean): Record<string, unknown> {
  return {
    id,
    ...(parent ? { parent } : {}),
    created: isTop ? config.created : '1970-01-01T00:00:00Z',
    container_config: isTop ? config.config : {},
    ...(isTop ? { config: config.config, architecture: config.architecture } : {}),
    os: config.os,
  };
}

// ---------------------------------------------------------------------------------
// Decompression bombs

export interface BombOptions {
  /** How many bytes the blob expands to (at least the tar framing when shape is 'tar-file'). */
  uncompressedBytes: number;
  compression: 'gzip' | 'zstd';
  /**
   * 'tar-file' (default): a valid tar holding one regular file `bomb` of zeros, so a
   * reader must stream the whole expansion to walk the tar.
   * 'zeros': bare zeros (a tar reader sees end-of-archive at once; only diffID
   * verification expands it all).
   */
  shape?: 'tar-file' | 'zeros';
  /** Name of the file inside the tar; default 'bomb'. */
  fileName?: string;
}

const ZERO_CHUNK = Buffer.alloc(1 << 20);

/** A readable of `n` zero bytes, made from one shared chunk (never holds `n` bytes). */
function zeros(n: number): Readable {
  let left = n;
  return new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const take = Math.min(left, ZERO_CHUNK.length);
      left -= take;
      this.push(take === ZERO_CHUNK.length ? ZERO_CHUNK : ZERO_CHUNK.subarray(0, take));
    },
  });
}

/** The tar framing of one regular file: 512-byte header, padding, two zero blocks. */
const TAR_OVERHEAD = 512 + 1024;

/** Pipes the bomb's uncompressed bytes into `dest`. */
function pipeBombSource(opts: BombOptions, dest: Transform, onError: (e: Error) => void): void {
  if ((opts.shape ?? 'tar-file') === 'zeros') {
    const z = zeros(opts.uncompressedBytes);
    z.on('error', onError);
    z.pipe(dest);
    return;
  }
  let fileSize = Math.max(0, opts.uncompressedBytes - TAR_OVERHEAD);
  fileSize -= fileSize % 512; // no padding, so the total is exact when uncompressedBytes is a 512 multiple
  const pack = tar.pack();
  const sink = pack.entry({ name: opts.fileName ?? 'bomb', type: 'file', size: fileSize, mode: 0o644, mtime: FIXED_MTIME }, (err) => {
    if (err) pack.destroy(err);
    else pack.finalize();
  });
  pack.on('error', onError);
  zeros(fileSize).pipe(sink);
  pack.pipe(dest);
}

/** Passes bytes through while hashing and counting them (the diffID of a bomb). */
class HashingTap extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/**
 * A compressed blob that expands to `uncompressedBytes`, streamed so neither side is
 * ever held whole; the diffID is hashed on the way. gzip of zeros is ~1/1000 the size
 * and takes about 2 s per GiB here; zstd is far smaller.
 */
export async function makeBomb(opts: BombOptions): Promise<PrebuiltLayer> {
  let compressor: Transform;
  if (opts.compression === 'gzip') {
    compressor = createGzip({ level: 9 });
  } else {
    const { CompressStream } = await loadZstd();
    compressor = new CompressStream({ compressionLevel: 3, checksumFlag: true });
  }
  const tap = new HashingTap();
  let fail: (e: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  tap.on('error', fail);
  compressor.on('error', fail);
  tap.pipe(compressor);
  pipeBombSource(opts, tap, fail);
  const blob = await Promise.race([collect(compressor), failed]);
  return { blob, compression: opts.compression, diffID: `sha256:${tap.hash.digest('hex')}`, uncompressedSize: tap.bytes };
}

export function gzipBomb(uncompressedBytes: number, shape: BombOptions['shape'] = 'tar-file'): Promise<PrebuiltLayer> {
  return makeBomb({ uncompressedBytes, compression: 'gzip', shape });
}

export function zstdBomb(uncompressedBytes: number, shape: BombOptions['shape'] = 'tar-file'): Promise<PrebuiltLayer> {
  return makeBomb({ uncompressedBytes, compression: 'zstd', shape });
}
