/**
 * The contract every extractor keeps. An extractor understands one file format and
 * turns it into packages. It never opens files itself: the core walks layers (or a
 * root filesystem) once and hands each extractor the files it asked for.
 *
 * Adding an ecosystem = one new file under extractors/ and one line in extractors/index.ts.
 */
import type { ExtractedPackage, FileMeta, FileOwnership, OsInfo } from '../core/types.js';

/** What an extractor learned from one file. Every field is optional. */
export interface Extraction {
  packages?: ExtractedPackage[];
  /** File lists kept apart from package records (dpkg `info/*.list`). */
  ownership?: FileOwnership[];
  /** OS identity (os-release and friends). */
  os?: OsInfo;
  /** Recoverable problems (one corrupt record among many). The rest is still trusted. */
  warnings?: string[];
  /** Credentials found in the file (secret scanner only), already masked: the layer cache stores them. */
  secrets?: SecretRecord[];
}

/** One masked secret in one file, as the layer cache keeps it. */
export interface SecretRecord {
  ruleId: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  match: string;
  /** For a member of a zip-format archive (`app.jar`): its name inside, shown as `app.jar!/member`. */
  member?: string;
}

interface ExtractorBase {
  /** Stable, kebab-case, unique: `dpkg-status`, `npm-package-lock`. */
  readonly id: string;
  /** Bump when output changes: part of the layer cache key. */
  readonly version: number;
  /**
   * Cheap decision from the path (relative, no leading slash) and metadata alone.
   * No I/O, no allocation-heavy work: it is called for every file in every layer.
   */
  wants(path: string, meta: FileMeta): boolean;
}

/** Gets the whole file in memory (up to `maxBytes`, default 64 MiB; larger files are skipped with a warning). */
export interface BufferExtractor extends ExtractorBase {
  readonly kind: 'buffer';
  readonly maxBytes?: number;
  extract(file: { path: string; meta: FileMeta; bytes: Buffer }): Extraction | Promise<Extraction>;
}

/**
 * Gets the file as a sequence of chunks, for formats found inside files too big to
 * hold (Go and Rust build info inside multi-hundred-MB binaries). The sink must keep
 * bounded state; `finish` is called once after the last chunk.
 */
export interface StreamExtractor extends ExtractorBase {
  readonly kind: 'stream';
  open(file: { path: string; meta: FileMeta }): StreamSink;
}

export interface StreamSink {
  write(chunk: Buffer): void;
  finish(): Extraction | Promise<Extraction>;
}

export type Extractor = BufferExtractor | StreamExtractor;

export const DEFAULT_MAX_EXTRACT_BYTES = 64 * 1024 * 1024;
