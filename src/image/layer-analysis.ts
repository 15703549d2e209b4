/**
 * What one pass over one layer produces. It is a pure function of the layer's bytes
 * and the extractor set, so it is cached by diffID (see layer-cache.ts).
 */
import type { ScanWarning } from '../core/types.js';
import type { Extraction } from '../inventory/extractor.js';

/** `f` file, `d` dir, `l` symlink, `h` hardlink, `c`/`b` device, `p` fifo. */
export type EntryType = 'f' | 'd' | 'l' | 'h' | 'c' | 'b' | 'p';

/** Compact on purpose: a large image has tens of thousands of these, and they are cached. */
export type FileEntry = [path: string, type: EntryType, mode: number, size: number, link?: string];

export interface ExtractionRecord {
  /** Image path (relative, no leading slash) of the file the extractor read. */
  path: string;
  extractor: string;
  result: Extraction;
}

export interface LayerAnalysis {
  format: 1;
  diffID: string;
  /** Blob digests verified to decompress to this diffID. */
  digests: string[];
  entries: FileEntry[];
  /** Paths deleted from lower layers by `.wh.<name>` files in this layer. */
  whiteouts: string[];
  /** Directories whose lower-layer contents are hidden (`.wh..wh..opq`). */
  opaqueDirs: string[];
  extractions: ExtractionRecord[];
  warnings: ScanWarning[];
  /** Uncompressed size, for reporting. */
  bytes: number;
}
