/**
 * npm access tokens in the format npm adopted from GitHub in 2021: `npm_` + 30 random
 * base62 characters + a 6-character base62 CRC-32 of those 30 characters. The checksum
 * is verified, so made-up examples (and the many `npm_` identifiers in JavaScript
 * source) are not reported. Legacy UUID tokens have no shape of their own; the `.npmrc`
 * detector finds them by where they are written.
 * https://github.blog/2021-09-23-announcing-npms-new-access-token-format/
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { hasValidBase62Checksum } from '../base62-checksum.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { endsToken, isAlnum, keywordOffsets, MAX_MATCHES_PER_DETECTOR, runEnd, startsToken } from '../text-search.js';

const PREFIX = 'npm_';
const BODY = 36;
const isTokenChar = (c: number): boolean => isAlnum(c) || c === 95;

export function findNpmTokens(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  for (const offset of keywordOffsets(text, PREFIX)) {
    if (!text.startsWith(PREFIX, offset) || !startsToken(text, offset, isTokenChar)) continue;
    const end = runEnd(text, offset + PREFIX.length, isAlnum, BODY + 1);
    if (end - offset - PREFIX.length !== BODY || !endsToken(text, end, isTokenChar)) continue;
    if (!hasValidBase62Checksum(text.slice(offset + PREFIX.length, end))) continue;
    matches.push({ start: offset, end, kind: 'npm-access-token' });
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const npmToken: SecretDetector = {
  id: 'SK-SECRET-0013',
  title: 'npm access token',
  severity: 'HIGH',
  description:
    'An npm access token. With publish rights it releases new versions of its owner\'s packages: a supply-chain ' +
    'attack on everyone who installs them. Read-only tokens still expose private packages.',
  remediation: remediation('the npm token', 'revoke it (npm token revoke, or the Access Tokens page on npmjs.com) and check the packages it could publish for unexpected versions; prefer trusted publishing from CI'),
  references: [SP_800_190_URL, 'https://github.blog/2021-09-23-announcing-npms-new-access-token-format/', 'https://docs.npmjs.com/about-access-tokens'],
  frameworks: frameworks('stride:S', 'stride:T'),
  keywords: [PREFIX],
  find: findNpmTokens,
};
