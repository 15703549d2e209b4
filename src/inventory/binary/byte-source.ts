/**
 * Random access over bytes that arrived as a stream.
 *
 * Stream extractors see a file as chunks in order, but some formats (ELF section
 * headers at the end of a file, pre-1.18 Go build info that points elsewhere in the
 * file) can only be read by jumping around. `RetainedChunks` keeps references to the
 * chunks the core handed over (the chunks are shared Buffers: nothing is copied) up
 * to a cap, and answers positioned reads across chunk boundaries. Past the cap it
 * drops everything and says so, so a huge file never pins unbounded memory.
 */

/** Positioned reads; `undefined` whenever the range is not wholly inside the source. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Buffer | undefined;
}

/** A whole in-memory buffer as a ByteSource. */
export function bufferSource(bytes: Buffer): ByteSource {
  return {
    size: bytes.length,
    read(offset, length) {
      if (!isWithin(offset, length, bytes.length)) return undefined;
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** True when [offset, offset+length) is a well-formed range inside [0, size). */
export function isWithin(offset: number, length: number, size: number): boolean {
  return (
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    offset >= 0 &&
    length >= 0 &&
    offset <= size &&
    length <= size - offset
  );
}

/** Files kept for random access are capped at this many bytes by default. */
export const DEFAULT_RETAIN_LIMIT = 64 * 1024 * 1024;

/** Chunks smaller than this are copied together, so a stream of tiny chunks does not cost an object per byte. */
const SMALL_CHUNK = 4096;
const STAGING_SIZE = 64 * 1024;

export class RetainedChunks implements ByteSource {
  private chunks: Buffer[] = [];
  private staging: Buffer | undefined;
  private staged = 0;
  /** Absolute offset of each kept chunk's first byte, ascending. */
  private starts: number[] = [];
  private kept = 0;
  private seen = 0;
  private dropped = false;

  constructor(readonly limit: number = DEFAULT_RETAIN_LIMIT) {}

  /** Bytes kept and readable (0 once the cap was passed or `release` was called). */
  get size(): number {
    return this.kept + this.staged;
  }

  /** Every byte that went through `push`, kept or not. */
  get bytesSeen(): number {
    return this.seen;
  }

  /** True when the stream passed the cap and the chunks were let go. */
  get overflowed(): boolean {
    return this.dropped && this.seen > this.limit;
  }

  push(chunk: Buffer): void {
    this.seen += chunk.length;
    if (this.dropped || chunk.length === 0) return;
    if (this.seen > this.limit) {
      this.release();
      return;
    }
    if (chunk.length < SMALL_CHUNK) {
      this.stage(chunk);
      return;
    }
    this.sealStaging();
    this.append(chunk);
  }

  private append(chunk: Buffer): void {
    this.starts.push(this.kept);
    this.chunks.push(chunk);
    this.kept += chunk.length;
  }

  private stage(chunk: Buffer): void {
    if (this.staging && this.staged + chunk.length > this.staging.length) this.sealStaging();
    this.staging ??= Buffer.allocUnsafe(STAGING_SIZE);
    this.staged += chunk.copy(this.staging, this.staged);
  }

  /** Turns the staged small chunks into one kept chunk. */
  private sealStaging(): void {
    if (this.staging && this.staged > 0) this.append(this.staging.subarray(0, this.staged));
    this.staging = undefined;
    this.staged = 0;
  }

  /** Stop keeping chunks (the answer was found, or the cap was passed). */
  release(): void {
    this.dropped = true;
    this.chunks = [];
    this.starts = [];
    this.kept = 0;
    this.staging = undefined;
    this.staged = 0;
  }

  read(offset: number, length: number): Buffer | undefined {
    this.sealStaging();
    if (!isWithin(offset, length, this.kept)) return undefined;
    if (length === 0) return Buffer.alloc(0);
    let index = this.chunkIndexOf(offset);
    const first = this.chunks[index];
    const firstStart = this.starts[index];
    if (first === undefined || firstStart === undefined) return undefined;
    const inFirst = offset - firstStart;
    // The common case, a read inside one chunk, is a view, not a copy.
    if (inFirst + length <= first.length) return first.subarray(inFirst, inFirst + length);
    const out = Buffer.allocUnsafe(length);
    let written = first.copy(out, 0, inFirst);
    while (written < length) {
      index += 1;
      const next = this.chunks[index];
      if (next === undefined) return undefined;
      written += next.copy(out, written, 0, Math.min(next.length, length - written));
    }
    return out;
  }

  /** Binary search for the chunk holding `offset` (which is known to be < kept). */
  private chunkIndexOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * Keeps a copy of the first `limit` bytes of a stream: enough for file-type magic and
 * for the ELF program header table, which sits right after the ELF header.
 */
export class PrefixCollector {
  private readonly bytes: Buffer;
  private filled = 0;

  constructor(limit: number) {
    this.bytes = Buffer.alloc(limit);
  }

  get length(): number {
    return this.filled;
  }

  push(chunk: Buffer): void {
    if (this.filled >= this.bytes.length) return;
    this.filled += chunk.copy(this.bytes, this.filled, 0, Math.min(chunk.length, this.bytes.length - this.filled));
  }

  /** The collected bytes, at most the first `upTo`. */
  view(upTo: number = this.filled): Buffer {
    return this.bytes.subarray(0, Math.min(upTo, this.filled));
  }
}
