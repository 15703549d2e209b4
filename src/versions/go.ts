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
import { compareCanonicalDigits, comparePrereleaseIdentifiers, defineScheme, isAsciiAlnum, isAsciiDigit } from './scheme.js';

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

const isIdentChar = (c: number): boolean => isAsciiAlnum(c) || c === 0x2d; /* - */

/**
 * Splits dot-separated identifiers; undefined when one is empty, has a character
 * outside [0-9A-Za-z-], or (for prereleases) is numeric with a leading zero.
 */
function identifiers(text: string, rejectLeadingZeros: boolean): string[] | undefined {
  const ids = text.split('.');
  for (const id of ids) {
    if (id.length === 0) return undefined;
    let digitsOnly = true;
    for (let k = 0; k < id.length; k++) {
      const c = id.charCodeAt(k);
      if (!isIdentChar(c)) return undefined;
      if (!isAsciiDigit(c)) digitsOnly = false;
    }
    if (rejectLeadingZeros && digitsOnly && id.length > 1 && id.charCodeAt(0) === 0x30) return undefined;
  }
  return ids;
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
    if (identifiers(buildText, false) === undefined) return undefined;
    build = buildText;
    rest = rest.slice(0, plus);
  }
  if (rest.length > 0) {
    if (rest.charCodeAt(0) !== 0x2d) return undefined;
    const ids = identifiers(rest.slice(1), true);
    if (ids === undefined) return undefined;
    prerelease = ids;
  }
  return { major, minor, patch, prerelease, build };
}

export function compareGoVersions(a: GoVersion, b: GoVersion): number {
  const main = compareCanonicalDigits(a.major, b.major) || compareCanonicalDigits(a.minor, b.minor) || compareCanonicalDigits(a.patch, b.patch);
  if (main !== 0) return main;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  return comparePrereleaseIdentifiers(a.prerelease, b.prerelease);
}

export const goScheme = defineScheme<GoVersion>({
  id: 'go',
  displayName: 'Go module',
  osvEcosystems: ['Go'],
  parse: parseGoVersion,
  compareParsed: compareGoVersions,
});
