/**
 * What a vulnerability scan concluded about an image, kept in the cache directory so an
 * enforcement point can act on it without scanning: the admission webhook blocks an image
 * whose last scan found CRITICAL vulnerabilities (configurable). Keyed by every name the
 * image was scanned under: `registry/repo@digest` (exact) and `registry/repo:tag` (as fresh
 * as the scan). Counts only: no package or advisory detail leaves the scan here.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEVERITY_ORDER, type ScanResult, type SeverityLevel } from '../core/types.js';
import { formatReference, tryParseImageReference } from '../registry/reference.js';

export interface ScanVerdict {
  format: 1;
  /** The name the scan was asked for. */
  image: string;
  /** Manifest digest, when known. */
  digest?: string;
  scannedAt: string;
  /** Per severity: findings, and how many of them have a fixed version. Suppressed findings are not counted. */
  counts: Record<SeverityLevel, { total: number; fixable: number }>;
}

const MAX_VERDICT_BYTES = 64 * 1024;

/** The names a verdict is stored under, normalised as Docker does. */
export function verdictKeys(result: ScanResult): string[] {
  const names = [...result.target.repoDigests, ...result.target.repoTags];
  const keys = new Set<string>();
  for (const name of names) {
    const ref = tryParseImageReference(name);
    if (!ref) continue;
    if (ref.digest) keys.add(`${ref.registry}/${ref.repository}@${ref.digest}`);
    else keys.add(formatReference({ ...ref, tag: ref.tag ?? 'latest' }));
  }
  return [...keys];
}

/** The key to look an image reference up by: its digest when pinned, else its tag. */
export function lookupKey(image: string): string | undefined {
  const ref = tryParseImageReference(image);
  if (!ref) return undefined;
  return ref.digest ? `${ref.registry}/${ref.repository}@${ref.digest}` : formatReference({ ...ref, tag: ref.tag ?? 'latest' });
}

function fileFor(cacheDir: string, key: string): string {
  return join(cacheDir, 'verdicts', `${createHash('sha256').update(key).digest('hex')}.json`);
}

export function verdictOf(result: ScanResult, now = new Date()): ScanVerdict {
  const counts = Object.fromEntries(SEVERITY_ORDER.map((l) => [l, { total: 0, fixable: 0 }])) as ScanVerdict['counts'];
  for (const f of result.vulnerabilities ?? []) {
    if (f.suppressed) continue;
    const c = counts[f.severity.level] ?? counts.UNKNOWN;
    c.total++;
    if (f.fixedVersions.length > 0) c.fixable++;
  }
  return { format: 1, image: result.target.name, ...(result.target.manifestDigest ? { digest: result.target.manifestDigest } : {}), scannedAt: now.toISOString(), counts };
}

/** Stores the verdict of an image scan whose vulnerability scan ran; a cache that cannot be written only costs the verdict. */
export function writeScanVerdict(cacheDir: string, result: ScanResult): number {
  if (!result.vulnerabilities) return 0;
  const keys = verdictKeys(result);
  const text = JSON.stringify(verdictOf(result));
  let written = 0;
  for (const key of keys) {
    const target = fileFor(cacheDir, key);
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      mkdirSync(join(cacheDir, 'verdicts'), { recursive: true, mode: 0o700 });
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, target);
      written++;
    } catch {
      rmSync(tmp, { force: true });
    }
  }
  return written;
}

/** The stored verdict for an image reference, or undefined (never scanned, or unreadable). */
export function readScanVerdict(cacheDir: string, image: string): ScanVerdict | undefined {
  const key = lookupKey(image);
  if (!key) return undefined;
  const file = fileFor(cacheDir, key);
  try {
    if (statSync(file).size > MAX_VERDICT_BYTES) return undefined;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as ScanVerdict;
    return parsed.format === 1 && parsed.counts ? parsed : undefined;
  } catch {
    return undefined;
  }
}
