/**
 * A writer turns the one ScanResult into one output format. Writers are pure:
 * the CLI decides where the text goes (stdout or --output FILE).
 */
import type { ScanResult } from '../core/types.js';

export interface WriterOptions {
  /** Colour and box drawing allowed (stdout is a TTY and NO_COLOR is unset). */
  color: boolean;
  /** Terminal width for tables, when known. */
  width?: number;
}

export interface Writer {
  /** The `--format` value: `table`, `json`, `cyclonedx`, `spdx-json`. */
  readonly id: string;
  /** One line for `--help`. */
  readonly description: string;
  write(result: ScanResult, options: WriterOptions): string;
  /**
   * The same text in pieces, for results too large for one string (a million
   * findings); the CLI prefers it when present.
   */
  stream?(result: ScanResult, options: WriterOptions): Iterable<string>;
}
