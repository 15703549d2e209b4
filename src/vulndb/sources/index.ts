/**
 * The advisory sources Stockade reads, in one list. `detectSource` asks each, in this
 * order, whether it reads a path; the specific formats come first so a Debian tracker
 * or secdb file is never taken for a lone OSV document, and `osv` (which also accepts
 * any directory and any zip) is the fallback. A directory is judged by its first feed
 * file: a directory of secdb files goes to `alpine-secdb`, anything else to `osv`.
 */
import { stat } from 'node:fs/promises';
import type { AdvisorySource } from '../source.js';
import { alpineSecdbSource } from './alpine-secdb.js';
import { feedFormatOf, readHead, walkFeedFiles } from './bounded-input.js';
import { debianTrackerSource } from './debian-tracker.js';
import { osvJsonSource } from './osv-json.js';

export const ADVISORY_SOURCES: readonly AdvisorySource[] = [debianTrackerSource, alpineSecdbSource, osvJsonSource];

/** Bytes read for detection: enough for a tracker's first package or a record's `id`. */
export const DETECT_HEAD_BYTES = 8192;

export function sourceById(id: string): AdvisorySource | undefined {
  return ADVISORY_SOURCES.find((s) => s.id === id);
}

/** Sources whose `read` also walks a directory of their files. */
const DIRECTORY_READERS: ReadonlySet<string> = new Set(['alpine-secdb', 'osv']);
/** Walk items looked at to find a directory's first feed file. */
const SAMPLE_LIMIT = 1000;

function detectFile(path: string): AdvisorySource | undefined {
  const head = readHead(path, DETECT_HEAD_BYTES);
  return ADVISORY_SOURCES.find((s) => s.detect(path, head, false));
}

function firstFeedFile(dir: string): string | undefined {
  let seen = 0;
  for (const item of walkFeedFiles(dir, (name) => feedFormatOf(name) !== undefined)) {
    if (item.kind === 'file') return item.path;
    if (++seen >= SAMPLE_LIMIT) break;
  }
  return undefined;
}

/** The first source whose `detect` accepts the path, from its name and first bytes. */
export async function detectSource(path: string): Promise<AdvisorySource | undefined> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isDirectory()) return detectFile(path);
  const sample = firstFeedFile(path);
  const bySample = sample === undefined ? undefined : detectFile(sample);
  if (bySample && DIRECTORY_READERS.has(bySample.id)) return bySample;
  return ADVISORY_SOURCES.find((s) => s.detect(path, Buffer.alloc(0), true));
}
