/**
 * Slack incoming webhooks: `https://hooks.slack.com/services/T<workspace>/B<hook>/<24
 * alphanumerics>`. The URL is the credential: anyone holding it posts into the channel.
 * The reported value is the path after `/services/` (the public host is not secret).
 * Slack's documented example (`T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX`) fails the
 * filler check and is not reported.
 * https://api.slack.com/messaging/webhooks
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { shannonEntropy } from '../entropy.js';
import { isPlaceholderToken } from '../placeholder.js';
import { endsToken, isAlnum, keywordOffsets, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const KEYWORD = 'hooks.slack.com/services/';
const PATH = /T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/([A-Za-z0-9]{24})/y;

export function findSlackWebhooks(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  for (const offset of keywordOffsets(text, KEYWORD)) {
    if (!text.startsWith(KEYWORD, offset)) continue;
    PATH.lastIndex = offset + KEYWORD.length;
    const m = PATH.exec(text);
    if (m === null || !endsToken(text, PATH.lastIndex, isAlnum)) continue;
    const secret = m[1] as string;
    if (shannonEntropy(secret) < 3.5 || isPlaceholderToken(secret)) continue;
    // The path is the credential; the host and `/services/` are public.
    matches.push({ start: offset + KEYWORD.length, end: PATH.lastIndex, kind: 'incoming-webhook' });
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const slackWebhook: SecretDetector = {
  id: 'SK-SECRET-0011',
  title: 'Slack incoming webhook URL',
  severity: 'MEDIUM',
  description:
    'A Slack incoming-webhook URL. Anyone who has it can post messages into its channel as the integration, which ' +
    'makes convincing phishing and alert spoofing.',
  remediation: remediation('the webhook URL', 'regenerate or remove the webhook in the Slack app\'s Incoming Webhooks settings'),
  references: [SP_800_190_URL, 'https://api.slack.com/messaging/webhooks'],
  frameworks: frameworks('stride:S'),
  keywords: [KEYWORD],
  find: findSlackWebhooks,
};
