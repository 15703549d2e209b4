/**
 * Every output format, in one explicit list. `--format` accepts exactly these ids.
 */
import type { Writer } from '../writer.js';
import { cyclonedxWriter } from './cyclonedx.js';
import { htmlWriter } from './html.js';
import { jsonWriter } from './json.js';
import { sarifWriter } from './sarif.js';
import { spdxJsonWriter } from './spdx-json.js';
import { tableWriter } from './table.js';

export const WRITERS: readonly Writer[] = [tableWriter, jsonWriter, sarifWriter, cyclonedxWriter, spdxJsonWriter, htmlWriter];

export function findWriter(id: string): Writer | undefined {
  return WRITERS.find((w) => w.id === id);
}
