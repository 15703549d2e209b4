/** Shared by the advisory-source tests: read a source fully, and the official OSV schema check. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { corpusPath } from '../../../testing/corpus.js';
import { validateOsv, type OsvRecord } from '../../osv.js';
import type { AdvisorySource, SourceReadOptions } from '../../source.js';

export const LIMITS: SourceReadOptions = { maxRecordBytes: 16 * 1024 * 1024, maxArchiveBytes: 8 * 1024 ** 3 };

/** Every record a source yields for `path` (each must pass validateOsv) and every skip. */
export async function collectFrom(source: AdvisorySource, path: string, options: SourceReadOptions = LIMITS) {
  const records: Array<{ record: OsvRecord; origin: string }> = [];
  const skips: Array<{ origin: string; reason: string }> = [];
  for await (const item of source.read(path, options)) {
    if (item.kind === 'skip') {
      skips.push({ origin: item.origin, reason: item.reason });
      continue;
    }
    const checked = validateOsv(item.record);
    assert.ok(checked.ok, `${item.origin}: ${checked.ok ? '' : checked.reason}`);
    records.push({ record: checked.record, origin: item.origin });
  }
  return { records, skips };
}

/** The official OSV schema from the corpus; a no-op check (with validateOsv still applied) when it is absent. */
export function schemaValidator(): ((r: unknown) => boolean) & { errors?: unknown } {
  const schemaPath = corpusPath('scanner', 'osv', 'schema', 'schema.json');
  if (!schemaPath) return Object.assign(() => true, { errors: undefined });
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormatsModule.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
}
