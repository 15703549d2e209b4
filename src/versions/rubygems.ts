/**
 * RubyGems versions, ordered as `Gem::Version#<=>` orders them.
 *
 * Grammar (Gem::Version::VERSION_PATTERN): digits, then `.`-separated runs of
 * letters and digits, then optionally `-` and `.`-separated runs of letters,
 * digits and `-`. A `-` means `.pre.`, so `1.0-rc1` is `1.0.pre.rc1`.
 *
 * Ordering: the version is cut into segments, each a run of digits (a number) or
 * of letters (a string): `1.0.a10` is `[1, 0, "a", 10]`. Trailing zeros are
 * dropped from the numeric part before the first string and from the rest, so
 * `1.0 = 1` and `1.0.a.0 = 1.a`. Segments compare pairwise, a missing one counting
 * as 0; a string sorts before any number (so any letter makes a prerelease, and
 * `1.0.b1 < 1.0`), strings compare by bytes (case matters), numbers as numbers of
 * any size.
 *
 * Gem::Version also accepts surrounding whitespace and the empty string (as "0");
 * we do not: a blank or padded version in an advisory or a lockfile is a parse
 * error upstream, not version 0.
 */
import { compareCanonicalDigits, compareStrings, defineScheme, isAsciiDigit, isAsciiLetter, stripLeadingZeros } from './scheme.js';

/** A segment: canonical digits for numbers, the letters for strings. */
interface Segment {
  readonly numeric: boolean;
  readonly text: string;
}

export interface RubyGemsVersion {
  readonly segments: readonly Segment[];
}

// Linear: every repetition starts with a separator that the previous run cannot contain.
const VERSION_PATTERN = /^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function scanSegments(v: string): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  while (i < v.length) {
    const c = v.charCodeAt(i);
    if (isAsciiDigit(c)) {
      let end = i;
      while (end < v.length && isAsciiDigit(v.charCodeAt(end))) end++;
      out.push({ numeric: true, text: stripLeadingZeros(v.slice(i, end)) });
      i = end;
    } else if (isAsciiLetter(c)) {
      let end = i;
      while (end < v.length && isAsciiLetter(v.charCodeAt(end))) end++;
      out.push({ numeric: false, text: v.slice(i, end) });
      i = end;
    } else {
      i++; // separators (`.` and `-`, which stands for `.pre.`) only split segments
    }
  }
  return out;
}

const isZero = (s: Segment): boolean => s.numeric && s.text === '0';

/** Gem::Version#canonical_segments: trailing zeros dropped from the release part and from the prerelease part. */
function canonicalSegments(segments: Segment[]): Segment[] {
  let firstString = segments.findIndex((s) => !s.numeric);
  if (firstString < 0) firstString = segments.length;
  let releaseEnd = firstString;
  while (releaseEnd > 0 && isZero(segments[releaseEnd - 1] as Segment)) releaseEnd--;
  let end = segments.length;
  while (end > firstString && isZero(segments[end - 1] as Segment)) end--;
  return [...segments.slice(0, releaseEnd), ...segments.slice(firstString, end)];
}

export function parseRubyGemsVersion(v: string): RubyGemsVersion | undefined {
  if (!VERSION_PATTERN.test(v)) return undefined;
  // A `-` stands for `.pre.`: insert the "pre" string segment it implies.
  const segments = canonicalSegments(scanSegments(v.replaceAll('-', '.pre.')));
  return { segments };
}

const ZERO: Segment = { numeric: true, text: '0' };

export function compareRubyGemsVersions(a: RubyGemsVersion, b: RubyGemsVersion): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const x = a.segments[i] ?? ZERO;
    const y = b.segments[i] ?? ZERO;
    if (x.numeric !== y.numeric) return x.numeric ? 1 : -1;
    const r = x.numeric ? compareCanonicalDigits(x.text, y.text) : compareStrings(x.text, y.text);
    if (r !== 0) return r;
  }
  return 0;
}

export const rubygemsScheme = defineScheme<RubyGemsVersion>({
  id: 'rubygems',
  displayName: 'RubyGems',
  osvEcosystems: ['RubyGems'],
  parse: parseRubyGemsVersion,
  compareParsed: compareRubyGemsVersions,
});
