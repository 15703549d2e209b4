/**
 * Python package versions, parsed and ordered per PEP 440 as `packaging.version`
 * (pip's own comparator) does.
 *
 * Implemented here rather than through `@renovatebot/pep440` (not installed): the
 * algorithm is one grammar and one sort key, small enough to own, and owning it
 * lets the parse be cached and the comparison allocation-free like every other
 * scheme; the test runs it against `packaging` itself.
 *
 * Grammar (the spec's permissive form): optional `v`, optional `N!` epoch, release
 * `N(.N)*`, optional pre-release (`a`/`alpha`, `b`/`beta`, `rc`/`c`/`pre`/
 * `preview`), post-release (`.postN`, `-N`, `rev`, `r`), dev release (`.devN`) and
 * `+local` label; case-insensitive; `.`, `-` or `_` (or nothing) between parts; a
 * missing number is 0; surrounding whitespace is ignored, as the spec says.
 *
 * Ordering (packaging's sort key): epoch; release with trailing zeros dropped
 * (`1.0 = 1.0.0`); then `X.devN < XaN < XbN < XrcN < X < X.postN`, where a
 * pre-release may itself carry `.postN` and `.devN`; then local labels, a version
 * without one first, numeric segments above alphanumeric ones.
 *
 * Legacy (non-PEP 440) versions such as `0.1-bulbasaur` or `2004d`: invalid, and
 * compare() throws. pip has refused them since 22.x and `packaging` dropped
 * LegacyVersion in 22.0; the old legacy order was a setuptools heuristic, not
 * something an advisory range can be trusted to mean.
 *
 * Non-ASCII letters are invalid even where old `packaging` releases let Python's
 * case-insensitive `[a-z]` match them (`ſ`, `K`); current `packaging` rejects them too.
 */
import { compareCanonicalDigits, compareStrings, defineScheme, stripLeadingZeros } from './scheme.js';

/** Pre-release rank in the sort key; DEV_ONLY and FINAL stand for packaging's -∞ and +∞. */
const enum PreRank {
  DevOnly = -1,
  Alpha = 0,
  Beta = 1,
  Rc = 2,
  Final = 3,
}

interface LocalSegment {
  readonly numeric: boolean;
  /** Canonical digits for numeric segments, lowercase text otherwise. */
  readonly text: string;
}

export interface Pep440Version {
  readonly epoch: string;
  /** Release numbers, canonical digits, trailing zeros removed. */
  readonly release: readonly string[];
  readonly pre: PreRank;
  readonly preNumber: string;
  /** Canonical digits, or undefined without a post-release. */
  readonly post: string | undefined;
  /** Canonical digits, or undefined without a dev release. */
  readonly dev: string | undefined;
  readonly local: readonly LocalSegment[] | undefined;
}

// One pass over at most MAX_VERSION_LENGTH characters; every repeated group starts
// with a character the previous one cannot end with, so backtracking stays linear.
const PEP440 =
  /^v?(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?(?:[-_.]?(dev)[-_.]?([0-9]+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/;

const PRE_RANK: Readonly<Record<string, PreRank>> = {
  a: PreRank.Alpha,
  alpha: PreRank.Alpha,
  b: PreRank.Beta,
  beta: PreRank.Beta,
  c: PreRank.Rc,
  rc: PreRank.Rc,
  pre: PreRank.Rc,
  preview: PreRank.Rc,
};

/** Python's str.isspace(), which is what `\s` and strip() honour in packaging. */
function isPythonSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    (c >= 0x1c && c <= 0x20) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Trims Python whitespace and lowercases ASCII letters only (non-ASCII stays and fails the grammar). */
function normalizeInput(v: string): string {
  let start = 0;
  let end = v.length;
  while (start < end && isPythonSpace(v.charCodeAt(start))) start++;
  while (end > start && isPythonSpace(v.charCodeAt(end - 1))) end--;
  const trimmed = v.slice(start, end);
  return trimmed.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

const canonical = (digits: string | undefined): string => (digits === undefined ? '0' : stripLeadingZeros(digits));

export function parsePep440Version(input: string): Pep440Version | undefined {
  const m = PEP440.exec(normalizeInput(input));
  if (m === null) return undefined;
  const [, epoch, releaseText, preLabel, preNumber, postImplicit, postLabel, postNumber, devLabel, devNumber, localText] = m;

  const release = (releaseText as string).split('.').map(stripLeadingZeros);
  // packaging's key drops every trailing zero, so "0" and "0.0" both key as ().
  while (release.length > 0 && release[release.length - 1] === '0') release.pop();

  const post = postImplicit !== undefined ? canonical(postImplicit) : postLabel !== undefined ? canonical(postNumber) : undefined;
  const dev = devLabel !== undefined ? canonical(devNumber) : undefined;
  let pre: PreRank = PreRank.Final;
  if (preLabel !== undefined) pre = PRE_RANK[preLabel] as PreRank;
  else if (post === undefined && dev !== undefined) pre = PreRank.DevOnly;

  const local = localText?.split(/[-_.]/).map((part): LocalSegment => {
    const numeric = /^[0-9]+$/.test(part);
    return { numeric, text: numeric ? stripLeadingZeros(part) : part };
  });

  return { epoch: canonical(epoch), release, pre, preNumber: canonical(preNumber), post, dev, local };
}

function compareRelease(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const r = compareCanonicalDigits(a[i] as string, b[i] as string);
    if (r !== 0) return r;
  }
  return a.length - b.length;
}

/** Optional numbers where absence is -∞ (post, local) or +∞ (dev). */
function compareOptionalDigits(a: string | undefined, b: string | undefined, absentIsHigh: boolean): number {
  if (a === undefined || b === undefined) {
    if (a === b) return 0;
    return (a === undefined) === absentIsHigh ? 1 : -1;
  }
  return compareCanonicalDigits(a, b);
}

function compareLocal(a: readonly LocalSegment[] | undefined, b: readonly LocalSegment[] | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as LocalSegment;
    const y = b[i] as LocalSegment;
    if (x.numeric !== y.numeric) return x.numeric ? 1 : -1;
    const r = x.numeric ? compareCanonicalDigits(x.text, y.text) : compareStrings(x.text, y.text);
    if (r !== 0) return r;
  }
  return a.length - b.length;
}

export function comparePep440Versions(a: Pep440Version, b: Pep440Version): number {
  return (
    compareCanonicalDigits(a.epoch, b.epoch) ||
    compareRelease(a.release, b.release) ||
    a.pre - b.pre ||
    (a.pre !== PreRank.DevOnly && a.pre !== PreRank.Final ? compareCanonicalDigits(a.preNumber, b.preNumber) : 0) ||
    compareOptionalDigits(a.post, b.post, false) ||
    compareOptionalDigits(a.dev, b.dev, true) ||
    compareLocal(a.local, b.local)
  );
}

export const pep440Scheme = defineScheme<Pep440Version>({
  id: 'pep440',
  displayName: 'PEP 440',
  osvEcosystems: ['PyPI'],
  parse: parsePep440Version,
  compareParsed: comparePep440Versions,
});
