/**
 * The contract every version scheme implements, and the few pieces they share.
 *
 * A scheme is one ecosystem's ordering of version strings (dpkg, rpm, PEP 440 ...).
 * Vulnerability matching asks "is the installed version inside this affected range?"
 * millions of times per fleet scan, so a scheme parses each distinct string once
 * (bounded cache) and compares the parsed forms without allocating.
 *
 * Invalid input is never guessed at: `compare()` throws a VersionParseError (a
 * StockadeError with code `malformed_input`) naming the version and the scheme, so
 * the matcher can report "cannot compare" instead of silently calling a package
 * affected or safe.
 */
import { StockadeError } from '../core/errors.js';

export interface VersionScheme {
  /** Short stable id: 'dpkg', 'apk', 'rpm', 'semver', 'pep440', 'go', 'maven', 'rubygems', 'cargo', 'nuget'. */
  readonly id: string;
  /** Human name used in messages: `'1.2.3x' is not a valid PEP 440 version`. */
  readonly displayName: string;
  /** OSV ecosystem names (without a `:release` suffix) this scheme orders. */
  readonly osvEcosystems: readonly string[];
  /** Parses, or returns undefined when the string is not a valid version of this scheme. */
  parse(v: string): unknown | undefined;
  /** <0, 0, >0. Throws VersionParseError naming the version when either side is invalid. */
  compare(a: string, b: string): number;
  isValid(v: string): boolean;
}

/**
 * Longest version string any scheme accepts. Real versions stay far below this
 * (the longest in the OSV-derived test vectors is under 100 characters); the cap
 * keeps hostile input from costing more than a few hundred character steps.
 */
export const MAX_VERSION_LENGTH = 256;

/** Thrown by `compare()` when a side is not a valid version of the scheme. */
export class VersionParseError extends StockadeError {
  /** The offending version string, as given. */
  readonly version: string;
  /** Id of the scheme that rejected it. */
  readonly scheme: string;

  constructor(scheme: Pick<VersionScheme, 'id' | 'displayName'>, version: string) {
    const shown = printable(version);
    super('malformed_input', shown, `'${shown}' is not a valid ${scheme.displayName} version`);
    this.name = 'VersionParseError';
    this.version = version;
    this.scheme = scheme.id;
  }
}

/** A version for a one-line message: control characters escaped, length capped. */
function printable(v: string): string {
  const capped = v.length > 80 ? `${v.slice(0, 80)}…` : v;
  // Control characters are escaped so a hostile version cannot rewrite the terminal line.
  return capped.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * A bounded map from version string to its parsed form (or to "invalid"). When
 * full, the oldest entry goes: first-in first-out is enough here, because a scan
 * compares a small working set of strings (installed versions and the bounds of
 * the advisories that name them) over and over.
 */
export class ParseCache<P> {
  private readonly entries = new Map<string, P | null>();

  constructor(private readonly limit: number = 20_000) {}

  /** The parsed form of `v`, computing it with `parse` on a miss; undefined when invalid. */
  get(v: string, parse: (v: string) => P | undefined): P | undefined {
    const hit = this.entries.get(v);
    if (hit !== undefined) return hit ?? undefined;
    const parsed = v.length > MAX_VERSION_LENGTH ? undefined : parse(v);
    // Shared between callers from now on: frozen, so no caller can change another's answer.
    if (parsed !== undefined) deepFreeze(parsed, 2 * MAX_VERSION_LENGTH + 8);
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(v, parsed ?? null);
    return parsed;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Freezes an object and the objects and arrays it holds, `depth` levels down.
 * Parsed versions are small trees whose depth is bounded by the (capped) input length;
 * the limit only guards against a scheme returning something unexpectedly deep.
 */
function deepFreeze(value: unknown, depth: number): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || depth < 0) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner, depth - 1);
}

/** What a scheme file provides: its grammar and its ordering over parsed values. */
export interface SchemeSpec<P> {
  id: string;
  displayName: string;
  osvEcosystems: readonly string[];
  /** Pure parser: undefined for invalid input. Never throws. */
  parse(v: string): P | undefined;
  /** Ordering of two parsed values; any sign, normalised by the scheme wrapper. */
  compareParsed(a: P, b: P): number;
  cacheLimit?: number;
}

/** A VersionScheme whose parsed form is typed, for callers that keep parsed values. */
export interface TypedVersionScheme<P> extends VersionScheme {
  parse(v: string): P | undefined;
  /** Ordering of already-parsed values (no validation, no cache lookup). */
  compareParsed(a: P, b: P): number;
}

/** Wraps a scheme's pure parser and ordering with the cache, validation and errors. */
export function defineScheme<P>(spec: SchemeSpec<P>): TypedVersionScheme<P> {
  const cache = new ParseCache<P>(spec.cacheLimit);
  const parse = (v: string): P | undefined => (typeof v === 'string' ? cache.get(v, spec.parse) : undefined);
  const scheme: TypedVersionScheme<P> = {
    id: spec.id,
    displayName: spec.displayName,
    osvEcosystems: Object.freeze([...spec.osvEcosystems]),
    parse,
    compareParsed: (a, b) => Math.sign(spec.compareParsed(a, b)),
    isValid: (v) => parse(v) !== undefined,
    compare(a: string, b: string): number {
      const pa = parse(a);
      if (pa === undefined) throw new VersionParseError(scheme, String(a));
      const pb = parse(b);
      if (pb === undefined) throw new VersionParseError(scheme, String(b));
      return Math.sign(spec.compareParsed(pa, pb));
    },
  };
  return Object.freeze(scheme);
}

// ---------------------------------------------------------------------------
// Character and number helpers shared by several schemes. They work on UTF-16
// code units, index-based, so comparisons allocate nothing.

export const isAsciiDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
export const isAsciiLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
export const isAsciiUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
export const isAsciiLetter = (c: number): boolean => isAsciiLower(c) || isAsciiUpper(c);
export const isAsciiAlnum = (c: number): boolean => isAsciiDigit(c) || isAsciiLetter(c);

/** True when every character is a printable ASCII character other than space (0x21-0x7e). */
export function isPrintableAsciiNoSpace(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** True when `v` contains whitespace or a control character (any code point ≤ 0x20, DEL, C1). */
export function hasSpaceOrControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0xfeff) return true;
    if (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000) return true;
  }
  return false;
}

/** True when `v` is one or more ASCII digits. */
export function isDigits(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) if (!isAsciiDigit(v.charCodeAt(i))) return false;
  return true;
}

/** `v` (digits only) without leading zeros; "0" for all zeros. */
export function stripLeadingZeros(v: string): string {
  let i = 0;
  while (i < v.length - 1 && v.charCodeAt(i) === 0x30) i++;
  return i === 0 ? v : v.slice(i);
}

/**
 * Numeric order of two canonical digit strings (no leading zeros, or exactly "0"),
 * exact for any length: the longer number is larger, equal lengths compare by digit.
 */
export function compareCanonicalDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Plain code-unit order of two strings (what C's strcmp/memcmp gives for ASCII). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * SemVer 2.0 §11 precedence of two pre-release identifier lists (both non-empty):
 * identifiers that are all digits compare numerically and sort before alphanumeric
 * ones, which compare in ASCII order; a shorter list that is a prefix of the other
 * is smaller. Numeric identifiers must already be canonical (no leading zeros).
 */
export function comparePrereleaseIdentifiers(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    const xNum = isDigits(x);
    const yNum = isDigits(y);
    if (xNum !== yNum) return xNum ? -1 : 1;
    return xNum ? compareCanonicalDigits(x, y) : compareStrings(x, y);
  }
  return a.length - b.length;
}

/**
 * Numeric order of two digit runs `a[aStart, aEnd)` and `b[bStart, bEnd)`, leading
 * zeros ignored, exact at any length; allocates nothing.
 */
export function compareDigitRuns(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): number {
  while (aStart < aEnd && a.charCodeAt(aStart) === 0x30) aStart++;
  while (bStart < bEnd && b.charCodeAt(bStart) === 0x30) bStart++;
  const lenA = aEnd - aStart;
  const lenB = bEnd - bStart;
  if (lenA !== lenB) return lenA < lenB ? -1 : 1;
  for (let k = 0; k < lenA; k++) {
    const d = a.charCodeAt(aStart + k) - b.charCodeAt(bStart + k);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Code-unit order of two runs `a[aStart, aEnd)` and `b[bStart, bEnd)` (strcmp on the runs). */
export function compareRuns(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let k = 0; k < n; k++) {
    const d = a.charCodeAt(aStart + k) - b.charCodeAt(bStart + k);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  const lenA = aEnd - aStart;
  const lenB = bEnd - bStart;
  return lenA === lenB ? 0 : lenA < lenB ? -1 : 1;
}

/**
 * SemVer 2.0 dot-separated identifiers (prerelease or build); undefined when one is
 * empty, has a character outside [0-9A-Za-z-], or (with `rejectLeadingZeros`, for
 * prereleases) is numeric with a leading zero.
 */
export function semverIdentifiers(text: string, rejectLeadingZeros: boolean): string[] | undefined {
  const ids = text.split('.');
  for (const id of ids) {
    if (id.length === 0) return undefined;
    let digitsOnly = true;
    for (let k = 0; k < id.length; k++) {
      const c = id.charCodeAt(k);
      if (!isAsciiAlnum(c) && c !== 0x2d /* - */) return undefined;
      if (!isAsciiDigit(c)) digitsOnly = false;
    }
    if (rejectLeadingZeros && digitsOnly && id.length > 1 && id.charCodeAt(0) === 0x30) return undefined;
  }
  return ids;
}

/** SemVer 2.0 precedence of parsed versions with canonical (no leading zero) core numbers. */
export function compareSemverParts(
  a: { major: string; minor: string; patch: string; prerelease: readonly string[] },
  b: { major: string; minor: string; patch: string; prerelease: readonly string[] },
): number {
  const main = compareCanonicalDigits(a.major, b.major) || compareCanonicalDigits(a.minor, b.minor) || compareCanonicalDigits(a.patch, b.patch);
  if (main !== 0) return main;
  // A release sorts after all of its prereleases.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  return comparePrereleaseIdentifiers(a.prerelease, b.prerelease);
}
