/**
 * `stockade db import PATH...`: detect each input's feed format, convert to OSV,
 * validate every record, and store the good ones in one transaction per input.
 * Bad records are skipped and counted (with the first few reasons kept), never fatal.
 */
import { stat } from 'node:fs/promises';
import { StockadeError } from '../core/errors.js';
import { validateOsv } from './osv.js';
import type { SourceReadOptions } from './source.js';
import { detectSource } from './sources/index.js';
import type { AdvisoryStore, ImportStats } from './store.js';

export const DEFAULT_SOURCE_LIMITS: SourceReadOptions = {
  maxRecordBytes: 16 * 1024 * 1024,
  maxArchiveBytes: 8 * 1024 ** 3,
};

export interface InputReport extends ImportStats {
  input: string;
  source: string;
  /** Up to 20 `origin: reason` lines for skipped records. */
  skipReasons: string[];
  seconds: number;
}

export async function importInput(store: AdvisoryStore, input: string, options: SourceReadOptions = DEFAULT_SOURCE_LIMITS, sourceName?: string): Promise<InputReport> {
  const st = await stat(input).catch(() => undefined);
  if (!st) throw new StockadeError('not_found', input, 'no such file or directory');
  const source = await detectSource(input);
  if (!source) throw new StockadeError('unsupported_format', input, 'not an advisory feed Stockade reads (OSV JSON/YAML, OSV zip, Debian security tracker JSON, Alpine secdb YAML)');
  const started = performance.now();
  const session = store.beginImport(sourceName ?? source.id, input);
  const skipReasons: string[] = [];
  try {
    for await (const item of source.read(input, options)) {
      if (item.kind === 'skip') {
        session.skip();
        if (skipReasons.length < 20) skipReasons.push(`${item.origin}: ${item.reason}`);
        continue;
      }
      const checked = validateOsv(item.record);
      if (!checked.ok) {
        session.skip();
        if (skipReasons.length < 20) skipReasons.push(`${item.origin}: ${checked.reason}`);
        continue;
      }
      session.add(checked.record);
    }
    const stats = session.commit();
    return { ...stats, input, source: source.id, skipReasons, seconds: (performance.now() - started) / 1000 };
  } catch (e) {
    session.rollback();
    throw e;
  }
}
