/**
 * GitHub tokens in the formats GitHub introduced in 2021: `ghp_` (personal access
 * token, classic), `gho_` (OAuth), `ghu_` (GitHub App user-to-server), `ghs_` (GitHub
 * App installation), `ghr_` (refresh), each `prefix + 30 random base62 + 6-character
 * base62 CRC-32` (40 characters): the checksum is verified, so random strings and
 * hand-made examples are not reported. Longer forms without a documented checksum
 * (76-character `ghr_` refresh tokens) and fine-grained personal access tokens
 * (`github_pat_` + 22 + `_` + 59 characters) are gated on their shape and entropy.
 * https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
 * https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github#githubs-token-formats
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { hasValidBase62Checksum } from '../base62-checksum.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { shannonEntropy } from '../entropy.js';
import { isPlaceholderToken } from '../placeholder.js';
import { endsToken, isAlnum, keywordOffsets, MAX_MATCHES_PER_DETECTOR, runEnd, startsToken } from '../text-search.js';

const CLASSIC_PREFIXES = ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'];
const FINE_GRAINED_PREFIX = 'github_pat_';
const CLASSIC_BODY = 36;
const LONG_REFRESH_BODY = 76;
const isTokenChar = (c: number): boolean => isAlnum(c) || c === 95;

function classicAt(text: string, offset: number, prefix: string): SecretMatch | undefined {
  if (!text.startsWith(prefix, offset) || !startsToken(text, offset, isTokenChar)) return undefined;
  const bodyStart = offset + prefix.length;
  const end = runEnd(text, bodyStart, isAlnum, LONG_REFRESH_BODY + 1);
  if (!endsToken(text, end, isTokenChar)) return undefined;
  const body = text.slice(bodyStart, end);
  const kind = prefix.slice(0, 3);
  if (body.length === CLASSIC_BODY) return hasValidBase62Checksum(body) ? { start: offset, end, kind } : undefined;
  if (prefix === 'ghr_' && body.length === LONG_REFRESH_BODY && shannonEntropy(body) >= 4.5 && !isPlaceholderToken(body)) return { start: offset, end, kind };
  return undefined;
}

function fineGrainedAt(text: string, offset: number): SecretMatch | undefined {
  if (!text.startsWith(FINE_GRAINED_PREFIX, offset) || !startsToken(text, offset, isTokenChar)) return undefined;
  const idStart = offset + FINE_GRAINED_PREFIX.length;
  const idEnd = runEnd(text, idStart, isAlnum, 23);
  if (idEnd - idStart !== 22 || text.charCodeAt(idEnd) !== 95) return undefined;
  const end = runEnd(text, idEnd + 1, isAlnum, 60);
  if (end - idEnd - 1 !== 59 || !endsToken(text, end, isTokenChar)) return undefined;
  const body = text.slice(idStart, end);
  if (shannonEntropy(body) < 4.5 || isPlaceholderToken(body)) return undefined;
  return { start: offset, end, kind: 'github_pat' };
}

export function findGitHubTokens(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  for (const prefix of CLASSIC_PREFIXES) {
    for (const offset of keywordOffsets(text, prefix)) {
      const m = classicAt(text, offset, prefix);
      if (m !== undefined) matches.push(m);
      if (matches.length >= MAX_MATCHES_PER_DETECTOR) return matches;
    }
  }
  for (const offset of keywordOffsets(text, FINE_GRAINED_PREFIX)) {
    const m = fineGrainedAt(text, offset);
    if (m !== undefined) matches.push(m);
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const githubToken: SecretDetector = {
  id: 'SK-SECRET-0008',
  title: 'GitHub token',
  severity: 'HIGH',
  description:
    'A GitHub personal access, OAuth, App or refresh token. It acts as its owner on GitHub within its scopes: read ' +
    'private repositories, push code, change workflows and, with admin scopes, manage organisations.',
  remediation: remediation('the GitHub token', 'revoke it (Settings > Developer settings, or the owning App) and review the security log for its use; prefer a short-lived GitHub App or Actions token'),
  references: [SP_800_190_URL, 'https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/', 'https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github#githubs-token-formats'],
  frameworks: frameworks('stride:S', 'stride:T'),
  keywords: [...CLASSIC_PREFIXES, FINE_GRAINED_PREFIX],
  find: findGitHubTokens,
};
