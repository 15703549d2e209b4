/**
 * OSV affected-range evaluation, exactly as the OSV schema's evaluation rules say:
 * an explicit `versions` list, then each ECOSYSTEM/SEMVER range walked in version
 * order (introduced turns "affected" on, fixed turns it off at that version,
 * last_affected turns it off after it, limit caps the range). GIT ranges need commit
 * history and are skipped. Pure: no I/O, no knowledge of any distro.
 */
import type { VersionScheme } from '../versions/index.js';
import { schemeById } from '../versions/index.js';
import type { OsvAffected, OsvEvent, OsvRange } from './osv.js';

export interface RangeVerdict {
  affected: boolean;
  /** Fixed versions above the installed one, from ranges that affect it. */
  fixed: string[];
  /** Versions that could not be compared (the range is then not trusted either way). */
  errors: string[];
}

type Keyed = { kind: 'introduced' | 'fixed' | 'last_affected' | 'limit'; version: string };

function keyed(e: OsvEvent): Keyed {
  if ('introduced' in e) return { kind: 'introduced', version: e.introduced };
  if ('fixed' in e) return { kind: 'fixed', version: e.fixed };
  if ('last_affected' in e) return { kind: 'last_affected', version: e.last_affected };
  return { kind: 'limit', version: e.limit };
}

/** `0` is "the beginning of time" for introduced, and for nothing else. */
function cmp(scheme: VersionScheme, a: Keyed, b: Keyed): number {
  const aZero = a.kind === 'introduced' && a.version === '0';
  const bZero = b.kind === 'introduced' && b.version === '0';
  if (aZero || bZero) return aZero === bZero ? 0 : aZero ? -1 : 1;
  return scheme.compare(a.version, b.version);
}

function evaluateRange(version: string, range: OsvRange, scheme: VersionScheme): RangeVerdict {
  const events = range.events.map(keyed);
  const errors: string[] = [];
  try {
    events.sort((a, b) => cmp(scheme, a, b));
    let affected = false;
    const limits = events.filter((e) => e.kind === 'limit');
    for (const e of events) {
      if (e.kind === 'introduced') {
        if (e.version === '0' || scheme.compare(version, e.version) >= 0) affected = true;
      } else if (e.kind === 'fixed') {
        if (scheme.compare(version, e.version) >= 0) affected = false;
      } else if (e.kind === 'last_affected') {
        if (scheme.compare(version, e.version) > 0) affected = false;
      }
    }
    if (affected && limits.length > 0 && limits.every((l) => l.version !== '*' && scheme.compare(version, l.version) >= 0)) affected = false;
    const fixed = affected ? events.filter((e) => e.kind === 'fixed' && scheme.compare(e.version, version) > 0).map((e) => e.version) : [];
    // Only the next fix matters to a person: the lowest one above the installed version.
    fixed.sort((a, b) => scheme.compare(a, b));
    return { affected, fixed: fixed.slice(0, 1), errors };
  } catch (e) {
    errors.push((e as Error).message);
    return { affected: false, fixed: [], errors };
  }
}

/**
 * Whether `version` is affected by one `affected[]` entry. `scheme` orders
 * ECOSYSTEM ranges; SEMVER ranges always use SemVer 2.0 ordering, as OSV defines.
 */
export function evaluateAffected(version: string, entry: OsvAffected, scheme: VersionScheme): RangeVerdict {
  const verdict: RangeVerdict = { affected: false, fixed: [], errors: [] };
  if (entry.versions?.includes(version)) verdict.affected = true;
  const semver = schemeById('semver');
  for (const range of entry.ranges ?? []) {
    if (range.type === 'GIT') continue;
    const rangeScheme = range.type === 'SEMVER' && semver ? semver : scheme;
    const r = evaluateRange(range.type === 'SEMVER' ? version.replace(/^v/, '') : version, range, rangeScheme);
    verdict.errors.push(...r.errors);
    if (r.affected) {
      verdict.affected = true;
      verdict.fixed.push(...r.fixed);
    }
  }
  verdict.fixed = [...new Set(verdict.fixed)];
  return verdict;
}
