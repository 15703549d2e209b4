/**
 * Layer decompression with the guards a hostile image needs: compression is
 * detected from the bytes (media types lie), and the expanded size is bounded both
 * absolutely and relative to the compressed size, so a gzip or zstd bomb is stopped
 * early with a clear error instead of filling memory or disk.
 */
import { createHash, type Hash } from 'node:crypto';
import { createRequire } from 'node:module';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { StockadeError } from '../core/errors.js';

export type Compression = 'gzip' | 'zstd' | 'none';

export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Counts (and optionally hashes) the bytes that pass through. */
export class ByteMeter extends Transform {
  bytes = 0;
  private readonly hash: Hash | undefined;

  constructor(
    withHash: boolean,
    private readonly onChunk?: (bytes: number) => void,
  ) {
    super();
    this.hash = withHash ? createHash('sha256') : undefined;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    this.onChunk?.(chunk.length);
    cb(null, chunk);
  }

  digest(): string | undefined {
    return this.hash ? 'sha256:' + this.hash.digest('hex') : undefined;
  }
}

export interface ExpansionLimits {
  /** The input named in errors. */
  label: string;
  /** Most uncompressed bytes allowed. */
  maxBytes: number;
  /** Most uncompressed bytes per compressed byte, enforced once past `ratioGraceBytes`. */
  maxRatio: number;
  ratioGraceBytes?: number;
}

/** Meters the decompressed side and stops the stream when a limit is crossed. */
export class ExpansionGuard extends ByteMeter {
  constructor(
    private readonly compressed: ByteMeter,
    private readonly limits: ExpansionLimits,
    withHash: boolean,
  ) {
    super(withHash);
  }

  override _transform(chunk: Buffer, enc: BufferEncoding, cb: TransformCallback): void {
    const after = this.bytes + chunk.length;
    if (after > this.limits.maxBytes) {
      cb(new StockadeError('limit_exceeded', this.limits.label, `expands to more than ${this.limits.maxBytes} bytes (decompression bomb?); raise --max-layer-size if this is genuine`));
      return;
    }
    const grace = this.limits.ratioGraceBytes ?? 64 * 1024 * 1024;
    if (after > grace && this.compressed.bytes > 0 && after / this.compressed.bytes > this.limits.maxRatio) {
      cb(new StockadeError('hostile_input', this.limits.label, `expands more than ${this.limits.maxRatio}:1 (decompression bomb?); raise --max-expansion-ratio if this is genuine`));
      return;
    }
    super._transform(chunk, enc, cb);
  }
}

interface ZstdNapi {
  DecompressStream: new () => Transform;
}

let zstdNative: ZstdNapi | null | undefined;
function loadZstdNative(): ZstdNapi | null {
  if (zstdNative === undefined) {
    try {
      // Optional native binding; the pure-JS fzstd fallback keeps installs without a compiler working.
      zstdNative = createRequire(import.meta.url)('zstd-napi') as ZstdNapi;
    } catch {
      zstdNative = null;
    }
  }
  return zstdNative;
}

interface FzstdModule {
  Decompress: new (ondata: (data: Uint8Array, final: boolean) => void) => { push(chunk: Uint8Array, final?: boolean): void };
}

/** Pure-JS streaming zstd via fzstd, wrapped as a Transform. */
class FzstdTransform extends Transform {
  private readonly inner: { push(chunk: Uint8Array, final?: boolean): void };

  constructor() {
    super();
    const fzstd = createRequire(import.meta.url)('fzstd') as FzstdModule;
    this.inner = new fzstd.Decompress((data) => {
      if (data.length > 0) this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.inner.push(chunk);
      cb();
    } catch (e) {
      cb(e instanceof Error ? e : new Error(String(e)));
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.inner.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(e instanceof Error ? e : new Error(String(e)));
    }
  }
}

export function createDecompressor(kind: Compression): Transform {
  switch (kind) {
    case 'gzip':
      return createGunzip({ chunkSize: 256 * 1024 });
    case 'zstd': {
      const native = loadZstdNative();
      return native ? new native.DecompressStream() : new FzstdTransform();
    }
    case 'none':
      return new PassThrough();
  }
}

/**
 * Detects compression from a stream's first chunk and puts the chunk back
 * (`unshift`), so the stream can then be piped whole. Plain stream plumbing on
 * purpose: wrapping it in an async generator stalled the decompressor between chunks.
 */
export function sniffStream(stream: Readable): Promise<Compression> {
  return new Promise((resolve, reject) => {
    const done = (kind: Compression) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', reject);
      resolve(kind);
    };
    const onReadable = () => {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) return;
      stream.unshift(chunk);
      done(sniffCompression(chunk));
    };
    const onEnd = () => done('none');
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', reject);
  });
}
