/**
 * Writes a result in the chosen format to stdout or a file. The default format is
 * `table` for a person at a terminal and `json` for a pipe.
 */
import { writeFile } from 'node:fs/promises';
import { StockadeError } from '../core/errors.js';
import type { ScanResult } from '../core/types.js';
import { findWriter } from '../report/writers/index.js';

export async function emitResult(result: ScanResult, opts: { format?: string; output?: string }): Promise<void> {
  const toTerminal = !opts.output && process.stdout.isTTY === true;
  const format = opts.format ?? (toTerminal ? 'table' : 'json');
  const writer = findWriter(format);
  if (!writer) throw new StockadeError('usage', format, 'unknown output format');
  const color = toTerminal && !process.env.NO_COLOR;
  // A terminal that does not report its width (some ptys) still gets a readable table.
  const width = process.stdout.columns || (toTerminal ? 120 : undefined);
  const text = writer.write(result, { color, ...(width ? { width } : {}) });
  if (opts.output) {
    try {
      await writeFile(opts.output, text);
    } catch (e) {
      throw new StockadeError('not_found', opts.output, `cannot write output: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
  }
}
