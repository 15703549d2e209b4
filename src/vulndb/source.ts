/**
 * An advisory source reads one feed format and yields OSV records. The importer
 * validates every record (vulndb/osv.ts), stores the good ones and counts the rest:
 * one bad record never aborts an import.
 */
export type SourceItem =
  /** A record converted to OSV shape (still unvalidated: the importer checks it). */
  | { kind: 'record'; record: unknown; origin: string }
  /** Something in the input that could not become a record, with why. */
  | { kind: 'skip'; origin: string; reason: string };

export interface SourceReadOptions {
  /** Largest single record or feed file read into memory. */
  maxRecordBytes: number;
  /** Largest total uncompressed size of an archive (zip bomb guard). */
  maxArchiveBytes: number;
}

export interface AdvisorySource {
  /** `osv`, `debian-tracker`, `alpine-secdb`. */
  readonly id: string;
  readonly description: string;
  /**
   * Whether this source reads the file or directory: from its name and first bytes
   * only (`head` is empty for directories).
   */
  detect(path: string, head: Buffer, isDirectory: boolean): boolean;
  read(path: string, options: SourceReadOptions): AsyncIterable<SourceItem>;
}
