/**
 * Zip reading for advisory archives (osv.dev's per-ecosystem all.zip), shared by the
 * OSV source and its worker thread. A helper, not a source (index.test.ts lists it).
 *
 * The archive is hot input (hundreds of thousands of entries), so nothing here makes
 * a per-entry asynchronous hop: yauzl reads the central directory through a
 * windowed, synchronous file reader (so `readEntry()` answers before it returns),
 * entry data is sliced from a second window and inflated with `inflateRawSync`.
 * Nothing is extracted: entry names are labels for messages, never paths.
 *
 * Safety: the declared entry count is checked against a cap and against what the file
 * could physically hold; each entry is inflated with an output ceiling of the size
 * its header declares (itself at most `maxRecordBytes`), so a header that lies is
 * caught while inflating, not after; compressed sizes no honest deflate stream could
 * have are refused; total inflated bytes are charged against `maxArchiveBytes`. A zip
 * bomb yields one `skip` and ends the archive.
 *
 * `zipEntriesInWorker` runs the same loop on a worker thread and hands back inflated
 * bytes in transferred batches, so inflation (about a third of an import's CPU)
 * overlaps with parsing, validation and storage on the main thread.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { StockadeError, asStockadeError, type ErrorCode } from '../../core/errors.js';
import { feedFormatOf, yieldToEventLoop } from './bounded-input.js';

/** More entries than any per-ecosystem all.zip (npm with malicious-package reports is ~250k). */
export const MAX_ARCHIVE_ENTRIES = 2_000_000;
/**
 * An entry that would inflate past `maxRecordBytes` at this ratio or more is treated as
 * a zip bomb (the archive is abandoned) rather than as one oversized record. JSON
 * deflates 5-20:1; a run of zeros deflates about 1000:1.
 */
export const ZIP_BOMB_RATIO = 100;
/** Entries between event-loop turns in the zip loop. */
const ENTRIES_PER_TURN = 1024;
/** Read-ahead window for the central directory and for entry data. */
const WINDOW_BYTES = 1 << 20;
/** Fixed part of a central directory header: no archive can hold more entries than size / 46. */
const CENTRAL_HEADER_BYTES = 46;
const LOCAL_HEADER_BYTES = 30;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;

export interface ZipLimits {
  maxRecordBytes: number;
  maxArchiveBytes: number;
  maxEntries: number;
}

/** An entry's inflated bytes (with the format its name implies), or why there are none. */
export type ZipItem =
  | { kind: 'entry'; origin: string; format: 'json' | 'yaml'; bytes: Buffer }
  | { kind: 'skip'; origin: string; reason: string };

/**
 * A file read through a window that slides forward: sequential reads of small pieces
 * (central directory headers, local headers, entry data) cost one pread per
 * megabyte instead of one per piece. Reads are synchronous, so yauzl's callbacks run
 * before `readEntry()` returns.
 */
class WindowedFile extends yauzl.RandomAccessReader {
  private window = Buffer.allocUnsafe(WINDOW_BYTES);
  private start = 0;
  private length = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {
    super();
  }

  /** Copies up to `length` bytes at `position` into `target`; returns how many (short at end of file). */
  copyInto(target: Buffer, offset: number, length: number, position: number): number {
    const end = Math.min(position + length, this.size);
    if (position >= end) return 0;
    const want = end - position;
    if (want > this.window.length) return this.readDirect(target, offset, want, position);
    if (position < this.start || end > this.start + this.length) this.slideTo(position);
    this.window.copy(target, offset, position - this.start, position - this.start + want);
    return want;
  }

  /** A view of `length` bytes at `position`, valid until the next call; undefined past the end. */
  view(position: number, length: number): Buffer | undefined {
    if (position < 0 || position + length > this.size) return undefined;
    if (length > this.window.length) {
      const out = Buffer.allocUnsafe(length);
      return this.readDirect(out, 0, length, position) === length ? out : undefined;
    }
    if (position < this.start || position + length > this.start + this.length) this.slideTo(position);
    if (position + length > this.start + this.length) return undefined;
    return this.window.subarray(position - this.start, position - this.start + length);
  }

  private slideTo(position: number): void {
    this.start = position;
    this.length = 0;
    while (this.length < this.window.length) {
      const n = readSync(this.fd, this.window, this.length, this.window.length - this.length, position + this.length);
      if (n === 0) break;
      this.length += n;
    }
  }

  private readDirect(target: Buffer, offset: number, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, target, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  // yauzl's reader contract; bytesRead lets yauzl report "unexpected EOF" on a short read.
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    let n: number;
    try {
      n = this.copyInto(buffer, offset, length, position);
    } catch (e) {
      callback(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    callback(null, n);
  }

  override _readStreamForRange(): never {
    // We never call openReadStream: entry data is read with view() and inflated here.
    throw new Error('streams are not used for this reader');
  }

  // The descriptor belongs to whoever opened it (zipEntries, or the main thread for a worker).
  override close(callback: (err: Error | null) => void): void {
    callback(null);
  }
}

type Step = { kind: 'entry'; entry: yauzl.Entry } | { kind: 'end' } | { kind: 'error'; error: Error };

/**
 * yauzl's lazy entry events as pull calls. With a synchronous reader the answer is
 * almost always ready when readEntry() returns; the promise path covers the few
 * cases where yauzl defers (the end of the directory, an entry with an empty name).
 */
class EntryPump {
  private ready: Step | undefined;
  private waiter: ((step: Step) => void) | undefined;

  constructor(private readonly zip: yauzl.ZipFile) {
    zip.on('entry', (entry: yauzl.Entry) => this.settle({ kind: 'entry', entry }));
    zip.on('end', () => this.settle({ kind: 'end' }));
    zip.on('error', (error: Error) => this.settle({ kind: 'error', error }));
  }

  private settle(step: Step): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(step);
    } else {
      this.ready = step;
    }
  }

  next(): Step | Promise<Step> {
    this.zip.readEntry();
    const step = this.ready;
    if (step) {
      this.ready = undefined;
      return step;
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
}

function openZip(reader: WindowedFile): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(
      reader,
      reader.size,
      // decodeStrings off: names stay bytes, so a `../` name is a label we print, not
      // an error that ends the archive. validateEntrySizes off: we check sizes ourselves.
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false },
      (err, zip) => (err || !zip ? reject(err ?? new Error('no zip')) : resolve(zip)),
    );
  });
}

/** An entry name as printable text: never a path, control characters replaced, length capped. */
export function entryLabel(raw: Buffer, utf8: boolean): string {
  const text = raw.toString(utf8 ? 'utf8' : 'latin1');
  let out = '';
  const n = Math.min(text.length, 300);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    out += c < 0x20 || c === 0x7f ? '?' : text[i];
  }
  return text.length > n ? `${out}...` : out;
}

type EntryData = { kind: 'bytes'; bytes: Buffer } | { kind: 'skip'; reason: string } | { kind: 'stop'; reason: string };

/**
 * The inflated bytes of one entry, a reason to skip it, or a reason to abandon the
 * archive. `budget` is what is left of maxArchiveBytes.
 */
function entryData(entry: yauzl.Entry, file: WindowedFile, maxRecordBytes: number, budget: number): EntryData {
  const declared = entry.uncompressedSize;
  const compressed = entry.compressedSize;
  if (declared > maxRecordBytes) {
    const ratio = compressed > 0 ? declared / compressed : Infinity;
    if (ratio >= ZIP_BOMB_RATIO) {
      return {
        kind: 'stop',
        reason: `zip bomb: entry declares ${declared} bytes from ${compressed} compressed (ratio ${Math.round(ratio)}:1), over the ${maxRecordBytes}-byte record limit; archive abandoned`,
      };
    }
    return { kind: 'skip', reason: `larger than ${maxRecordBytes} bytes (declares ${declared})` };
  }
  if (declared > budget) {
    return { kind: 'stop', reason: `archive inflates past its ${budget}-byte remaining budget (maxArchiveBytes); archive abandoned` };
  }
  if (entry.isEncrypted()) return { kind: 'skip', reason: 'encrypted entry' };
  const method = entry.compressionMethod;
  if (method !== 0 && method !== 8) return { kind: 'skip', reason: `unsupported compression method ${method}` };
  // Deflate never grows data by more than a few bytes per 16 KiB block: anything more is not an honest entry.
  if (compressed > declared + (declared >>> 8) + 1024) {
    return { kind: 'stop', reason: `header lies: ${compressed} compressed bytes for a declared ${declared}; archive abandoned` };
  }

  const headerAt = entry.relativeOffsetOfLocalHeader;
  const header = file.view(headerAt, LOCAL_HEADER_BYTES);
  if (!header) return { kind: 'skip', reason: 'local header lies past the end of the archive (truncated?)' };
  if (header.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) return { kind: 'skip', reason: 'bad local header signature' };
  const dataAt = headerAt + LOCAL_HEADER_BYTES + header.readUInt16LE(26) + header.readUInt16LE(28);
  const raw = file.view(dataAt, compressed);
  if (!raw) return { kind: 'skip', reason: 'entry data runs past the end of the archive (truncated?)' };

  if (method === 0) {
    if (compressed !== declared) return { kind: 'skip', reason: `stored entry is ${compressed} bytes but declares ${declared}` };
    return { kind: 'bytes', bytes: Buffer.from(raw) };
  }
  let bytes: Buffer;
  try {
    // The ceiling is the declared size: inflation stops the moment a lying header is exceeded.
    bytes = inflateRawSync(raw, { maxOutputLength: Math.max(declared, 1) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return {
        kind: 'stop',
        reason: `zip bomb: entry inflates past the ${declared} bytes its header declares (stopped counting there); archive abandoned`,
      };
    }
    return { kind: 'skip', reason: `corrupt compressed data: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (bytes.length !== declared) return { kind: 'skip', reason: `inflates to ${bytes.length} bytes but declares ${declared}` };
  return { kind: 'bytes', bytes };
}

/**
 * The entries of the zip open on `fd`, in central-directory order. Entries whose names
 * are not `.json`/`.yaml`/`.yml` (directories, README, LICENSE) are passed over.
 */
export async function* zipEntriesFromFd(fd: number, path: string, limits: ZipLimits): AsyncGenerator<ZipItem> {
  const st = fstatSync(fd);
  if (!st.isFile()) {
    yield { kind: 'skip', origin: path, reason: 'not a regular file' };
    return;
  }
  const size = st.size;
  const directory = new WindowedFile(fd, size);
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(directory);
  } catch (e) {
    yield { kind: 'skip', origin: path, reason: `not a zip archive, or truncated: ${e instanceof Error ? e.message : String(e)}` };
    return;
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      yield { kind: 'skip', origin: path, reason: `archive declares ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}; not read` };
      return;
    }
    const capacity = Math.floor(size / CENTRAL_HEADER_BYTES);
    if (zip.entryCount > capacity) {
      yield { kind: 'skip', origin: path, reason: `archive declares ${zip.entryCount} entries but ${size} bytes can hold at most ${capacity}; not read` };
      return;
    }
    const data = new WindowedFile(fd, size);
    const pump = new EntryPump(zip);
    let budget = limits.maxArchiveBytes;
    let index = 0;
    for (;;) {
      let step = pump.next();
      if (step instanceof Promise) step = await step;
      if (step.kind === 'end') break;
      if (step.kind === 'error') {
        yield { kind: 'skip', origin: path, reason: `central directory unreadable after ${index} entries: ${step.error.message}` };
        break;
      }
      index++;
      if (index % ENTRIES_PER_TURN === 0) await yieldToEventLoop();
      const entry = step.entry;
      const label = entryLabel(entry.fileNameRaw, (entry.generalPurposeBitFlag & 0x800) !== 0);
      const format = feedFormatOf(label);
      if (format === undefined || label.endsWith('/')) continue;
      const origin = `${path}!${label}`;
      const got = entryData(entry, data, limits.maxRecordBytes, budget);
      if (got.kind === 'stop') {
        yield { kind: 'skip', origin, reason: got.reason };
        break;
      }
      if (got.kind === 'skip') {
        yield { kind: 'skip', origin, reason: got.reason };
        continue;
      }
      budget -= got.bytes.length;
      yield { kind: 'entry', origin, format, bytes: got.bytes };
    }
  } finally {
    zip.close();
  }
}

/** O_NONBLOCK: a FIFO named like an archive must not block the open (fstat then refuses it). */
function openForReading(path: string): number {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw asStockadeError(e, path);
  }
}

/** The entries of the zip at `path`, read on this thread. */
export async function* zipEntries(path: string, limits: ZipLimits): AsyncGenerator<ZipItem> {
  const fd = openForReading(path);
  try {
    yield* zipEntriesFromFd(fd, path, limits);
  } finally {
    closeSync(fd);
  }
}

// --- worker protocol ---------------------------------------------------------------

/** What the main thread hands the worker. */
export interface ZipWorkerData {
  fd: number;
  path: string;
  limits: ZipLimits;
}

/**
 * One batch, laid out so the structured clone stays cheap (a few strings and typed
 * arrays, not thousands of small arrays): `kinds[i]` is 0 (JSON entry), 1 (YAML entry)
 * or 2 (skip); entry n spans `buffer[ends[n-1] .. ends[n])` and is named by line n of
 * `labels` (entry labels hold no control characters, so no newline); skip n is
 * `skips[n]`. Origins are `path!label`, joined on the main thread.
 */
export interface Batch {
  buffer: ArrayBuffer;
  kinds: Uint8Array;
  ends: Uint32Array;
  labels: string;
  skips: Array<[origin: string, reason: string]>;
}

export const BATCH_JSON = 0;
export const BATCH_YAML = 1;
export const BATCH_SKIP = 2;

export type WorkerMessage =
  | ({ type: 'batch' } & Batch)
  | { type: 'done' }
  | { type: 'fatal'; code: ErrorCode; input: string; message: string };

/** Batches in flight before the worker waits for the main thread to catch up. */
export const WORKER_CREDIT = 4;
/** A batch closes at this many bytes or entries. */
export const BATCH_BYTES = 1 << 20;
export const BATCH_ENTRIES = 512;

function* unpackBatch(batch: Batch, prefix: string): Generator<ZipItem> {
  const bytes = Buffer.from(batch.buffer);
  const labels = batch.labels.split('\n');
  let entry = 0;
  let skipped = 0;
  for (const kind of batch.kinds) {
    if (kind === BATCH_SKIP) {
      const [origin, reason] = batch.skips[skipped++]!;
      yield { kind: 'skip', origin, reason };
      continue;
    }
    const start = entry === 0 ? 0 : batch.ends[entry - 1]!;
    const end = batch.ends[entry]!;
    yield { kind: 'entry', origin: prefix + labels[entry]!, format: kind === BATCH_YAML ? 'yaml' : 'json', bytes: bytes.subarray(start, end) };
    entry++;
  }
}

/**
 * The entries of the zip at `path`, inflated on a worker thread. Same items, same
 * order as zipEntries. The descriptor is opened and closed here, on the main thread,
 * so a worker stopped early (the consumer broke off) cannot leak it.
 */
export async function* zipEntriesInWorker(path: string, limits: ZipLimits): AsyncGenerator<ZipItem> {
  const fd = openForReading(path);
  const workerData: ZipWorkerData = { fd, path, limits };
  let worker: Worker;
  try {
    // execArgv: [] so flags meant for the main script (--input-type, --eval) do not break the thread.
    worker = new Worker(new URL('./zip-entries-worker.js', import.meta.url), { workerData, execArgv: [] });
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const inbox: Array<WorkerMessage | { type: 'exit'; code: number } | { type: 'error'; error: Error }> = [];
  let wake: (() => void) | undefined;
  const deliver = (m: (typeof inbox)[number]) => {
    inbox.push(m);
    const w = wake;
    wake = undefined;
    w?.();
  };
  worker.on('message', (m: WorkerMessage) => deliver(m));
  worker.on('error', (error: Error) => deliver({ type: 'error', error }));
  worker.on('exit', (code: number) => deliver({ type: 'exit', code }));
  let heardFrom = false;
  try {
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = inbox.shift()!;
      if ((m.type === 'error' || m.type === 'exit') && !heardFrom) {
        // The thread never started (no worker support, a broken install): read on this thread instead.
        yield* zipEntriesFromFd(fd, path, limits);
        return;
      }
      heardFrom = true;
      if (m.type === 'done') return;
      if (m.type === 'fatal') throw new StockadeError(m.code, m.input, m.message);
      if (m.type === 'error') throw asStockadeError(m.error, path);
      if (m.type === 'exit') throw new StockadeError('internal', path, `zip reader thread exited (code ${m.code}) before finishing`);
      yield* unpackBatch(m, `${path}!`);
      worker.postMessage('credit');
    }
  } finally {
    await worker.terminate();
    closeSync(fd);
  }
}
