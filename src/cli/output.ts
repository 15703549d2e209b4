/**
 * Writes a result in the chosen format to stdout or a file. The default format is
 * `table` for a person at a terminal and `json` for a pipe.
 */
import { createWriteStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  const writerOptions = { color, ...(width ? { width } : {}) };
  await emitPieces(writer.stream ? writer.stream(result, writerOptions) : [writer.write(result, writerOptions)], opts.output);
}

/** Text a command made itself (`verify`), to stdout or --output, with the same error handling. */
export async function emitText(text: string, output: string | undefined): Promise<void> {
  await emitPieces([text], output);
}

async function emitPieces(pieces: Iterable<string>, target: string | undefined): Promise<void> {
  try {
    await pipeline(Readable.from(coalesce(pieces), { objectMode: false }), target ? createWriteStream(target) : stdoutKeptOpen());
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!target && code === 'EPIPE') return; // the reader went away (`| head`): nothing left to tell it
    throw new StockadeError('not_found', target ?? 'stdout', `cannot write output: ${code ?? (e as Error).message}`);
  }
}

/** stdout as a pipeline destination that the pipeline must not close (later messages may follow). */
function stdoutKeptOpen(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      process.stdout.write(chunk, (err) => callback(err ?? null));
    },
  });
}

/** Joins small pieces into blocks of about 64 KiB: a stream chunk per JSON member would cost more than the JSON. */
function* coalesce(pieces: Iterable<string>): Generator<string> {
  let block = '';
  for (const piece of pieces) {
    block += piece;
    if (block.length >= 65536) {
      yield block;
      block = '';
    }
  }
  if (block !== '') yield block;
}
