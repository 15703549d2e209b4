/**
 * The advisory sources Stockade reads, in one list. `detectSource` asks each, in this
 * order, whether it reads a path; the specific formats come first so a Debian tracker
 * or secdb file is never taken for a lone OSV document, and `osv` (which also accepts
 * any directory and any zip) is the fallback.
 */
import { stat } from 'node:fs/promises';
import type { AdvisorySource } from '../source.js';
import { alpineSecdbSource } from './alpine-secdb.js';
import { readHead } from './bounded-input.js';
import { debianTrackerSource } from './debian-tracker.js';
import { osvJsonSource } from './osv-json.js';

export const ADVISORY_SOURCES: readonly AdvisorySource[] = [debianTrackerSource, alpineSecdbSource, osvJsonSource];

/** Bytes read for detection: enough for a tracker's first package or a record's `id`. */
export const DETECT_HEAD_BYTES = 8192;

export function sourceById(id: string): AdvisorySource | undefined {
  return ADVISORY_SOURCES.find((s) => s.id === id);
}

/** The first source whose `detect` accepts the path, from its name and first bytes. */
export async function detectSource(path: string): Promise<AdvisorySource | undefined> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return undefined;
  const isDirectory = st.isDirectory();
  const head = isDirectory ? Buffer.alloc(0) : readHead(path, DETECT_HEAD_BYTES);
  return ADVISORY_SOURCES.find((s) => s.detect(path, head, isDirectory));
}
