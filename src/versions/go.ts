/**
 * Go module versions, ordered as `golang.org/x/mod/semver.Compare` orders them.
 *
 * Grammar (x/mod/semver): `vMAJOR[.MINOR[.PATCH[-prerelease][+build]]]`, numbers
 * without leading zeros, prerelease and build identifiers from `[0-9A-Za-z-]`,
 * numeric prerelease identifiers without leading zeros. The shorthands `v1` and
 * `v1.2` mean `v1.0.0` and `v1.2.0` (and cannot carry a prerelease or build).
 * OSV's Go ranges write versions without the `v`, so a missing `v` is supplied;
 * nothing else is.
 *
 * Ordering is SemVer 2.0 precedence with numbers of any length. Build metadata is
 * ignored, so `v2.0.0+incompatible` equals `v2.0.0`. Pseudo-versions
 * (`v0.0.0-20230102150405-abcdef123456`, `v1.2.4-0.20230102150405-abcdef123456`,
 * `v1.2.3-pre.0.20230102150405-abcdef123456`) are prereleases and need nothing
 * special: the timestamp identifier orders them in time, and they sort below the
 * release they precede.
 */
import { compareSemverParts, defineScheme, isAsciiDigit, semverIdentifiers } from './scheme.js';

export interface GoVersion {
  readonly major: string;
  readonly minor: string;
  readonly patch: string;
  /** Prerelease identifiers; empty for a release. */
  readonly prerelease: readonly string[];
  /** Build metadata without the `+`, e.g. "incompatible"; "" when absent. */
  readonly build: string;
}

/** Reads a number without leading zeros at `i`; returns its end, or -1. */
function numberEnd(v: string, i: number): number {
  let end = i;
  while (end < v.length && isAsciiDigit(v.charCodeAt(end))) end++;
  if (end === i) return -1;
  if (end - i > 1 && v.charCodeAt(i) === 0x30) return -1;
  return end;
}

export function parseGoVersion(input: string): GoVersion | undefined {
  const v = input.startsWith('v') ? input : `v${input}`;
  const majorEnd = numberEnd(v, 1);
  if (majorEnd < 0) return undefined;
  const major = v.slice(1, majorEnd);
  if (majorEnd === v.length) return { major, minor: '0', patch: '0', prerelease: [], build: '' };
  if (v.charCodeAt(majorEnd) !== 0x2e) return undefined;
  const minorEnd = numberEnd(v, majorEnd + 1);
  if (minorEnd < 0) return undefined;
  const minor = v.slice(majorEnd + 1, minorEnd);
  if (minorEnd === v.length) return { major, minor, patch: '0', prerelease: [], build: '' };
  if (v.charCodeAt(minorEnd) !== 0x2e) return undefined;
  const patchEnd = numberEnd(v, minorEnd + 1);
  if (patchEnd < 0) return undefined;
  const patch = v.slice(minorEnd + 1, patchEnd);

  let rest = v.slice(patchEnd);
  let prerelease: string[] = [];
  let build = '';
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    const buildText = rest.slice(plus + 1);
    if (semverIdentifiers(buildText, false) === undefined) return undefined;
    build = buildText;
    rest = rest.slice(0, plus);
  }
  if (rest.length > 0) {
    if (rest.charCodeAt(0) !== 0x2d) return undefined;
    const ids = semverIdentifiers(rest.slice(1), true);
    if (ids === undefined) return undefined;
    prerelease = ids;
  }
  return { major, minor, patch, prerelease, build };
}

export function compareGoVersions(a: GoVersion, b: GoVersion): number {
  return compareSemverParts(a, b);
}

export const goScheme = defineScheme<GoVersion>({
  id: 'go',
  displayName: 'Go module',
  osvEcosystems: ['Go'],
  parse: parseGoVersion,
  compareParsed: compareGoVersions,
});
