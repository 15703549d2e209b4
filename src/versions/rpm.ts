/**
 * RPM versions as `[epoch:]version[-release]` (an EVR), ordered as rpm 4.18's
 * `rpmverCmp` orders them (what `rpm.ver()` compares in rpm's Python and Lua
 * bindings):
 *
 * - The epoch is the leading run of digits when a colon follows it (an empty one
 *   means 0); a missing epoch is 0. Otherwise the colon belongs to the version,
 *   so `a:1` is the version "a:1".
 * - The release is everything after the last hyphen. Epochs, versions and
 *   releases compare with `rpmvercmp`; a missing release is older than any
 *   release, even an empty one (`1 < 1-0`, `1 < 1-`).
 *
 * `rpmvercmp` walks both strings by segments: separators (anything but an ASCII
 * letter, digit, `~` or `^`) are skipped; `~` sorts before everything, even the
 * end (`1.0~rc1 < 1.0`); `^` sorts after the end but before anything else
 * (`1.0 < 1.0^git1 < 1.0.1`); a digit run beats a letter run; digit runs compare
 * as numbers of any length, letter runs as ASCII; when all segments tie, the
 * string with something left over is newer. Non-ASCII characters are separators,
 * as they are to rpm (its character tests are ASCII-only).
 *
 * rpm compares any string. We reject only what cannot be an EVR: the empty
 * string, an empty version part (`1:` or `-1`), and whitespace or control
 * characters, which no rpm header field built by rpmbuild contains.
 */
import { compareDigitRuns, compareRuns, defineScheme, hasSpaceOrControl, isAsciiAlnum, isAsciiDigit, isAsciiLetter } from './scheme.js';

export interface RpmVersion {
  /** Epoch text; undefined when absent (compares as "0"). */
  readonly epoch: string | undefined;
  readonly version: string;
  /** Release text; undefined when the EVR has no hyphen. */
  readonly release: string | undefined;
}

export function parseRpmEvr(v: string): RpmVersion | undefined {
  if (v.length === 0 || hasSpaceOrControl(v)) return undefined;
  let s = 0;
  while (s < v.length && isAsciiDigit(v.charCodeAt(s))) s++;
  let epoch: string | undefined;
  let versionStart = 0;
  if (v.charCodeAt(s) === 0x3a /* : */) {
    epoch = s === 0 ? '0' : v.slice(0, s);
    versionStart = s + 1;
  }
  const hyphen = v.lastIndexOf('-');
  let version: string;
  let release: string | undefined;
  if (hyphen >= s) {
    version = v.slice(versionStart, hyphen);
    release = v.slice(hyphen + 1);
  } else {
    version = v.slice(versionStart);
  }
  if (version.length === 0) return undefined;
  return { epoch, version, release };
}

const TILDE = 0x7e;
const CARET = 0x5e;

function isSegmentStart(c: number): boolean {
  return isAsciiAlnum(c) || c === TILDE || c === CARET;
}

/** rpm's rpmvercmp over two strings. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isSegmentStart(a.charCodeAt(i))) i++;
    while (j < b.length && !isSegmentStart(b.charCodeAt(j))) j++;
    const ca = i < a.length ? a.charCodeAt(i) : -1;
    const cb = j < b.length ? b.charCodeAt(j) : -1;

    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      if (ca === -1) return -1;
      if (cb === -1) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === -1 || cb === -1) break;

    // One segment from each side: digits if `a` starts with a digit, else letters.
    const numeric = isAsciiDigit(ca);
    const accept = numeric ? isAsciiDigit : isAsciiLetter;
    let endA = i;
    while (endA < a.length && accept(a.charCodeAt(endA))) endA++;
    let endB = j;
    while (endB < b.length && accept(b.charCodeAt(endB))) endB++;
    // `b` has no segment of that type here: a number is newer than letters.
    if (endB === j) return numeric ? 1 : -1;

    const r = numeric ? compareDigitRuns(a, i, endA, b, j, endB) : compareRuns(a, i, endA, b, j, endB);
    if (r !== 0) return r;
    i = endA;
    j = endB;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function compareOptional(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  return rpmvercmp(a, b);
}

export function compareRpmVersions(a: RpmVersion, b: RpmVersion): number {
  return rpmvercmp(a.epoch ?? '0', b.epoch ?? '0') || rpmvercmp(a.version, b.version) || compareOptional(a.release, b.release);
}

export const rpmScheme = defineScheme<RpmVersion>({
  id: 'rpm',
  displayName: 'RPM',
  osvEcosystems: ['Red Hat', 'AlmaLinux', 'Rocky Linux', 'SUSE', 'openSUSE', 'Mageia', 'openEuler', 'Azure Linux'],
  parse: parseRpmEvr,
  compareParsed: compareRpmVersions,
});
