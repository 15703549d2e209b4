/**
 * Credentials in URLs (RFC 3986 userinfo): `scheme://user:password@host`, as in database
 * URLs, proxy settings, Git remotes and package index URLs. Only the password is
 * reported. Documentation is full of such URLs, so the password must look like one: not
 * a placeholder or reference (`${PASS}`, `<password>`, `****`, `%s`), not the user name
 * again, not a stock word (`pass`, `guest`, `postgres`), not on an example host, and
 * with either two character classes or some length.
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { characterClassCount, longestSequentialRun, shannonEntropy } from '../entropy.js';
import { isPlaceholderValue } from '../placeholder.js';
import { isAlnum, keywordOffsets, MAX_MATCHES_PER_DETECTOR, runStart } from '../text-search.js';

const KEYWORD = '://';
const MAX_USERINFO = 512;
const isSchemeChar = (c: number): boolean => isAlnum(c) || c === 43 || c === 45 || c === 46;
/** Characters that end a URL's authority before any `@` (RFC 3986 gen-delims and what surrounds URLs in text). */
const AUTHORITY_STOP = new Set([...'/?#@ \t\r\n"\'<>`()[]{}\\|,;'].map((c) => c.charCodeAt(0)));
/** Words written in place of a password in examples and defaults shipped in documentation. */
const STOCK_PASSWORDS: ReadonlySet<string> = new Set([
  'pass', 'passwd', 'pwd', 'pw', 'user', 'username', 'login', 'guest', 'root', 'postgres', 'mysql', 'redis', 'rabbitmq',
  'demo', 'foo', 'bar', 'baz', 'qux', 'pa55', 'pa55word', 'anonymous', 'nobody', 'changeit', 'oracle', 'sa', 'tiger',
]);
const EXAMPLE_HOSTS: ReadonlySet<string> = new Set(['host', 'hostname', 'server', 'domain', 'myhost', 'yourhost', 'somehost', 'proxy']);

/** The host after `@`, lower-cased, up to the port, path or end. */
function hostAt(text: string, from: number): string {
  let i = from;
  const limit = Math.min(text.length, from + 256);
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (!(isAlnum(c) || c === 45 || c === 46 || c === 95 || c === 91 || c === 93 || (c === 58 && text.charCodeAt(from) === 91))) break;
    i++;
  }
  return text.slice(from, i).toLowerCase();
}

function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function isPlausibleUrlPassword(rawUser: string, rawPassword: string): boolean {
  const user = percentDecoded(rawUser);
  const password = percentDecoded(rawPassword);
  // `cvs://:pserver:anoncvs@host`: a second colon means a protocol field, not a password.
  if (rawPassword.includes(':')) return false;
  if (password.length < 6 || password === user || isPlaceholderValue(password)) return false;
  if (STOCK_PASSWORDS.has(password.toLowerCase())) return false;
  // `abcdef12345`: a keyboard or alphabet run is an example, not a chosen password.
  if (longestSequentialRun(password) >= 5) return false;
  if (shannonEntropy(password) < 2) return false;
  return characterClassCount(password) >= 2 || password.length >= 12;
}

export function findBasicAuthUrls(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  let consumed = 0;
  for (const offset of keywordOffsets(text, KEYWORD)) {
    if (offset < consumed) continue;
    const schemeStart = runStart(text, offset, isSchemeChar, 32);
    const first = text.charCodeAt(schemeStart);
    if (offset - schemeStart < 2 || !((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) continue;
    const authority = offset + KEYWORD.length;
    const limit = Math.min(text.length, authority + MAX_USERINFO);
    let at = authority;
    while (at < limit && !AUTHORITY_STOP.has(text.charCodeAt(at))) at++;
    consumed = at;
    if (text.charCodeAt(at) !== 64 /* @ */) continue;
    let colon = authority;
    while (colon < at && text.charCodeAt(colon) !== 58) colon++;
    if (colon >= at) continue;
    const user = text.slice(authority, colon);
    const password = text.slice(colon + 1, at);
    if (!isPlausibleUrlPassword(user, password)) continue;
    const host = hostAt(text, at + 1);
    if (host === '' || host.includes('example') || EXAMPLE_HOSTS.has(host)) continue;
    matches.push({ start: colon + 1, end: at, kind: text.slice(schemeStart, offset).toLowerCase().slice(0, 16) });
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const basicAuthUrl: SecretDetector = {
  id: 'SK-SECRET-0017',
  title: 'Password in a URL',
  severity: 'HIGH',
  description:
    'A URL with a user name and password in it (scheme://user:password@host). Whoever reads it logs in to that ' +
    'database, proxy, repository or service as that user; URLs are also logged and shown in process lists.',
  remediation: remediation('the password', 'change it on the service the URL points to'),
  references: [SP_800_190_URL, 'https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1'],
  frameworks: frameworks('stride:S'),
  keywords: [KEYWORD],
  find: findBasicAuthUrls,
};
