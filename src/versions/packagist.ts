/**
 * Packagist (Composer) versions, ordered as Composer orders them: normalized by
 * `Composer\Semver\VersionParser::normalize`, then compared with PHP's
 * `version_compare` (what `Composer\Semver\Comparator` runs on normalized versions).
 *
 * Normalization: an optional `v`; `+build` metadata dropped; a classic version
 * `M[.m[.p[.q]]]` (major at most 5 digits) padded to four numbers, or a date
 * version (`20230101`, `2023-01-01.1`) with its separators turned into dots;
 * then an optional stability (`alpha`/`a`, `beta`/`b`, `RC`, `patch`/`pl`/`p`,
 * `stable`) with its number, and an optional `dev`. Numeric branches
 * (`1.x-dev`, `2.1.*-dev`) become `1.9999999.9999999.9999999-dev`.
 * So `1.0 = 1.0.0 = v1.0.0.0` and `1.0-beta.2 = 1.0.0.0-beta2`.
 *
 * version_compare then splits at dots and at every digit/letter change, compares
 * numbers as numbers (clamped to 2^63-1, as PHP's strtol does) and words by rank
 * `dev < alpha < beta < RC < (number) < patch`; when one side runs out, a
 * following number makes the longer side newer and a following word is ranked
 * against a number (`1.0.0.0-beta1 < 1.0.0.0 < 1.0.0.0-patch1`).
 *
 * Invalid (compare() throws): what normalize() rejects, and also named branches
 * (`dev-main`, `master`): Composer itself never orders a branch against a
 * version. Constraint syntax that normalize() strips (`@dev` stability flags,
 * `1.0 as 2.0` aliases) and surrounding whitespace are refused: they are not
 * versions. Note that OSV tooling that feeds raw strings to version_compare
 * (without Composer's normalization) orders `1.0 < 1.0.0`; Composer says equal.
 */
import { compareCanonicalDigits, defineScheme, isAsciiDigit, isPrintableAsciiNoSpace, stripLeadingZeros } from './scheme.js';

/** One version_compare element: a number (canonical digits, clamped) or a word's rank. */
type Element = { readonly number: string } | { readonly rank: number };

export interface PackagistVersion {
  /** The Composer-normalized form, e.g. "1.2.0.0-beta1". */
  readonly normalized: string;
  readonly elements: readonly Element[];
}

// Composer writes the stability number as the possessive `((?:[.-]?\d+)*+)`; JS has no
// possessive quantifiers and the plain `(?:[.-]?\d+)*` backtracks exponentially over
// a run of digits, so it is written as one digit per repetition, which matches the
// same strings in exactly one way (what follows cannot start with a digit, so
// giving digits back never changes the result either).
const MODIFIER = String.raw`[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d)*))?([.-]?dev)?`;
// Anchored, at most 256 characters, and every repeated group is unambiguous.
const CLASSIC = new RegExp(String.raw`^v?(\d{1,5})(\.\d+)?(\.\d+)?(\.\d+)?${MODIFIER}$`, 'i');
const DATE = new RegExp(String.raw`^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)${MODIFIER}$`, 'i');
const DEV_SUFFIX = /^(.*?)[.-]?dev$/i;
const NUMERIC_BRANCH = /^v?(\d+)(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?$/i;
const BUILD_METADATA = /^([^,+]+)\+.+$/;

function expandStability(word: string): string {
  const w = word.toLowerCase();
  if (w === 'a') return 'alpha';
  if (w === 'b') return 'beta';
  if (w === 'p' || w === 'pl') return 'patch';
  if (w === 'rc') return 'RC';
  return w;
}

/** Adds the stability and dev modifiers the way normalize() does; `m` holds [word, number, dev]. */
function withModifiers(version: string, word: string | undefined, digits: string | undefined, dev: string | undefined): string {
  let out = version;
  if (word) {
    // Composer compares the raw match here, so only lowercase "stable" ends the version.
    if (word === 'stable') return out;
    out += `-${expandStability(word)}${digits ? digits.replace(/^[.-]+/, '') : ''}`;
  }
  if (dev) out += '-dev';
  return out;
}

/** Composer's VersionParser::normalize for versions (not constraints); undefined when it throws or yields a branch. */
export function normalizeComposerVersion(input: string): string | undefined {
  if (input.length === 0 || !isPrintableAsciiNoSpace(input) || input.includes('@')) return undefined;
  let v = input;
  if (v === 'master' || v === 'trunk' || v === 'default' || v.toLowerCase().startsWith('dev-')) return undefined;
  const build = BUILD_METADATA.exec(v);
  if (build) v = build[1] as string;

  const classic = CLASSIC.exec(v);
  if (classic) {
    const [, major, minor, patch, fourth, word, digits, dev] = classic;
    return withModifiers(`${major}${minor || '.0'}${patch || '.0'}${fourth || '.0'}`, word, digits, dev);
  }
  const date = DATE.exec(v);
  if (date) {
    const [, stamp, word, digits, dev] = date;
    return withModifiers((stamp as string).replace(/\D/g, '.'), word, digits, dev);
  }
  const devBranch = DEV_SUFFIX.exec(v);
  if (devBranch) {
    const branch = NUMERIC_BRANCH.exec(devBranch[1] as string);
    if (branch) {
      let out = '';
      for (let i = 1; i <= 4; i++) out += branch[i] !== undefined ? (branch[i] as string).replace(/[*X]/g, 'x') : '.x';
      return `${out.replaceAll('x', '9999999')}-dev`;
    }
  }
  return undefined;
}

/** version_compare's word ranks, matched by prefix in this order; -1 for anything else. */
const SPECIAL_FORMS: ReadonlyArray<readonly [string, number]> = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];
const NUMBER_RANK = 4;

function wordRank(word: string): number {
  for (const [prefix, rank] of SPECIAL_FORMS) if (word.startsWith(prefix)) return rank;
  return -1;
}

const LONG_MAX = '9223372036854775807';

/**
 * PHP's php_canonicalize_version then the split at dots: `-`, `_`, `+` and other
 * non-alphanumerics separate elements, as does every change between digits and
 * non-digits.
 */
function elements(normalized: string): Element[] {
  const out: Element[] = [];
  let i = 0;
  while (i < normalized.length) {
    const c = normalized.charCodeAt(i);
    if (isAsciiDigit(c)) {
      let end = i;
      while (end < normalized.length && isAsciiDigit(normalized.charCodeAt(end))) end++;
      const digits = stripLeadingZeros(normalized.slice(i, end));
      out.push({ number: compareCanonicalDigits(digits, LONG_MAX) > 0 ? LONG_MAX : digits });
      i = end;
    } else if (/[A-Za-z]/.test(normalized[i] as string)) {
      let end = i;
      while (end < normalized.length && /[A-Za-z]/.test(normalized[end] as string)) end++;
      out.push({ rank: wordRank(normalized.slice(i, end)) });
      i = end;
    } else {
      i++; // separator
    }
  }
  return out;
}

export function parsePackagistVersion(v: string): PackagistVersion | undefined {
  const normalized = normalizeComposerVersion(v);
  return normalized === undefined ? undefined : { normalized, elements: elements(normalized) };
}

const rankOf = (e: Element): number => ('rank' in e ? e.rank : NUMBER_RANK);

export function comparePackagistVersions(a: PackagistVersion, b: PackagistVersion): number {
  const n = Math.min(a.elements.length, b.elements.length);
  for (let i = 0; i < n; i++) {
    const x = a.elements[i] as Element;
    const y = b.elements[i] as Element;
    const r = 'number' in x && 'number' in y ? compareCanonicalDigits(x.number, y.number) : rankOf(x) - rankOf(y);
    if (r !== 0) return r;
  }
  // One side continues: a number there makes it newer; a word is ranked against a number.
  const rest = a.elements[n] ?? b.elements[n];
  if (rest === undefined) return 0;
  const sign = 'number' in rest ? 1 : Math.sign(rest.rank - NUMBER_RANK);
  return a.elements.length > n ? sign : -sign;
}

export const packagistScheme = defineScheme<PackagistVersion>({
  id: 'packagist',
  displayName: 'Packagist (Composer)',
  osvEcosystems: ['Packagist'],
  parse: parsePackagistVersion,
  compareParsed: comparePackagistVersions,
});
