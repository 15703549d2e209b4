/**
 * Linear-time building blocks the detectors share: one lower-cased copy of a text per
 * scan, keyword occurrences, the line around an offset, and runs of characters of one
 * alphabet. Hand-written loops instead of regular expressions where a pattern would
 * need a quantifier followed by something that can fail (the shape that backtracks).
 */

let lastText: string | undefined;
let lastLower = '';

/**
 * `text.toLowerCase()`, computed once per text even though several detectors ask: the
 * scanner lower-cases for its prefilter, then each detector that runs asks again.
 * One entry is enough because the scanner looks at one text at a time.
 */
export function lowerCaseOf(text: string): string {
  if (text !== lastText) {
    lastText = text;
    lastLower = text.toLowerCase();
  }
  return lastLower;
}

/** Most matches one detector reports in one text: a file of 10,000 keys is one finding's worth of news. */
export const MAX_MATCHES_PER_DETECTOR = 1000;

/** Most offsets remembered for one keyword in one text (a hostile file of one keyword repeated). */
export const MAX_KEYWORD_OFFSETS = 200_000;

let indexedText: string | undefined;
let indexedOffsets: ReadonlyMap<string, readonly number[]> = new Map();

/**
 * The scanner finds every keyword of every detector in one pass and leaves the offsets
 * here, so a detector looks only at the places its keywords occur instead of scanning
 * the whole text again. Offsets are of case-insensitive occurrences, ascending, and may
 * overlap. Keywords absent from `offsets` were not indexed.
 */
export function rememberKeywordOffsets(text: string, offsets: ReadonlyMap<string, readonly number[]>): void {
  indexedText = text;
  indexedOffsets = offsets;
}

/** Drops the remembered index and lower-cased copy so a scanned text is not kept alive. */
export function forgetText(): void {
  indexedText = undefined;
  indexedOffsets = new Map();
  lastText = undefined;
  lastLower = '';
}

/**
 * Ascending offsets where `keyword` (lower-case) occurs in `text`, ignoring ASCII case.
 * Uses the scanner's index when it covered this text and keyword; otherwise searches,
 * so a detector called on its own (in a test) gets the same answer.
 */
export function keywordOffsets(text: string, keyword: string): readonly number[] {
  if (text === indexedText) {
    const known = indexedOffsets.get(keyword);
    if (known !== undefined) return known;
  }
  return occurrences(lowerCaseOf(text), keyword, MAX_KEYWORD_OFFSETS);
}

/** Offsets of any of `keywords`, ascending and without duplicates. */
export function anyKeywordOffsets(text: string, keywords: readonly string[]): number[] {
  if (keywords.length === 1) return [...keywordOffsets(text, keywords[0] as string)];
  const all = new Set<number>();
  for (const k of keywords) for (const o of keywordOffsets(text, k)) all.add(o);
  return [...all].sort((a, b) => a - b);
}

/** Offsets where `needle` (lower-case) occurs in `lower`, overlapping, at most `limit` of them. */
export function occurrences(lower: string, needle: string, limit = 100_000): number[] {
  const found: number[] = [];
  let at = lower.indexOf(needle);
  while (at !== -1 && found.length < limit) {
    found.push(at);
    at = lower.indexOf(needle, at + 1);
  }
  return found;
}

/** Start and end (exclusive, before the line break) of the line holding `offset`, each at most `cap` away. */
export function lineAround(text: string, offset: number, cap = 1024): { start: number; end: number } {
  const floor = Math.max(0, offset - cap);
  let start = offset;
  while (start > floor) {
    const c = text.charCodeAt(start - 1);
    if (c === 10 || c === 13) break;
    start--;
  }
  const ceiling = Math.min(text.length, offset + cap);
  let end = offset;
  while (end < ceiling) {
    const c = text.charCodeAt(end);
    if (c === 10 || c === 13) break;
    end++;
  }
  return { start, end };
}

/** End (exclusive, before the line break) of the line holding `from`, looking at most `cap` characters ahead. */
export function lineEndFrom(text: string, from: number, cap: number): number {
  const ceiling = Math.min(text.length, from + cap);
  let end = from;
  while (end < ceiling) {
    const c = text.charCodeAt(end);
    if (c === 10 || c === 13) break;
    end++;
  }
  return end;
}

export type CharTest = (code: number) => boolean;

export const isDigit: CharTest = (c) => c >= 48 && c <= 57;
export const isAlnum: CharTest = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** Standard base64 alphabet without padding. */
export const isBase64: CharTest = (c) => isAlnum(c) || c === 43 || c === 47;
/** URL-safe base64 alphabet (RFC 4648 section 5) without padding. */
export const isBase64Url: CharTest = (c) => isAlnum(c) || c === 45 || c === 95;
/** Characters of identifiers and dotted or dashed configuration keys. */
export const isNameChar: CharTest = (c) => isAlnum(c) || c === 95 || c === 45 || c === 46;

/** End offset of the run of `test` characters starting at `from`, stopping after `max` characters. */
export function runEnd(text: string, from: number, test: CharTest, max = Number.MAX_SAFE_INTEGER): number {
  const limit = Math.min(text.length, from + max);
  let i = from;
  while (i < limit && test(text.charCodeAt(i))) i++;
  return i;
}

/** Start offset of the run of `test` characters ending at `to` (exclusive), looking back at most `max`. */
export function runStart(text: string, to: number, test: CharTest, max = Number.MAX_SAFE_INTEGER): number {
  const limit = Math.max(0, to - max);
  let i = to;
  while (i > limit && test(text.charCodeAt(i - 1))) i--;
  return i;
}

/** True when the character before `offset` (if any) does not pass `test`: the token starts here. */
export function startsToken(text: string, offset: number, test: CharTest): boolean {
  return offset === 0 || !test(text.charCodeAt(offset - 1));
}

/** True when the character at `offset` (if any) does not pass `test`: the token ended. */
export function endsToken(text: string, offset: number, test: CharTest): boolean {
  return offset >= text.length || !test(text.charCodeAt(offset));
}

/** Last path segment: `a/b/.npmrc` -> `.npmrc`. */
export function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}
