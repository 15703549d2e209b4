/**
 * Vulnerability findings as every report shows them: one severity order, one sort,
 * one count, and one rule for which advisory links may become clickable. Writers
 * share these so the table, SARIF, HTML and CycloneDX never disagree on "how many
 * HIGH" or on which finding comes first.
 */
import { SEVERITY_ORDER } from '../core/types.js';
import type { ConfigFinding, Package, ScanResult, SecretFinding, SeverityLevel, SeverityRating, VulnerabilityFinding } from '../core/types.js';
import { compareStrings } from './packages.js';

/** Most severe first: the order findings are listed and counted in. */
export const SEVERITY_DESCENDING: readonly SeverityLevel[] = [...SEVERITY_ORDER].reverse();

const RANK = new Map<string, number>(SEVERITY_ORDER.map((level, i) => [level, i]));

/**
 * The finding's level, read defensively: a result loaded from JSON written by another
 * version may carry a level this one does not know, which counts as UNKNOWN rather
 * than vanishing from every count.
 */
export function severityOf(finding: Pick<VulnerabilityFinding, 'severity'>): SeverityLevel {
  const level = finding.severity?.level;
  return level !== undefined && RANK.has(level) ? level : 'UNKNOWN';
}

/** The CVSS score when the rating has a usable one, for ordering within a level. */
function scoreOf(finding: VulnerabilityFinding): number {
  const score = finding.severity?.score;
  return typeof score === 'number' && Number.isFinite(score) ? score : -1;
}

/** CRITICAL first, higher score first within a level; then id, package, version and package id, so ties are stable. */
export function compareFindings(a: VulnerabilityFinding, b: VulnerabilityFinding): number {
  return (RANK.get(severityOf(b))! - RANK.get(severityOf(a))!)
    || scoreOf(b) - scoreOf(a)
    || compareStrings(a.id, b.id)
    || compareStrings(a.packageName, b.packageName)
    || compareStrings(a.installedVersion, b.installedVersion)
    || compareStrings(a.packageId, b.packageId);
}

export function sortFindings(findings: readonly VulnerabilityFinding[]): VulnerabilityFinding[] {
  return [...findings].sort(compareFindings);
}

export type SeverityCounts = Record<SeverityLevel, number>;

export function countBySeverity(findings: readonly VulnerabilityFinding[]): SeverityCounts {
  const counts: SeverityCounts = { UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 };
  for (const f of findings) counts[severityOf(f)]++;
  return counts;
}

/** `Total: 12 (UNKNOWN: 0, LOW: 3, MEDIUM: 5, HIGH: 3, CRITICAL: 1)`, Trivy's summary form. */
export function totalLine(findings: readonly VulnerabilityFinding[]): string {
  const counts = countBySeverity(findings);
  return `Total: ${findings.length} (${SEVERITY_ORDER.map((level) => `${level}: ${counts[level]}`).join(', ')})`;
}

/** Findings counted against the image, and those a policy set aside. */
export function partitionSuppressed(findings: readonly VulnerabilityFinding[]): {
  active: VulnerabilityFinding[];
  suppressed: VulnerabilityFinding[];
} {
  const active: VulnerabilityFinding[] = [];
  const suppressed: VulnerabilityFinding[] = [];
  for (const f of findings) (f.suppressed ? suppressed : active).push(f);
  return { active, suppressed };
}

/** The scan's findings, or an empty list when the vulnerability scanner did not run. */
export function findingsOf(result: ScanResult): readonly VulnerabilityFinding[] {
  return result.vulnerabilities ?? [];
}

/** Package lookup for findings (first package wins when ids repeat, as in the SBOM writers). */
export function packagesById(packages: readonly Package[]): Map<string, Package> {
  const byId = new Map<string, Package>();
  for (const p of packages) if (!byId.has(p.id)) byId.set(p.id, p);
  return byId;
}

/**
 * An advisory link that may be followed: only absolute http(s) URLs, re-serialised by
 * the WHATWG parser (so what we emit is what a browser would request). Anything else
 * (`javascript:`, `data:`, relative paths, text with spaces) is not a link.
 */
export function httpUrl(text: string | undefined): string | undefined {
  if (text === undefined || text.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined; // no credentials in links we print
  return url.href;
}

/**
 * The numeric severity GitHub code scanning reads from `security-severity`: the CVSS
 * base score when the rating has one, else a representative score for the level
 * (GitHub maps >= 9.0 to critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low).
 */
export function securitySeverityScore(rating: SeverityRating | undefined): string {
  const score = rating?.score;
  if (typeof score === 'number' && Number.isFinite(score) && score >= 0 && score <= 10) return score.toFixed(1);
  const byLevel: Record<SeverityLevel, string> = { CRITICAL: '9.5', HIGH: '8.0', MEDIUM: '5.5', LOW: '2.0', UNKNOWN: '0.0' };
  const level = rating !== undefined && RANK.has(rating.level) ? rating.level : 'UNKNOWN';
  return byLevel[level];
}

/** A short, human statement of what would fix the finding. */
export function remedyText(finding: VulnerabilityFinding): string {
  switch (finding.status) {
    case 'fixed':
      return finding.fixedVersions.length > 0
        ? `upgrade ${finding.packageName} to ${finding.fixedVersions.join(' or ')}`
        : `a fix exists; upgrade ${finding.packageName}`;
    case 'will_not_fix':
      return 'the distribution will not fix this';
    default:
      return 'no fixed version yet';
  }
}

/** Configuration and secret findings: rule-based, located in a file. */
export type RuleFinding = ConfigFinding | SecretFinding;

export function isSecretFinding(f: RuleFinding): f is SecretFinding {
  return 'match' in f;
}

/** Where a rule finding sits beyond its file: the resource for configuration, the layer (and its removal) for secrets. */
export function placeOf(f: RuleFinding): string {
  if (!isSecretFinding(f)) return f.resource ?? '';
  if (!f.layer) return '';
  return `layer ${f.layer.index + 1}${f.removedIn ? `, ${f.removedIn.how} in layer ${f.removedIn.layer.index + 1} (still pullable)` : ''}`;
}
