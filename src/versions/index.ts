/**
 * The one list of version schemes, and lookup by OSV ecosystem.
 *
 * Adding a scheme: one file exporting a `defineScheme(...)` value, one line here.
 * index.test.ts fails when a scheme file is not listed, when two schemes share an
 * id, or when two claim the same OSV ecosystem.
 */
import { apkScheme } from './apk.js';
import { cargoScheme } from './cargo.js';
import { dpkgScheme } from './dpkg.js';
import { goScheme } from './go.js';
import { mavenScheme } from './maven.js';
import { nugetScheme } from './nuget.js';
import { packagistScheme } from './packagist.js';
import { pep440Scheme } from './pep440.js';
import { rpmScheme } from './rpm.js';
import { rubygemsScheme } from './rubygems.js';
import type { VersionScheme } from './scheme.js';
import { semverScheme } from './semver.js';

export type { VersionScheme } from './scheme.js';
export { VersionParseError } from './scheme.js';

export const VERSION_SCHEMES: readonly VersionScheme[] = Object.freeze([
  dpkgScheme,
  apkScheme,
  rpmScheme,
  semverScheme,
  pep440Scheme,
  goScheme,
  mavenScheme,
  rubygemsScheme,
  cargoScheme,
  nugetScheme,
  packagistScheme,
]);

const byId = new Map<string, VersionScheme>(VERSION_SCHEMES.map((s) => [s.id, s]));
const byEcosystem = new Map<string, VersionScheme>(VERSION_SCHEMES.flatMap((s) => s.osvEcosystems.map((e) => [e, s] as const)));

export function schemeById(id: string): VersionScheme | undefined {
  return byId.get(id);
}

/**
 * The scheme for an OSV `affected[].package.ecosystem`, which may carry a release
 * suffix after the first colon (`Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04:LTS`,
 * `Ubuntu:Pro:18.04:LTS`): the suffix names a distribution release, not a different
 * ordering, so it is dropped. Names are case-sensitive, as OSV defines them.
 * Undefined for ecosystems with no scheme here.
 */
export function schemeForOsvEcosystem(ecosystem: string): VersionScheme | undefined {
  const colon = ecosystem.indexOf(':');
  return byEcosystem.get(colon >= 0 ? ecosystem.slice(0, colon) : ecosystem);
}

/** Schemes whose versions are SemVer 2.0 with their ecosystem's own parsing rules. */
const SEMVER_FAMILY = new Set<VersionScheme>([semverScheme, goScheme, cargoScheme]);

/**
 * The scheme for one OSV range: `ECOSYSTEM` ranges use the ecosystem's ordering;
 * `SEMVER` ranges are SemVer 2.0 by definition, so they use the ecosystem's scheme
 * when that is a SemVer dialect (npm, Go, crates.io, Hex) and npm's SemVer
 * otherwise. `GIT` ranges (commit hashes) have no version order: undefined.
 *
 * Note for the matcher: OSV's `introduced: "0"` means "from the first version"
 * and is not a version in every scheme (SemVer rejects it); treat it before
 * calling compare().
 */
export function schemeForOsvRange(rangeType: string, ecosystem: string): VersionScheme | undefined {
  if (rangeType === 'ECOSYSTEM') return schemeForOsvEcosystem(ecosystem);
  if (rangeType === 'SEMVER') {
    const own = schemeForOsvEcosystem(ecosystem);
    return own !== undefined && SEMVER_FAMILY.has(own) ? own : semverScheme;
  }
  return undefined;
}
