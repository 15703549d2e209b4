/**
 * Every extractor Stockade runs, in one explicit list. The meta-test
 * (extractors/index.test.ts) fails when a file in this folder is missing here,
 * when two share an id, or when an id is not kebab-case.
 */
import type { Extractor } from '../extractor.js';

export const EXTRACTORS: readonly Extractor[] = [
];

/** `id@version` of every extractor, sorted: part of the layer cache key. */
export function extractorFingerprint(list: readonly Extractor[] = EXTRACTORS): string {
  return list.map((e) => `${e.id}@${e.version}`).sort().join(',');
}
