/**
 * Our own JSON: the ScanResult exactly as the pipeline built it, documented field by
 * field in docs/result-json.md. Nothing is renamed or dropped, so the document and
 * the type in src/core/types.ts are the one contract.
 */
import type { ScanResult } from '../../core/types.js';
import type { Writer } from '../writer.js';
import { jsonChunks } from '../json-chunks.js';

export const jsonWriter: Writer = {
  id: 'json',
  description: 'Stockade JSON: the full scan result (see docs/result-json.md)',
  write(result: ScanResult): string {
    return [...jsonChunks(result)].join('');
  },
  stream(result: ScanResult): Iterable<string> {
    return jsonChunks(result);
  },
};
