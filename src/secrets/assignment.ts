/**
 * Reading `name <op> value` assignments out of text in the many syntaxes credentials are
 * written in (shell and .env `NAME=value`, YAML `name: value`, JSON `"name": "value"`,
 * INI and properties `name = value`, code `name = "value"`, `name := "value"`,
 * `'name' => 'value'`, flags `--name=value`), and judging whether a value is a literal
 * credential rather than a reference, an expression, a word or an example. Shared by
 * the generic-assignment and .env detectors; bounded per call (a name of at most 64
 * characters, a value within the line and at most 256 characters).
 */
import { longestSequentialRun, characterClassCount, shannonEntropy } from './entropy.js';
import { isPlaceholderValue } from './placeholder.js';
import { isNameChar, lineEndFrom, runEnd, runStart } from './text-search.js';

export const MAX_NAME = 64;
export const MAX_VALUE = 256;

export interface Assignment {
  name: string;
  nameStart: number;
  /** Offsets of the value without its quotes. */
  valueStart: number;
  valueEnd: number;
  quoted: boolean;
}

const isBlank = (c: number): boolean => c === 32 || c === 9;
const isQuote = (c: number): boolean => c === 34 || c === 39 || c === 96;
/** Characters that end an unquoted value. */
const UNQUOTED_STOP = new Set([...' \t\r\n,;)]}"\'`<>'].map((c) => c.charCodeAt(0)));

/**
 * The assignment whose name contains the offset `at` (a keyword occurrence), or
 * undefined when the text there is not an assignment to a literal.
 */
export function assignmentAround(text: string, at: number): Assignment | undefined {
  const nameStart = runStart(text, at, isNameChar, MAX_NAME);
  const nameEnd = runEnd(text, at, isNameChar, MAX_NAME);
  if (nameEnd - nameStart >= MAX_NAME) return undefined;
  // Only the rest of the line after the name matters: quote, blanks, operator, blanks, value.
  const line = { end: lineEndFrom(text, nameEnd, MAX_VALUE + 32) };
  let i = nameEnd;
  // A quoted key (`"password": ...`, `'password' => ...`) closes its quote first.
  if (isQuote(text.charCodeAt(i)) && text.charCodeAt(nameStart - 1) === text.charCodeAt(i)) i++;
  while (i < line.end && isBlank(text.charCodeAt(i)) && i - nameEnd < 8) i++;
  const op = operatorLength(text, i);
  if (op === 0) return undefined;
  i += op;
  const afterOperator = i;
  while (i < line.end && isBlank(text.charCodeAt(i)) && i - afterOperator < 8) i++;
  if (i >= line.end) return undefined;
  const name = text.slice(nameStart, nameEnd);
  const q = text.charCodeAt(i);
  if (isQuote(q)) {
    const valueStart = i + 1;
    const limit = Math.min(line.end, valueStart + MAX_VALUE + 1);
    let close = valueStart;
    while (close < limit && text.charCodeAt(close) !== q) close++;
    if (close >= limit) return undefined;
    // `"abc" + x`, `"abc".encode()`, `"abc"[0]`: an expression built from the literal.
    let after = close + 1;
    while (after < line.end && isBlank(text.charCodeAt(after))) after++;
    const next = text.charCodeAt(after);
    if (next === 43 || next === 46 || next === 91 || next === 40) return undefined;
    return { name, nameStart, valueStart, valueEnd: close, quoted: true };
  }
  const limit = Math.min(line.end, i + MAX_VALUE + 1);
  let end = i;
  while (end < limit && !UNQUOTED_STOP.has(text.charCodeAt(end))) end++;
  if (end === i || end - i > MAX_VALUE) return undefined;
  return { name, nameStart, valueStart: i, valueEnd: end, quoted: false };
}

/** Length of an assignment operator at `i` (`=`, `:`, `:=`, `=>`, `?=`), 0 for none or a comparison. */
function operatorLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const n = text.charCodeAt(i + 1);
  if (c === 61 /* = */) {
    if (n === 61 || n === 126 /* =~ */) return 0;
    return n === 62 /* => */ ? 2 : 1;
  }
  if (c === 58 /* : */) {
    if (n === 58) return 0;
    return n === 61 ? 2 : 1;
  }
  if (c === 63 /* ? */ && n === 61) return 2;
  return 0;
}

/** `process.env.TOKEN`, `settings.SECRET_KEY`, `self.token`: a dotted path of identifiers. */
const DOTTED_IDENTIFIERS = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;
/** `SECRET_KEY_BASE`, `auth-token-header`, `accessTokenValue`, `PasswordField`: words, not randomness. */
/** `/etc/app/key.pem`, `/run/secrets/db`: a path; `/i1Uq+Zk3...=` (base64 that starts with a slash) is not. */
function looksLikePath(value: string): boolean {
  if (value.charCodeAt(0) !== 47) return false;
  if (!/^\/[\w.-]+(?:\/[\w.-]+)*\/?$/.test(value)) return false;
  return value.indexOf('/', 1) !== -1 || characterClassCount(value) < 3;
}

/** `settings.db.password`, `os.environ`: code naming a value, made of words; `AW5Mx9.Kd2pQ` is not. */
function isDottedIdentifier(value: string): boolean {
  return DOTTED_IDENTIFIERS.test(value) && value.split('.').every((segment) => isMadeOfWords(segment));
}

export function isMadeOfWords(value: string): boolean {
  const pieces = value.replace(/([a-z])([A-Z])/g, '$1 $2').split(/[^A-Za-z0-9]+/);
  // Words, acronyms, short numbers, and words with a version-like digit suffix (`S3`, `Ec2`, `base64`).
  return pieces.every((p) => p === '' || /^[A-Za-z][a-z]*$/.test(p) || /^[A-Z]+$/.test(p) || /^[0-9]{1,4}$/.test(p) || /^[A-Za-z][a-z]*[0-9]{1,2}$/.test(p));
}

/**
 * True when `value` reads as a generated or chosen credential: long enough, no blanks,
 * random-looking (entropy and character classes), and none of reference, placeholder,
 * path, URL, e-mail address, expression, number or identifier made of words.
 */
export function looksLikeCredentialValue(value: string, minLength = 8): boolean {
  if (value.length < minLength || value.length > MAX_VALUE) return false;
  if (/\s/.test(value) || isPlaceholderValue(value)) return false;
  const first = value.charCodeAt(0);
  if (looksLikePath(value) || first === 46 || first === 126 || value.includes('\\') || value.includes('://')) return false;
  if (value.includes('(') || isDottedIdentifier(value) || /^[0-9.:_-]+$/.test(value)) return false;
  // `[a-z0-9]{8,}`, `{a,b}`: a pattern or a structure, not a literal; `arn:aws:...`, `urn:...`: a resource name.
  if ((value.includes('[') && value.includes(']')) || (value.includes('{') && value.includes('}'))) return false;
  if (/^(?:arn|urn):/i.test(value)) return false;
  if (/^[^@\s]+@[A-Za-z0-9-]+\.[A-Za-z.]+$/.test(value)) return false;
  if (isMadeOfWords(value)) return false;
  if (longestSequentialRun(value) >= 5) return false;
  const classes = characterClassCount(value);
  // Short values need three classes (`Tr0ub4dor&3`); two classes only at the length of a generated key (hex, base32).
  if (classes < 2 || (value.length < 20 && classes < 3)) return false;
  return shannonEntropy(value) >= 3;
}
