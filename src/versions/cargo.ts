/**
 * Cargo (crates.io) versions: strict SemVer 2.0 as the Rust `semver` crate parses
 * it (`semver::Version::parse`), ordered by SemVer precedence.
 *
 * Grammar: `MAJOR.MINOR.PATCH[-prerelease][+build]`, each number without leading
 * zeros and at most 2^64-1, identifiers from `[0-9A-Za-z-]`, none empty, numeric
 * prerelease identifiers without leading zeros (build identifiers may have them).
 * No `v` prefix, no whitespace, no shorthand (`1.2` is invalid).
 *
 * Ordering ignores build metadata (SemVer 2.0 §10), which is what OSV `SEMVER`
 * ranges and RustSec's `VersionReq::matches` use; the crate's `Ord` on `Version`
 * would additionally order `1.0.0+a < 1.0.0+b`, which no advisory relies on.
 */
import { compareCanonicalDigits, compareSemverParts, defineScheme, isAsciiDigit, semverIdentifiers } from './scheme.js';

export interface CargoVersion {
  readonly major: string;
  readonly minor: string;
  readonly patch: string;
  readonly prerelease: readonly string[];
  readonly build: readonly string[];
}

const U64_MAX = '18446744073709551615';

/** A version core number: digits, no leading zero, fits in u64. */
function isCoreNumber(s: string): boolean {
  if (s.length === 0 || s.length > U64_MAX.length) return false;
  for (let i = 0; i < s.length; i++) if (!isAsciiDigit(s.charCodeAt(i))) return false;
  if (s.length > 1 && s.charCodeAt(0) === 0x30) return false;
  return compareCanonicalDigits(s, U64_MAX) <= 0;
}

export function parseCargoVersion(v: string): CargoVersion | undefined {
  let core = v;
  let build: string[] = [];
  const plus = v.indexOf('+');
  if (plus >= 0) {
    const ids = semverIdentifiers(v.slice(plus + 1), false);
    if (ids === undefined) return undefined;
    build = ids;
    core = v.slice(0, plus);
  }
  let prerelease: string[] = [];
  const hyphen = core.indexOf('-');
  if (hyphen >= 0) {
    const ids = semverIdentifiers(core.slice(hyphen + 1), true);
    if (ids === undefined) return undefined;
    prerelease = ids;
    core = core.slice(0, hyphen);
  }
  const parts = core.split('.');
  if (parts.length !== 3) return undefined;
  const [major, minor, patch] = parts as [string, string, string];
  if (!isCoreNumber(major) || !isCoreNumber(minor) || !isCoreNumber(patch)) return undefined;
  return { major, minor, patch, prerelease, build };
}

export function compareCargoVersions(a: CargoVersion, b: CargoVersion): number {
  return compareSemverParts(a, b);
}

export const cargoScheme = defineScheme<CargoVersion>({
  id: 'cargo',
  displayName: 'Cargo (SemVer)',
  osvEcosystems: ['crates.io'],
  parse: parseCargoVersion,
  compareParsed: compareCargoVersions,
});
