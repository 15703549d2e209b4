/**
 * One severity level per (advisory, affected package), and where it came from.
 *
 * Order of preference (the first that yields a level wins; `source` names it):
 *
 * 1. The distro's own rating, when the advisory is the distro's and the package
 *    comes from that distro: Debian tracker urgency, Ubuntu priority, the Red Hat
 *    severity that AlmaLinux / Rocky / Red Hat advisories carry. Alpine publishes none.
 *    A distro knows its build flags, backports and defaults; NVD does not.
 * 2. A CVSS vector, `affected[].severity` before the record's `severity` (the
 *    package-level assessment is the more specific one). The base score is computed
 *    with ae-cvss-calculator and mapped with FIRST's qualitative scale.
 * 3. `database_specific.severity` as GitHub advisories write it (LOW / MODERATE /
 *    HIGH / CRITICAL).
 * 4. UNKNOWN.
 *
 * Decisions (each is a choice; the reason is beside it):
 *
 * - CVSS versions: v3.1, then v3.0, then v4.0, then v2 (CVSS_VERSION_PREFERENCE).
 *   Most advisory data still carries v3.x, and a `--severity HIGH` gate must mean the
 *   same thing for a 2019 record and a 2025 one; v4.0 scores run differently for the
 *   same weakness. Trivy and grype prefer v3 for the same reason, so our levels line up
 *   with theirs. v4.0 is used when it is the only modern vector. Flip the constant to
 *   follow NVD's move to v4.
 * - Score: the base score only (CVSS-B for v4.0). Temporal / threat / environmental
 *   metrics an advisory writes are its author's environment, not the user's.
 * - A v3/v4 score of 0.0 is FIRST's "None". We have no NONE level; it is rated LOW
 *   (with score 0): someone did assess it, so UNKNOWN ("nobody rated this") would be
 *   wrong, and LOW is the least alarming level that still says "assessed".
 * - CVSS v2 has no qualitative scale in FIRST's guide; NVD's is used (LOW < 4.0,
 *   MEDIUM < 7.0, HIGH otherwise; v2 has no CRITICAL).
 * - Debian `**` / `*` suffixes (`low**`, `medium*`) are stripped and the level kept.
 *   The tracker appends them to mark an urgency that was carried over rather than set
 *   by a person for that release; the level is still the tracker's, and peers
 *   (trivy-db, Clair) read `low**` as LOW too.
 * - Debian `not yet assigned` means nobody triaged it yet: a CVSS vector, when the
 *   record has one, is used instead (a brand-new CVE is exactly when the level matters
 *   most); without one it is UNKNOWN with source `debian-urgency`. `end-of-life` is
 *   not a level at all: CVSS decides.
 * - An invalid vector is skipped, and the reason is kept (`rateSeverityDetailed`).
 */
import cvssCalculator from 'ae-cvss-calculator';
import type { SeverityLevel, SeverityRating } from '../core/types.js';
import { splitEcosystem, type OsvAffected, type OsvRecord, type OsvSeverity } from './osv.js';

const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = cvssCalculator;

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';

/** Which CVSS version wins when an advisory carries several (see the header). */
export const CVSS_VERSION_PREFERENCE: readonly CvssVersion[] = ['3.1', '3.0', '4.0', '2.0'];

export interface SeverityHints {
  /** The scanned image's distro family (OsInfo.family), when known. */
  distro?: string;
}

export interface IgnoredVector {
  type: string;
  vector: string;
  reason: string;
}

export interface DetailedSeverity {
  rating: SeverityRating;
  /** CVSS vectors that were present but could not be scored, with why. */
  ignoredVectors: IgnoredVector[];
}

export function rateSeverity(record: OsvRecord, affected: OsvAffected | undefined, hints?: SeverityHints): SeverityRating {
  return rateSeverityDetailed(record, affected, hints).rating;
}

export function rateSeverityDetailed(
  record: OsvRecord,
  affected: OsvAffected | undefined,
  hints?: SeverityHints,
): DetailedSeverity {
  const ignoredVectors: IgnoredVector[] = [];
  const distro = distroRating(record, affected, hints);
  if (distro.kind === 'rated') return { rating: distro.rating, ignoredVectors };

  const cvss = cvssRating(record, affected, ignoredVectors);
  if (cvss) return { rating: cvss, ignoredVectors };

  // A distro that said "unknown" outranks a generic advisory word, and says who said so.
  if (distro.kind === 'unknown') return { rating: distro.rating, ignoredVectors };

  const word = advisoryWordRating(record, affected);
  if (word) return { rating: word, ignoredVectors };
  return { rating: { level: 'UNKNOWN', source: 'none' }, ignoredVectors };
}

// ---------------------------------------------------------------------------
// CVSS

export type ScoredVector =
  | { ok: true; version: CvssVersion; score: number; vector: string }
  | { ok: false; reason: string };

/** Base metrics each version requires; a vector missing one cannot be scored. */
const REQUIRED_METRICS: Record<CvssVersion, readonly string[]> = {
  '2.0': ['AV', 'AC', 'Au', 'C', 'I', 'A'],
  '3.0': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '3.1': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '4.0': ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'],
};

/** More metrics than any version defines: not a vector. */
const MAX_METRICS = 64;

/**
 * Base score of one OSV severity entry. The version comes from the vector's own
 * `CVSS:x.y/` prefix (feeds sometimes file a v3.1 vector under CVSS_V2 or the like);
 * a vector without a prefix is v2 only when the entry says CVSS_V2.
 */
export function scoreCvssVector(type: string, rawVector: string): ScoredVector {
  // The same few thousand vectors recur across a scan; v4.0 scoring is not free.
  const key = `${type}\u0000${rawVector}`;
  const hit = scoreCache.get(key);
  if (hit) return hit;
  const scored = scoreUncached(type, rawVector);
  if (scoreCache.size >= SCORE_CACHE_LIMIT) scoreCache.clear();
  scoreCache.set(key, scored);
  return scored;
}

const SCORE_CACHE_LIMIT = 4096;
const scoreCache = new Map<string, ScoredVector>();

function scoreUncached(type: string, rawVector: string): ScoredVector {
  const vector = rawVector.trim();
  let version: CvssVersion;
  let body: string;
  const prefix = /^CVSS:(\d\.\d)\//.exec(vector);
  if (prefix) {
    const v = prefix[1];
    if (v !== '2.0' && v !== '3.0' && v !== '3.1' && v !== '4.0') return { ok: false, reason: `unsupported CVSS version ${v}` };
    version = v;
    body = vector.slice(prefix[0].length);
  } else if (type.toUpperCase() === 'CVSS_V2') {
    version = '2.0';
    // NVD once wrote v2 vectors in parentheses.
    body = vector.startsWith('(') && vector.endsWith(')') ? vector.slice(1, -1) : vector;
  } else {
    return { ok: false, reason: 'no CVSS:x.y/ version prefix' };
  }

  const parts = body.split('/');
  if (parts.length > MAX_METRICS) return { ok: false, reason: 'too many metrics' };
  const seen = new Set<string>();
  for (const part of parts) {
    const colon = part.indexOf(':');
    if (colon <= 0 || colon === part.length - 1) return { ok: false, reason: `malformed metric "${part}"` };
    const key = part.slice(0, colon);
    // The calculator lets a repeated metric silently override the first: refuse instead.
    if (seen.has(key)) return { ok: false, reason: `metric ${key} appears twice` };
    seen.add(key);
  }
  const missing = REQUIRED_METRICS[version].filter((m) => !seen.has(m));
  if (missing.length > 0) return { ok: false, reason: `missing base metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };

  let score: number | undefined;
  try {
    score = computeBaseScore(version, vector, body);
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  if (score === undefined || !Number.isFinite(score) || score < 0 || score > 10) {
    return { ok: false, reason: 'base metrics incomplete or invalid' };
  }
  return { ok: true, version, score, vector };
}

function computeBaseScore(version: CvssVersion, vector: string, body: string): number | undefined {
  switch (version) {
    case '2.0': {
      const c = new Cvss2(body);
      return c.isBaseFullyDefined() ? c.calculateScores().base : undefined;
    }
    case '3.0': {
      const c = new Cvss3P0(vector);
      return c.isBaseFullyDefined() ? c.calculateScores().base : undefined;
    }
    case '3.1': {
      const c = new Cvss3P1(vector);
      return c.isBaseFullyDefined() ? c.calculateScores().base : undefined;
    }
    case '4.0': {
      const c = new Cvss4P0(vector);
      // CVSS-B: the score of the base metrics alone (see the header).
      return c.isBaseFullyDefined() ? c.calculateScores().baseMetricsOnly : undefined;
    }
  }
}

/**
 * FIRST's qualitative severity scale (CVSS v3.1 / v4.0 specification): 0.1-3.9 Low,
 * 4.0-6.9 Medium, 7.0-8.9 High, 9.0-10.0 Critical; 0.0 "None" is rated LOW (header).
 * v2 uses NVD's scale: Low < 4.0, Medium < 7.0, High.
 */
export function levelFromCvssScore(score: number, version: CvssVersion): SeverityLevel {
  if (version === '2.0') {
    if (score < 4.0) return 'LOW';
    if (score < 7.0) return 'MEDIUM';
    return 'HIGH';
  }
  if (score < 4.0) return 'LOW';
  if (score < 7.0) return 'MEDIUM';
  if (score < 9.0) return 'HIGH';
  return 'CRITICAL';
}

const CVSS_TYPES = new Set(['CVSS_V2', 'CVSS_V3', 'CVSS_V4']);

function cvssRating(record: OsvRecord, affected: OsvAffected | undefined, ignored: IgnoredVector[]): SeverityRating | undefined {
  for (const entries of [affected?.severity, record.severity]) {
    const best = bestCvss(entries ?? [], ignored);
    if (best) {
      return { level: levelFromCvssScore(best.score, best.version), source: `cvss-v${best.version}`, score: best.score, vector: best.vector };
    }
  }
  return undefined;
}

function bestCvss(entries: readonly OsvSeverity[], ignored: IgnoredVector[]): Extract<ScoredVector, { ok: true }> | undefined {
  let best: Extract<ScoredVector, { ok: true }> | undefined;
  for (const entry of entries) {
    if (!CVSS_TYPES.has(entry.type.toUpperCase())) continue;
    const scored = scoreCvssVector(entry.type, entry.score);
    if (!scored.ok) {
      ignored.push({ type: entry.type, vector: entry.score, reason: scored.reason });
      continue;
    }
    // The first vector of the most preferred version wins; later ones of the same version do not replace it.
    if (!best || CVSS_VERSION_PREFERENCE.indexOf(scored.version) < CVSS_VERSION_PREFERENCE.indexOf(best.version)) best = scored;
  }
  return best;
}

// ---------------------------------------------------------------------------
// Distro ratings

type DistroOutcome =
  | { kind: 'rated'; rating: SeverityRating }
  /** The distro spoke but said it does not know yet: used only when CVSS is silent. */
  | { kind: 'unknown'; rating: SeverityRating }
  | { kind: 'none' };

/** OSV ecosystem base names of the distros that publish ratings, as OsInfo.family. */
const ECOSYSTEM_DISTRO: Record<string, string> = {
  Debian: 'debian',
  Ubuntu: 'ubuntu',
  AlmaLinux: 'almalinux',
  'Rocky Linux': 'rocky',
  'Red Hat': 'rhel',
  Alpine: 'alpine',
};

/** Other spellings of a distro id a caller may pass as a hint. */
const DISTRO_ALIASES: Record<string, string> = {
  rockylinux: 'rocky',
  'rocky linux': 'rocky',
  redhat: 'rhel',
  'red hat': 'rhel',
  alma: 'almalinux',
};

function normalizeDistro(d: string): string {
  const lower = d.trim().toLowerCase();
  return DISTRO_ALIASES[lower] ?? lower;
}

/** The distro an advisory speaks for: its affected entry's ecosystem, else the record's when all entries agree. */
function advisoryDistro(record: OsvRecord, affected: OsvAffected | undefined): string | undefined {
  if (affected) return distroOfEcosystem(affected.package?.ecosystem);
  let found: string | undefined;
  for (const a of record.affected ?? []) {
    const d = distroOfEcosystem(a.package?.ecosystem);
    if (d === undefined || (found !== undefined && found !== d)) return undefined;
    found = d;
  }
  return found;
}

function distroOfEcosystem(ecosystem: string | undefined): string | undefined {
  if (!ecosystem) return undefined;
  return ECOSYSTEM_DISTRO[splitEcosystem(ecosystem).base];
}

function distroRating(record: OsvRecord, affected: OsvAffected | undefined, hints: SeverityHints | undefined): DistroOutcome {
  const distro = advisoryDistro(record, affected);
  if (!distro) return { kind: 'none' };
  // A Debian urgency says nothing about the same source package built by Ubuntu.
  if (hints?.distro && normalizeDistro(hints.distro) !== distro) return { kind: 'none' };
  switch (distro) {
    case 'debian':
      return debianRating(record, affected);
    case 'ubuntu':
      return ubuntuRating(record, affected);
    case 'almalinux':
    case 'rocky':
    case 'rhel':
      return redHatFamilyRating(record, affected, distro);
    default:
      return { kind: 'none' };
  }
}

/** Debian tracker urgency -> level; `cvss` means "let CVSS decide", `unknown` "not triaged". */
export function debianUrgencyLevel(urgency: string): SeverityLevel | 'cvss' | 'unknown' | undefined {
  const u = urgency.trim().toLowerCase().replace(/\*+$/, '');
  switch (u) {
    case 'unimportant':
    case 'low':
      return 'LOW';
    case 'medium':
      return 'MEDIUM';
    case 'high':
      return 'HIGH';
    case 'not yet assigned':
      return 'unknown';
    case 'end-of-life':
      return 'cvss';
    default:
      return undefined;
  }
}

function debianRating(record: OsvRecord, affected: OsvAffected | undefined): DistroOutcome {
  const urgency = firstString(
    affected?.ecosystem_specific?.['urgency'],
    affected?.database_specific?.['urgency'],
    record.database_specific?.['urgency'],
  );
  if (urgency === undefined) return { kind: 'none' };
  const level = debianUrgencyLevel(urgency);
  if (level === undefined || level === 'cvss') return { kind: 'none' };
  if (level === 'unknown') return { kind: 'unknown', rating: { level: 'UNKNOWN', source: 'debian-urgency' } };
  return { kind: 'rated', rating: { level, source: 'debian-urgency' } };
}

/** Ubuntu priorities (the OSV schema's `Ubuntu` severity type) -> level. */
const UBUNTU_PRIORITY: Record<string, SeverityLevel> = {
  negligible: 'LOW',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};

/**
 * Ubuntu's OSV records carry the priority as a severity entry of type `Ubuntu`
 * (OSV schema 1.6, enum negligible..critical), on the record and sometimes per package.
 */
function ubuntuRating(record: OsvRecord, affected: OsvAffected | undefined): DistroOutcome {
  for (const entries of [affected?.severity, record.severity]) {
    for (const e of entries ?? []) {
      if (e.type.toLowerCase() !== 'ubuntu') continue;
      const level = UBUNTU_PRIORITY[e.score.trim().toLowerCase()];
      if (level) return { kind: 'rated', rating: { level, source: 'ubuntu-priority' } };
    }
  }
  return { kind: 'none' };
}

/** Red Hat's four-step severity scale, which AlmaLinux and Rocky inherit. */
const RED_HAT_SEVERITY: Record<string, SeverityLevel> = {
  low: 'LOW',
  moderate: 'MEDIUM',
  important: 'HIGH',
  critical: 'CRITICAL',
};

/**
 * `database_specific.severity` when a feed sets it; otherwise the errata title prefix
 * (`Important: pcs security update`), which is where AlmaLinux's OSV records keep it.
 */
function redHatFamilyRating(record: OsvRecord, affected: OsvAffected | undefined, distro: string): DistroOutcome {
  const explicit = firstString(affected?.database_specific?.['severity'], record.database_specific?.['severity']);
  const fromField = explicit !== undefined ? RED_HAT_SEVERITY[explicit.trim().toLowerCase()] : undefined;
  const level = fromField ?? summarySeverity(record.summary);
  return level ? { kind: 'rated', rating: { level, source: `${distro}-severity` } } : { kind: 'none' };
}

function summarySeverity(summary: string | undefined): SeverityLevel | undefined {
  if (!summary) return undefined;
  const colon = summary.indexOf(':');
  // The prefix is one short word; anything longer is a title that happens to hold a colon.
  if (colon <= 0 || colon > 12) return undefined;
  return RED_HAT_SEVERITY[summary.slice(0, colon).trim().toLowerCase()];
}

// ---------------------------------------------------------------------------
// Advisory words (GHSA style)

const ADVISORY_WORDS: Record<string, SeverityLevel> = {
  low: 'LOW',
  moderate: 'MEDIUM',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};

function advisoryWordRating(record: OsvRecord, affected: OsvAffected | undefined): SeverityRating | undefined {
  const word = firstString(affected?.database_specific?.['severity'], record.database_specific?.['severity']);
  if (word === undefined) return undefined;
  const level = ADVISORY_WORDS[word.trim().toLowerCase()];
  if (!level) return undefined;
  return { level, source: record.id.startsWith('GHSA-') ? 'ghsa' : 'advisory-severity' };
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.trim() !== '') return v;
  return undefined;
}
