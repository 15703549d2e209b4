/**
 * The matcher: inventory + advisories -> one finding per (package, vulnerability).
 * Distro knowledge lives in the drivers; OSV range semantics in ranges.ts; ratings in
 * severity.ts. This file only joins them, merges advisories that are aliases of each
 * other, and reports what it could not decide instead of guessing.
 */
import type { OsInfo, Package, ScanWarning, SeverityLevel, SeverityRating, VulnerabilityFinding, VulnerabilityStatus } from '../core/types.js';
import { SEVERITY_ORDER } from '../core/types.js';
import { MATCH_DRIVERS } from './drivers/index.js';
import type { MatchDriver, PackageQuery } from './drivers/driver.js';
import { splitEcosystem, type OsvAffected, type OsvRecord } from './osv.js';
import { evaluateAffected } from './ranges.js';
import { rateSeverity } from './severity.js';
import { normalizePackageName } from './store.js';
import { pushTo } from '../core/multimap.js';

export interface AdvisoryLookup {
  lookup(ecosystemBase: string, name: string): OsvRecord[];
}

export interface MatchOptions {
  /** Also judge OS-installed language packages by upstream advisories (marked viaOsOwned). */
  includeOsOwned?: boolean;
  today?: Date;
  drivers?: readonly MatchDriver[];
}

export interface MatchOutcome {
  findings: VulnerabilityFinding[];
  warnings: ScanWarning[];
}

interface Hit {
  record: OsvRecord;
  entry: OsvAffected;
  fixed: string[];
}

/** Distros that rate their own packages: their rating wins for their packages. */
const DISTRO_RATING_SOURCES = ['debian', 'ubuntu', 'alpine', 'almalinux', 'rocky', 'redhat'];

function ratingRank(r: SeverityRating): number {
  if (DISTRO_RATING_SOURCES.some((d) => r.source.startsWith(d))) return 0;
  if (r.source.startsWith('cvss-v3')) return 1;
  if (r.source.startsWith('cvss-v4')) return 2;
  if (r.source.startsWith('cvss')) return 3;
  if (r.level !== 'UNKNOWN') return 4;
  return 5;
}

function pickRating(ratings: SeverityRating[]): SeverityRating {
  const sorted = [...ratings].sort((a, b) => ratingRank(a) - ratingRank(b) || SEVERITY_ORDER.indexOf(b.level) - SEVERITY_ORDER.indexOf(a.level));
  return sorted[0] ?? { level: 'UNKNOWN', source: 'none' };
}

/** Debian tracker and similar feeds say when a distro has decided not to fix. */
function willNotFix(entry: OsvAffected): boolean {
  for (const bag of [entry.ecosystem_specific, entry.database_specific]) {
    if (!bag) continue;
    const reason = bag['nodsa_reason'] ?? bag['status'];
    if (reason === 'ignored' || reason === 'will not fix' || reason === 'will_not_fix' || reason === 'end-of-life') return true;
  }
  return false;
}

/** Groups hits whose ids and aliases overlap (CVE, DSA, GHSA of one flaw). */
function groupByAlias(hits: Hit[]): Hit[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root && parent.has(root)) root = parent.get(root) as string;
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string) => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const h of hits) {
    union(h.record.id, h.record.id);
    for (const a of h.record.aliases ?? []) union(h.record.id, a);
  }
  const groups = new Map<string, Hit[]>();
  for (const h of hits) {
    const root = find(h.record.id);
    pushTo(groups, root, h);
  }
  return [...groups.values()];
}

function displayId(ids: string[]): string {
  return ids.find((i) => i.startsWith('CVE-')) ?? ids.find((i) => i.startsWith('GHSA-')) ?? [...ids].sort()[0] ?? 'UNKNOWN';
}

function firstLine(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim();
  return line && line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function buildFinding(pkg: Package, query: PackageQuery, group: Hit[], viaOsOwned: boolean, os: OsInfo | undefined): VulnerabilityFinding {
  const ids = [...new Set(group.flatMap((h) => [h.record.id, ...(h.record.aliases ?? [])]))];
  const id = displayId(ids);
  const fixed = [...new Set(group.flatMap((h) => h.fixed))];
  try {
    fixed.sort((a, b) => query.scheme.compare(a, b));
  } catch {
    fixed.sort();
  }
  let status: VulnerabilityStatus = fixed.length > 0 ? 'fixed' : 'affected';
  if (status === 'affected' && group.some((h) => willNotFix(h.entry))) status = 'will_not_fix';
  const rating = pickRating(group.map((h) => rateSeverity(h.record, h.entry, os ? { distro: os.family } : undefined)));
  const primary = group.find((h) => h.record.id === id) ?? group[0];
  const record = primary?.record;
  const published = group.map((h) => h.record.published).filter((x): x is string => Boolean(x)).sort()[0];
  const modified = group.map((h) => h.record.modified).sort().at(-1);
  const finding: VulnerabilityFinding = {
    id,
    aliases: ids.filter((i) => i !== id).sort(),
    packageId: pkg.id,
    packageName: pkg.name,
    installedVersion: query.version,
    fixedVersions: fixed,
    status,
    severity: rating,
    primaryUrl: query.advisoryUrl(id),
    references: [...new Set(group.flatMap((h) => (h.record.references ?? []).map((r) => r.url)))].slice(0, 50),
    dataSources: [...new Set(group.map((h) => h.entry.package?.ecosystem ?? 'unknown'))].sort(),
  };
  const title = firstLine(group.map((h) => h.record.summary).find(Boolean) ?? record?.details);
  if (title) finding.title = title;
  const description = group.map((h) => h.record.details).find(Boolean);
  if (description) finding.description = description.length > 4000 ? `${description.slice(0, 3997)}...` : description;
  if (published) finding.published = published;
  if (modified) finding.modified = modified;
  if (viaOsOwned) finding.viaOsOwned = true;
  return finding;
}

export function matchPackages(packages: Package[], os: OsInfo | undefined, store: AdvisoryLookup, options: MatchOptions = {}): MatchOutcome {
  const drivers = options.drivers ?? MATCH_DRIVERS;
  const today = options.today ?? new Date();
  const findings: VulnerabilityFinding[] = [];
  const warnings: ScanWarning[] = [];
  const recordCache = new Map<string, OsvRecord[]>();
  const ownerIds = new Set(packages.filter((p) => ['deb', 'apk', 'rpm'].includes(p.ecosystem)).map((p) => p.id));

  if (os) {
    for (const d of drivers) {
      const note = d.endOfLife?.(os, today);
      if (note) warnings.push({ input: 'os', message: note });
    }
  }

  for (const pkg of packages) {
    let query: PackageQuery | undefined;
    for (const d of drivers) {
      query = d.query(pkg, os);
      if (query) break;
    }
    if (!query) continue;
    const osOwned = pkg.ownedBy !== undefined && ownerIds.has(pkg.ownedBy);
    // The distro's advisories for the owning source package carry its backports;
    // upstream advisories on the upstream version would be false alarms by default.
    if (osOwned && !['deb', 'apk', 'rpm'].includes(pkg.ecosystem) && !options.includeOsOwned) continue;
    if (!query.scheme.isValid(query.version)) {
      warnings.push({ input: pkg.locations[0] ?? pkg.name, message: `${pkg.name}: version '${query.version}' is not a valid ${query.scheme.displayName} version; vulnerabilities were not checked for it` });
      continue;
    }
    const key = `${query.ecosystem}\0${query.name}`;
    let records = recordCache.get(key);
    if (!records) {
      records = store.lookup(query.ecosystem, query.name);
      recordCache.set(key, records);
    }
    const wantedName = normalizePackageName(query.ecosystem, query.name);
    const hits: Hit[] = [];
    for (const record of records) {
      if (record.withdrawn) continue;
      for (const entry of record.affected ?? []) {
        if (!entry.package) continue;
        const { base, release } = splitEcosystem(entry.package.ecosystem);
        if (base !== query.ecosystem || !query.releaseMatches(release)) continue;
        if (normalizePackageName(base, entry.package.name) !== wantedName) continue;
        const verdict = evaluateAffected(query.version, entry, query.scheme);
        if (verdict.errors.length > 0) {
          warnings.push({ input: pkg.locations[0] ?? pkg.name, message: `${record.id} for ${pkg.name}: ${verdict.errors[0]}; this advisory could not be evaluated` });
        }
        if (verdict.affected) hits.push({ record, entry, fixed: verdict.fixed });
      }
    }
    for (const group of groupByAlias(hits)) findings.push(buildFinding(pkg, query, group, osOwned, os));
  }
  findings.sort((a, b) => SEVERITY_ORDER.indexOf(b.severity.level) - SEVERITY_ORDER.indexOf(a.severity.level) || a.packageName.localeCompare(b.packageName) || a.id.localeCompare(b.id));
  return { findings, warnings };
}

export function severityAtLeast(level: SeverityLevel, threshold: readonly SeverityLevel[]): boolean {
  return threshold.includes(level);
}
