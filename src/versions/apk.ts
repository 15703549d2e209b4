/**
 * Alpine (apk) package versions, ordered as apk-tools 3 orders them:
 *
 *   digits{.digits}...{letter}{_suffix{digits}}...{~hexhash}{-rN}
 *
 * Tokens compare left to right; when both versions are at the same kind of token
 * their values decide (numbers as numbers, the letter by code, suffixes by rank
 * `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`, commit
 * hashes as strings). A dot-separated number with a leading zero compares as a
 * string, so `1.05 < 1.1` and `8.2.0 < 8.2.001` (the Gentoo rule apk follows; the
 * first number of the version always compares numerically). When one version runs
 * out or continues with a different kind of token, the one that continues is newer
 * unless what follows is a pre-release suffix, and of two that continue, the one
 * continuing with the earlier kind of token is newer
 * (`1.2_rc1 < 1.2 < 1.2-r1 < 1.2_p1 < 1.2a < 1.2.1`).
 *
 * Invalid versions: apk-tools compares even malformed strings, token by token up to
 * the first token it cannot read, and the answer differs between apk 2.x and 3.x
 * (`1-r-0` vs `1-r0`, uppercase letters, two letters in a row ...). That is a guess,
 * so here what apk 3's `apk_version_validate` rejects is invalid and compare()
 * throws, with one exception: digits directly after the letter (`1.8.28p1-r1`,
 * `5.1p1-r0`). apk 3 rejects that form and then cannot tell `1.8.28p1` from
 * `1.8.28p2`, but apk 2 accepted it, ordered the digits as a number, and Alpine
 * releases up to 3.22 (and OSV's Alpine records) contain such versions; we keep
 * apk 2's order for them, the only one ever defined.
 *
 * Known divergences from apk itself, all outside real package versions: numbers
 * compare exactly at any length (apk 3 reads them into 64 bits and wraps; apk 2
 * rejects 18 digits or more), and apk 2 gave a few leading-zero forms a different
 * order (`1.0` vs `1.00`).
 */
import { compareCanonicalDigits, compareStrings, defineScheme, isAsciiDigit, isAsciiLower, stripLeadingZeros } from './scheme.js';

/** Token kinds, in apk's order: a version that stops at a higher kind is older. */
const enum Kind {
  InitialDigit = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNumber = 4,
  CommitHash = 5,
  Revision = 6,
  End = 7,
}

/** Suffix ranks; `None` is the implicit rank of a version without a suffix. */
const SUFFIX_RANK: Readonly<Record<string, number>> = {
  alpha: 0,
  beta: 1,
  pre: 2,
  rc: 3,
  cvs: 5,
  svn: 6,
  git: 7,
  hg: 8,
  p: 9,
};
const SUFFIX_NONE = 4;

interface Token {
  readonly kind: Kind;
  /** Digits as written (Digit, which may compare as a string), canonical digits (other numbers), letter, suffix name or hash. */
  readonly text: string;
  /** Suffix rank for Suffix tokens; AFTER_LETTER marks a Digit token read after a letter. */
  readonly rank: number;
}

const AFTER_LETTER = 1;

export interface ApkVersion {
  readonly tokens: readonly Token[];
}

const END: Token = { kind: Kind.End, text: '', rank: 0 };

const isHexLower = (c: number): boolean => isAsciiDigit(c) || (c >= 0x61 && c <= 0x66);

/** Reads the run of characters satisfying `accept` starting at `i`; returns its end. */
function spanEnd(v: string, i: number, accept: (c: number) => boolean): number {
  while (i < v.length && accept(v.charCodeAt(i))) i++;
  return i;
}

export function parseApkVersion(v: string): ApkVersion | undefined {
  const tokens: Token[] = [];
  let i = spanEnd(v, 0, isAsciiDigit);
  if (i === 0) return undefined;
  tokens.push({ kind: Kind.InitialDigit, text: stripLeadingZeros(v.slice(0, i)), rank: 0 });
  let last: Kind = Kind.InitialDigit;
  while (i < v.length) {
    const c = v.charCodeAt(i);
    let token: Token;
    if (isAsciiLower(c)) {
      if (last > Kind.Digit) return undefined;
      token = { kind: Kind.Letter, text: v[i] as string, rank: 0 };
      i++;
    } else if (c === 0x2e /* . */) {
      if (last > Kind.Digit) return undefined;
      const end = spanEnd(v, i + 1, isAsciiDigit);
      if (end === i + 1) return undefined;
      token = { kind: Kind.Digit, text: v.slice(i + 1, end), rank: 0 };
      i = end;
    } else if (isAsciiDigit(c)) {
      // Digits directly after a suffix number it; every other number token already
      // consumed its digits, except after a letter: apk 3 rejects `1.8.28p1`, but
      // apk 2 read the digits as a plain number and Alpine up to 3.22 shipped such
      // versions, so we keep apk 2's reading (see the header).
      const end = spanEnd(v, i, isAsciiDigit);
      const digits = stripLeadingZeros(v.slice(i, end));
      if (last === Kind.Suffix) token = { kind: Kind.SuffixNumber, text: digits, rank: 0 };
      else if (last === Kind.Letter) token = { kind: Kind.Digit, text: digits, rank: AFTER_LETTER };
      else return undefined;
      i = end;
    } else if (c === 0x5f /* _ */) {
      if (last > Kind.SuffixNumber) return undefined;
      const end = spanEnd(v, i + 1, isAsciiLower);
      const name = v.slice(i + 1, end);
      const rank = Object.hasOwn(SUFFIX_RANK, name) ? SUFFIX_RANK[name] : undefined;
      if (rank === undefined) return undefined;
      token = { kind: Kind.Suffix, text: name, rank };
      i = end;
    } else if (c === 0x7e /* ~ */) {
      if (last >= Kind.CommitHash) return undefined;
      const end = spanEnd(v, i + 1, isHexLower);
      if (end === i + 1) return undefined;
      token = { kind: Kind.CommitHash, text: v.slice(i + 1, end), rank: 0 };
      i = end;
    } else if (c === 0x2d /* - */) {
      if (last >= Kind.Revision || v.charCodeAt(i + 1) !== 0x72 /* r */) return undefined;
      const end = spanEnd(v, i + 2, isAsciiDigit);
      if (end === i + 2) return undefined;
      token = { kind: Kind.Revision, text: stripLeadingZeros(v.slice(i + 2, end)), rank: 0 };
      i = end;
    } else {
      return undefined;
    }
    tokens.push(token);
    last = token.kind;
  }
  return { tokens };
}

function compareTokenValues(a: Token, b: Token): number {
  switch (a.kind) {
    case Kind.Digit:
      // Digits after a letter (apk 2 form) are plain numbers; both sides have one
      // here, since every earlier token matched in kind.
      if (a.rank === AFTER_LETTER || b.rank === AFTER_LETTER) return compareCanonicalDigits(a.text, b.text);
      // A leading zero on either side makes the pair compare as strings.
      if (a.text.charCodeAt(0) === 0x30 || b.text.charCodeAt(0) === 0x30) return compareStrings(a.text, b.text);
      return compareCanonicalDigits(a.text, b.text);
    case Kind.InitialDigit:
    case Kind.SuffixNumber:
    case Kind.Revision:
      return compareCanonicalDigits(a.text, b.text);
    case Kind.Suffix:
      return a.rank - b.rank;
    default:
      // Letter and CommitHash: byte order (one letter, or a hex string).
      return compareStrings(a.text, b.text);
  }
}

export function compareApkVersions(a: ApkVersion, b: ApkVersion): number {
  const n = Math.max(a.tokens.length, b.tokens.length);
  for (let i = 0; i <= n; i++) {
    const ta = a.tokens[i] ?? END;
    const tb = b.tokens[i] ?? END;
    if (ta.kind !== tb.kind) {
      // Equal so far; one continues differently (or ends). A pre-release suffix
      // makes its side older; otherwise the side at the higher kind is older.
      if (ta.kind === Kind.Suffix && ta.rank < SUFFIX_NONE) return -1;
      if (tb.kind === Kind.Suffix && tb.rank < SUFFIX_NONE) return 1;
      return ta.kind > tb.kind ? -1 : 1;
    }
    if (ta.kind === Kind.End) return 0;
    const r = compareTokenValues(ta, tb);
    if (r !== 0) return r;
  }
  return 0;
}

export const apkScheme = defineScheme<ApkVersion>({
  id: 'apk',
  displayName: 'Alpine (apk)',
  osvEcosystems: ['Alpine', 'Wolfi', 'Chainguard', 'Alpaquita', 'BellSoft Hardened Containers', 'MinimOS'],
  parse: parseApkVersion,
  compareParsed: compareApkVersions,
});
