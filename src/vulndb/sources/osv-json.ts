/**
 * OSV records as published: one JSON (or YAML) file per record, a directory of them
 * (an advisory repository checkout), or osv.dev's per-ecosystem `all.zip`.
 *
 * The zip path is the hot one (`stockade db import all.zip`, hundreds of thousands of
 * entries), so it avoids per-entry asynchrony: yauzl reads the central directory
 * through a windowed, synchronous file reader (so `readEntry()` answers before it
 * returns), entry data is sliced from a second window and inflated with
 * `inflateRawSync`, and the loop only yields to the event loop every 1,024 entries.
 * Nothing is extracted: entry names are labels for messages, never paths.
 *
 * Zip safety: the declared entry count is checked against a cap and against what
 * the file could physically hold; every entry is inflated with an output ceiling of
 * the size its header declares (itself at most `maxRecordBytes`), so a header that
 * lies is caught while inflating, not after; the total inflated size is charged
 * against `maxArchiveBytes`. A zip bomb yields one `skip` and ends the archive.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { asStockadeError } from '../../core/errors.js';
import type { AdvisorySource, SourceItem, SourceReadOptions } from '../source.js';
import {
  feedFormatOf,
  parseFeedBytes,
  readBoundedFile,
  readHead,
  skip,
  walkFeedFiles,
  yieldToEventLoop,
  type Parsed,
} from './bounded-input.js';

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

export interface OsvReadOptions extends SourceReadOptions {
  /** Entry-count cap for one archive (default MAX_ARCHIVE_ENTRIES). */
  maxEntries?: number;
  /** YAML alias expansions allowed per document (default MAX_YAML_ALIASES). */
  maxAliasCount?: number;
}

/** One record per element when a file holds an array of records. */
function* recordsOf(parsed: Parsed, origin: string): Generator<SourceItem> {
  if (!parsed.ok) {
    yield skip(origin, parsed.reason);
    return;
  }
  const value = parsed.value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield { kind: 'record', record: value[i], origin: `${origin}[${i}]` };
  } else {
    yield { kind: 'record', record: value, origin };
  }
}

function* readOneFile(path: string, origin: string, format: 'json' | 'yaml', options: OsvReadOptions): Generator<SourceItem> {
  const read = readBoundedFile(path, options.maxRecordBytes);
  if (!read.ok) {
    yield skip(origin, read.reason);
    return;
  }
  yield* recordsOf(parseFeedBytes(read.bytes, format, options.maxAliasCount), origin);
}

async function* readDirectory(root: string, options: OsvReadOptions): AsyncGenerator<SourceItem> {
  let n = 0;
  for (const item of walkFeedFiles(root, (name) => feedFormatOf(name) !== undefined)) {
    if (item.kind === 'skip') {
      yield item;
      continue;
    }
    yield* readOneFile(item.path, item.origin, feedFormatOf(item.path) ?? 'json', options);
    if (++n % ENTRIES_PER_TURN === 0) await yieldToEventLoop();
  }
}

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
  private closed = false;

  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly ownsFd: boolean,
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

  override close(callback: (err: Error | null) => void): void {
    this.closeNow();
    callback(null);
  }

  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsFd) closeSync(this.fd);
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

async function* readZip(path: string, options: OsvReadOptions): AsyncGenerator<SourceItem> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw asStockadeError(e, path);
  }
  const size = fstatSync(fd).size;
  const directory = new WindowedFile(fd, size, true);
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(directory);
  } catch (e) {
    directory.closeNow();
    yield skip(path, `not a zip archive, or truncated: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  try {
    const maxEntries = options.maxEntries ?? MAX_ARCHIVE_ENTRIES;
    if (zip.entryCount > maxEntries) {
      yield skip(path, `archive declares ${zip.entryCount} entries, more than the limit of ${maxEntries}; not read`);
      return;
    }
    const capacity = Math.floor(size / CENTRAL_HEADER_BYTES);
    if (zip.entryCount > capacity) {
      yield skip(path, `archive declares ${zip.entryCount} entries but ${size} bytes can hold at most ${capacity}; not read`);
      return;
    }
    const data = new WindowedFile(fd, size, false);
    const pump = new EntryPump(zip);
    let budget = options.maxArchiveBytes;
    let index = 0;
    for (;;) {
      let step = pump.next();
      if (step instanceof Promise) step = await step;
      if (step.kind === 'end') break;
      if (step.kind === 'error') {
        yield skip(path, `central directory unreadable after ${index} entries: ${step.error.message}`);
        break;
      }
      index++;
      if (index % ENTRIES_PER_TURN === 0) await yieldToEventLoop();
      const entry = step.entry;
      const label = entryLabel(entry.fileNameRaw, (entry.generalPurposeBitFlag & 0x800) !== 0);
      const format = feedFormatOf(label);
      // Directories and non-advisory files (README, LICENSE) are not records.
      if (format === undefined || label.endsWith('/')) continue;
      const origin = `${path}!${label}`;
      const got = entryData(entry, data, options.maxRecordBytes, budget);
      if (got.kind === 'stop') {
        yield skip(origin, got.reason);
        break;
      }
      if (got.kind === 'skip') {
        yield skip(origin, got.reason);
        continue;
      }
      budget -= got.bytes.length;
      yield* recordsOf(parseFeedBytes(got.bytes, format, options.maxAliasCount), origin);
    }
  } finally {
    zip.close();
    directory.closeNow();
  }
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP_MAGIC = [0x50, 0x4b, 0x05, 0x06];

function startsWithBytes(head: Buffer, magic: number[]): boolean {
  return head.length >= magic.length && magic.every((b, i) => head[i] === b);
}

function isZip(path: string, head: Buffer): boolean {
  return path.toLowerCase().endsWith('.zip') || startsWithBytes(head, ZIP_MAGIC) || startsWithBytes(head, EMPTY_ZIP_MAGIC);
}

/** `"id":` as a key (not inside an escaped string) near the top of a JSON document. */
const JSON_ID_KEY = /(?:^|[^\\])"id"\s*:/;
/** `id:` at the start of a line of a YAML document. */
const YAML_ID_KEY = /^id:[ \t]/m;

function looksLikeOsv(path: string, head: Buffer): boolean {
  const format = feedFormatOf(path);
  if (format === undefined) return false;
  const text = head.toString('utf8');
  if (format === 'json') {
    const first = text.trimStart()[0];
    return (first === '{' || first === '[') && JSON_ID_KEY.test(text);
  }
  return YAML_ID_KEY.test(text);
}

export const osvJsonSource: AdvisorySource = {
  id: 'osv',
  description: 'OSV records: a .json/.yaml file, a directory of them, or an osv.dev all.zip',
  detect(path, head, isDirectory) {
    if (isDirectory) return true;
    return isZip(path, head) || looksLikeOsv(path, head);
  },
  async *read(path, options: OsvReadOptions) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (e) {
      throw asStockadeError(e, path);
    }
    if (isDirectory) {
      yield* readDirectory(path, options);
      return;
    }
    if (isZip(path, readHead(path, 4))) {
      yield* readZip(path, options);
      return;
    }
    // No telling extension: read as JSON, the format osv.dev serves.
    yield* readOneFile(path, path, feedFormatOf(path) ?? 'json', options);
  },
};
