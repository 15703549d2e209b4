/**
 * OSV records as published: one JSON (or YAML) file per record, a directory of them
 * (an advisory repository checkout), or osv.dev's per-ecosystem `all.zip`.
 *
 * Zip archives are read by zip-entries.ts (bounded inflation, bomb and entry-count
 * guards, names kept as labels, never paths), by default on a worker thread so
 * inflation overlaps with the importer's work; this file parses what comes out.
 * Every file or entry that cannot be parsed becomes a `skip` with the reason and its
 * origin (`file`, `file[3]` for the fourth record of an array, `zip!entry`).
 */
import { statSync } from 'node:fs';
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
import { MAX_ARCHIVE_ENTRIES, zipEntries, zipEntriesInWorker } from './zip-entries.js';

/** Files between event-loop turns in a directory walk. */
const ENTRIES_PER_TURN = 1024;

export interface OsvReadOptions extends SourceReadOptions {
  /** Entry-count cap for one archive (default MAX_ARCHIVE_ENTRIES). */
  maxEntries?: number;
  /** YAML alias expansions allowed per document (default MAX_YAML_ALIASES). */
  maxAliasCount?: number;
  /** Inflate zip entries on a worker thread (default true); false keeps everything on this thread. */
  zipWorker?: boolean;
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

/** Records from a zip: entries come inflated (on a worker thread unless told otherwise) and are parsed here. */
async function* readZip(path: string, options: OsvReadOptions): AsyncGenerator<SourceItem> {
  const limits = { maxRecordBytes: options.maxRecordBytes, maxArchiveBytes: options.maxArchiveBytes, maxEntries: options.maxEntries ?? MAX_ARCHIVE_ENTRIES };
  const entries = options.zipWorker === false ? zipEntries(path, limits) : zipEntriesInWorker(path, limits);
  for await (const item of entries) {
    if (item.kind === 'skip') yield item;
    else yield* recordsOf(parseFeedBytes(item.bytes, item.format, options.maxAliasCount), item.origin);
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
