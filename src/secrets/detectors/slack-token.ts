/**
 * Slack API tokens: `xoxb-` (bot), `xoxp-` (user), `xoxa-` (workspace app), `xoxr-`
 * (refresh), and rotating tokens `xoxe.xoxb-` / `xoxe.xoxp-` / `xoxe-` (Slack's token
 * types documentation). They are dash-separated: numeric workspace and user ids, then
 * a random part. Reported when there are at least three parts, one of them a numeric id
 * of 6 or more digits, and a last part of 16 or more characters that is not filler.
 * https://api.slack.com/concepts/token-types
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { shannonEntropy } from '../entropy.js';
import { isPlaceholderToken } from '../placeholder.js';
import { endsToken, isAlnum, keywordOffsets, MAX_MATCHES_PER_DETECTOR, runEnd, startsToken } from '../text-search.js';

const PREFIXES = ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxe.xoxb-', 'xoxe.xoxp-', 'xoxe-'];
const KEYWORDS = ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxe'];
const MAX_TOKEN = 300;
const isTokenChar = (c: number): boolean => isAlnum(c) || c === 45;

function tokenAt(text: string, offset: number): SecretMatch | undefined {
  const prefix = PREFIXES.find((p) => text.startsWith(p, offset));
  if (prefix === undefined || !startsToken(text, offset, (c) => isTokenChar(c) || c === 46 || c === 95)) return undefined;
  const bodyStart = offset + prefix.length;
  const end = runEnd(text, bodyStart, isTokenChar, MAX_TOKEN + 1);
  if (end - bodyStart > MAX_TOKEN || !endsToken(text, end, (c) => isTokenChar(c) || c === 95)) return undefined;
  const parts = text.slice(bodyStart, end).split('-');
  const last = parts[parts.length - 1] as string;
  if (parts.length < 3 || last.length < 16) return undefined;
  if (!parts.some((p) => p.length >= 6 && /^[0-9]+$/.test(p))) return undefined;
  // A 32-hex secret tops out at 4 bits of entropy per character; random ones dip near 3.2.
  const floor = /^[0-9a-f]+$/.test(last) ? 2.8 : 3.3;
  if (shannonEntropy(last) < floor || isPlaceholderToken(last)) return undefined;
  return { start: offset, end, kind: prefix.slice(0, -1) };
}

export function findSlackTokens(input: SecretInput): SecretMatch[] {
  const matches: SecretMatch[] = [];
  const seen = new Set<number>();
  for (const keyword of KEYWORDS) {
    for (const offset of keywordOffsets(input.text, keyword)) {
      if (seen.has(offset)) continue;
      seen.add(offset);
      const m = tokenAt(input.text, offset);
      if (m !== undefined) matches.push(m);
      if (matches.length >= MAX_MATCHES_PER_DETECTOR) return matches;
    }
  }
  return matches;
}

export const slackToken: SecretDetector = {
  id: 'SK-SECRET-0010',
  title: 'Slack API token',
  severity: 'HIGH',
  description:
    'A Slack bot, user, app or refresh token. It reads channels and direct messages within its scopes and posts as ' +
    'the bot or user, which makes convincing phishing from inside the workspace.',
  remediation: remediation('the Slack token', 'revoke it (auth.revoke, or reinstall the app to issue new tokens) and review the workspace access logs'),
  references: [SP_800_190_URL, 'https://api.slack.com/concepts/token-types'],
  frameworks: frameworks('stride:S'),
  keywords: KEYWORDS,
  find: findSlackTokens,
};
