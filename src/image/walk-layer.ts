/**
 * Streams one layer exactly once: raw blob -> sha256 (blob digest) -> decompress ->
 * sha256 (diffID) + bomb guard -> tar entries -> the extractors that asked for each
 * file. Nothing is written to disk and no file is held in memory unless an
 * extractor asked for it (and then only up to that extractor's cap).
 */
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import * as tar from 'tar-stream';
import { StockadeError } from '../core/errors.js';
import type { FileMeta, ScanWarning } from '../core/types.js';
import { DEFAULT_MAX_EXTRACT_BYTES, type Extraction, type Extractor, type StreamSink } from '../inventory/extractor.js';
import { ByteMeter, ExpansionGuard, createDecompressor, sniffStream } from './decompress.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX, baseName, normalizeEntryPath, parentOf } from './entry-path.js';
import type { EntryType, ExtractionRecord, FileEntry, LayerAnalysis } from './layer-analysis.js';
import type { LayerSource } from './source.js';

export interface WalkLimits {
  maxLayerBytes: number;
  maxExpansionRatio: number;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = {
  maxLayerBytes: 16 * 1024 ** 3,
  maxExpansionRatio: 500,
};

export interface WalkOptions {
  extractors: readonly Extractor[];
  limits: WalkLimits;
  /** Called with compressed bytes read so far (for progress bars). */
  onBytes?: (delta: number) => void;
}

const TYPE_CODES: Record<string, EntryType | undefined> = {
  file: 'f',
  'contiguous-file': 'f',
  directory: 'd',
  symlink: 'l',
  link: 'h',
  'character-device': 'c',
  'block-device': 'b',
  fifo: 'p',
};

/** A file an extractor asked for, being collected while its tar entry streams by. */
interface Capture {
  bufferExtractors: Array<Extractor & { kind: 'buffer' }>;
  sinks: Array<{ id: string; sink: StreamSink }>;
  chunks: Buffer[];
  collect: boolean;
}

export class LayerExtractionRunner {
  readonly records: ExtractionRecord[] = [];
  readonly warnings: ScanWarning[] = [];
  /** `extractor\0path` of every file an extractor has read, whether it found anything or not. */
  readonly processed = new Set<string>();

  constructor(private readonly extractors: readonly Extractor[]) {}

  /** Decides which extractors want a file; returns undefined when none do. */
  begin(path: string, meta: FileMeta, only?: ReadonlySet<string>): Capture | undefined {
    let capture: Capture | undefined;
    for (const ex of this.extractors) {
      if (only && !only.has(ex.id)) continue;
      if (!ex.wants(path, meta)) continue;
      capture ??= { bufferExtractors: [], sinks: [], chunks: [], collect: false };
      if (ex.kind === 'buffer') {
        const max = ex.maxBytes ?? DEFAULT_MAX_EXTRACT_BYTES;
        if (meta.size > max) {
          this.warnings.push({ input: '/' + path, message: `${meta.size} bytes is over the ${max}-byte limit of extractor ${ex.id}; not read` });
          continue;
        }
        capture.bufferExtractors.push(ex);
        capture.collect = true;
      } else {
        try {
          capture.sinks.push({ id: ex.id, sink: ex.open({ path, meta }) });
        } catch (e) {
          this.fail(path, ex.id, e);
        }
      }
    }
    return capture && (capture.collect || capture.sinks.length > 0) ? capture : undefined;
  }

  write(capture: Capture, chunk: Buffer, path: string): void {
    if (capture.collect) capture.chunks.push(chunk);
    for (let i = 0; i < capture.sinks.length; i++) {
      const s = capture.sinks[i] as { id: string; sink: StreamSink };
      try {
        s.sink.write(chunk);
      } catch (e) {
        this.fail(path, s.id, e);
        capture.sinks.splice(i--, 1);
      }
    }
  }

  async finish(capture: Capture, path: string, meta: FileMeta): Promise<void> {
    const bytes = capture.collect ? Buffer.concat(capture.chunks) : Buffer.alloc(0);
    capture.chunks = [];
    for (const ex of capture.bufferExtractors) {
      try {
        this.record(path, ex.id, await ex.extract({ path, meta, bytes }));
      } catch (e) {
        this.fail(path, ex.id, e);
      }
    }
    for (const { id, sink } of capture.sinks) {
      try {
        this.record(path, id, await sink.finish());
      } catch (e) {
        this.fail(path, id, e);
      }
    }
  }

  private record(path: string, extractor: string, result: Extraction): void {
    this.processed.add(`${extractor}\0${path}`);
    const empty = !result.packages?.length && !result.ownership?.length && !result.os && !result.warnings?.length && !result.secrets?.length;
    if (!empty) this.records.push({ path, extractor, result });
  }

  /** One unreadable file makes the inventory incomplete but does not stop the scan. */
  private fail(path: string, extractor: string, e: unknown): void {
    this.processed.add(`${extractor}\0${path}`);
    const message = e instanceof StockadeError ? e.message : e instanceof Error ? e.message : String(e);
    this.warnings.push({ input: '/' + path, message: `${extractor}: ${message}`, incomplete: true });
  }
}

interface PendingLink {
  link: string;
  target: string;
  meta: FileMeta;
}

export async function walkLayer(layer: LayerSource, options: WalkOptions): Promise<LayerAnalysis> {
  const label = `layer ${layer.index} (${layer.label})`;
  const runner = new LayerExtractionRunner(options.extractors);
  const entries: FileEntry[] = [];
  const whiteouts: string[] = [];
  const opaqueDirs: string[] = [];
  const pending: PendingLink[] = [];
  const extractions: Array<Promise<void>> = [];

  const { compressed, uncompressed } = await streamEntries(layer, label, options, async (header, path, body) => {
    const type = TYPE_CODES[header.type ?? 'file'];
    if (type === undefined) {
      body.resume();
      return;
    }
    const name = baseName(path);
    if (name.startsWith(WHITEOUT_PREFIX)) {
      if (name === OPAQUE_MARKER) opaqueDirs.push(parentOf(path));
      else if (!name.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
        const parent = parentOf(path);
        const victim = name.slice(WHITEOUT_PREFIX.length);
        whiteouts.push(parent ? `${parent}/${victim}` : victim);
      }
      body.resume();
      return;
    }
    const mode = (header.mode ?? 0) & 0o7777;
    const size = type === 'f' ? header.size ?? 0 : 0;
    if (type === 'l') entries.push([path, type, mode, 0, header.linkname ?? '']);
    else if (type === 'h') {
      const target = normalizeEntryPath(label, header.linkname ?? '');
      entries.push([path, type, mode, 0, target]);
      pending.push({ link: path, target, meta: { path, size: 0, mode } });
    } else entries.push([path, type, mode, size]);
    if (type !== 'f') {
      body.resume();
      return;
    }
    const meta: FileMeta = { path, size, mode };
    const capture = runner.begin(path, meta);
    if (!capture) {
      body.resume();
      return;
    }
    // Not awaited: holding the entry loop until this body ends stalls the whole
    // decompression pipeline once per wanted file (measured: doubled the scan time of
    // a layer of executables). tar-stream delivers entries strictly in order anyway.
    extractions.push(drain(body, (chunk) => runner.write(capture, chunk, path)).then(() => runner.finish(capture, path, meta)));
  });
  await Promise.all(extractions);

  if (pending.length > 0) await resolveHardlinks(layer, label, options, runner, entries, pending);

  return {
    format: 1,
    diffID: layer.diffID,
    digests: layer.digest ? [layer.digest] : [],
    entries,
    whiteouts,
    opaqueDirs,
    extractions: runner.records,
    warnings: runner.warnings,
    bytes: uncompressed,
  };
  void compressed;
}

/**
 * Hardlinks carry no content: it lives in the target entry earlier in the same tar.
 * When an extractor wants the link's path, reuse what it found at the target; if the
 * target was not captured (the extractor did not want it under its own name), read
 * the layer a second time for just those targets. This is rare in real images.
 */
async function resolveHardlinks(
  layer: LayerSource,
  label: string,
  options: WalkOptions,
  runner: LayerExtractionRunner,
  entries: FileEntry[],
  pending: PendingLink[],
): Promise<void> {
  const sizes = new Map<string, { size: number; mode: number }>();
  for (const e of entries) if (e[1] === 'f') sizes.set(e[0], { size: e[3], mode: e[2] });
  const secondPass = new Map<string, Array<{ link: string; extractorIds: Set<string> }>>();
  for (const p of pending) {
    const target = sizes.get(p.target);
    if (!target) continue; // link to a non-file or to nothing: recorded, nothing to read
    const meta: FileMeta = { path: p.link, size: target.size, mode: p.meta.mode || target.mode };
    const wanting = options.extractors.filter((ex) => ex.wants(p.link, meta));
    const missing = new Set<string>();
    for (const ex of wanting) {
      if (runner.processed.has(`${ex.id}\0${p.target}`)) {
        // Already read under the target's name: reuse the result (often "nothing").
        const found = runner.records.find((r) => r.path === p.target && r.extractor === ex.id);
        if (found) runner.records.push({ path: p.link, extractor: ex.id, result: found.result });
      } else missing.add(ex.id);
    }
    if (missing.size > 0) {
      const list = secondPass.get(p.target) ?? [];
      list.push({ link: p.link, extractorIds: missing });
      secondPass.set(p.target, list);
    }
  }
  if (secondPass.size === 0) return;
  await streamEntries(layer, label, { ...options, onBytes: undefined }, async (header, path, body) => {
    const wanted = header.type === 'file' || header.type === 'contiguous-file' ? secondPass.get(path) : undefined;
    if (!wanted) {
      body.resume();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk);
    for (const w of wanted) {
      const meta: FileMeta = { path: w.link, size: header.size ?? 0, mode: (header.mode ?? 0) & 0o7777 };
      const capture = runner.begin(w.link, meta, w.extractorIds);
      if (!capture) continue;
      for (const c of chunks) runner.write(capture, c, w.link);
      await runner.finish(capture, w.link, meta);
    }
  });
}

/** A tar entry's content stream (streamx, from tar-stream). */
type EntryBody = { resume(): unknown; on(event: string, fn: (arg: never) => void): unknown } & AsyncIterable<Buffer>;

/**
 * Feeds an entry's chunks to `onChunk` from 'data' events. Async iteration would
 * cost a promise round trip per chunk and, worse, stall the decompressor between
 * chunks: measured at twice the scan time on layers full of executables.
 */
function drain(body: EntryBody, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    body.on('data', onChunk as (arg: never) => void);
    body.on('end', resolve as (arg: never) => void);
    body.on('error', reject as (arg: never) => void);
  });
}
type EntryHandler = (header: tar.Header, path: string, body: EntryBody) => Promise<void>;

/** The verified, bounded stream of tar entries of one layer. */
async function streamEntries(
  layer: LayerSource,
  label: string,
  options: WalkOptions,
  onEntry: EntryHandler,
): Promise<{ compressed: number; uncompressed: number }> {
  const raw = layer.open();
  // Progress is counted inside the meter: a 'data' listener would switch the stream
  // to flowing mode before the compression sniff has put its first chunk back.
  const rawMeter = new ByteMeter(layer.digest !== undefined, options.onBytes);

  const metered = raw.pipe(rawMeter);
  raw.on('error', (e) => metered.destroy(e));
  const kind = await sniffStream(metered);
  const guard = new ExpansionGuard(rawMeter, { label, maxBytes: options.limits.maxLayerBytes, maxRatio: options.limits.maxExpansionRatio }, true);
  const extract = tar.extract();

  const consume = (async () => {
    for await (const entry of extract) {
      const path = normalizeEntryPath(label, entry.header.name);
      if (path === '') {
        entry.resume();
        continue;
      }
      await onEntry(entry.header, path, entry as unknown as EntryBody);
    }
  })();

  try {
    await Promise.all([pipeline(metered, createDecompressor(kind), guard, extract), consume]);
  } catch (e) {
    extract.destroy();
    throw translateStreamError(label, kind, e);
  }

  // Trailing bytes after the tar end-of-archive marker still count toward the diffID.
  if (layer.size !== undefined && rawMeter.bytes !== layer.size) {
    throw new StockadeError('digest_mismatch', label, `blob is ${rawMeter.bytes} bytes but its descriptor says ${layer.size}`);
  }
  const blobDigest = rawMeter.digest();
  if (layer.digest !== undefined && blobDigest !== layer.digest) {
    throw new StockadeError('digest_mismatch', label, `blob has digest ${blobDigest}, expected ${layer.digest}`);
  }
  const diffID = guard.digest();
  if (diffID !== layer.diffID) {
    throw new StockadeError('digest_mismatch', label, `uncompressed layer has digest ${diffID}, but the image config says ${layer.diffID}`);
  }
  return { compressed: rawMeter.bytes, uncompressed: guard.bytes };
}

function translateStreamError(label: string, kind: string, e: unknown): StockadeError {
  if (e instanceof StockadeError) return e;
  const err = e as NodeJS.ErrnoException;
  const message = err?.message ?? String(e);
  if (err?.code === 'ENOENT') return new StockadeError('not_found', label, 'blob is missing');
  if (err?.code === 'Z_BUF_ERROR' || /unexpected end|ended in (the )?middle|premature|truncat/i.test(message)) {
    return new StockadeError('malformed_input', label, `truncated ${kind === 'none' ? 'tar' : kind} stream`);
  }
  if (err?.code?.startsWith?.('Z_') || /zstd|incorrect header|invalid/i.test(message)) {
    return new StockadeError('malformed_input', label, `corrupt ${kind} data: ${message}`);
  }
  return new StockadeError('malformed_input', label, `cannot read layer: ${message}`);
}
