/**
 * Stripe live-mode API keys: secret keys `sk_live_` and restricted keys `rk_live_`,
 * followed by 24 or more alphanumerics (Stripe documents keys of up to 255 characters).
 *
 * Test-mode keys (`sk_test_`, `rk_test_`) are deliberately not reported: they cannot
 * move money or reach live customer data, Stripe's own documentation and SDKs publish
 * them by the hundred, and reporting them would drown the live keys that matter.
 * https://docs.stripe.com/keys
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { shannonEntropy } from '../entropy.js';
import { isPlaceholderToken } from '../placeholder.js';
import { endsToken, isAlnum, keywordOffsets, MAX_MATCHES_PER_DETECTOR, runEnd, startsToken } from '../text-search.js';

const PREFIXES = ['sk_live_', 'rk_live_'];
const MIN_BODY = 24;
const MAX_BODY = 247;
const isTokenChar = (c: number): boolean => isAlnum(c) || c === 95;

export function findStripeKeys(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  for (const prefix of PREFIXES) {
    for (const offset of keywordOffsets(text, prefix)) {
      if (!text.startsWith(prefix, offset) || !startsToken(text, offset, isTokenChar)) continue;
      const bodyStart = offset + prefix.length;
      const end = runEnd(text, bodyStart, isAlnum, MAX_BODY + 1);
      const length = end - bodyStart;
      if (length < MIN_BODY || length > MAX_BODY || !endsToken(text, end, isTokenChar)) continue;
      const body = text.slice(bodyStart, end);
      if (shannonEntropy(body) < 3.8 || isPlaceholderToken(body)) continue;
      matches.push({ start: offset, end, kind: prefix.slice(0, 2) === 'sk' ? 'secret-key' : 'restricted-key' });
      if (matches.length >= MAX_MATCHES_PER_DETECTOR) return matches;
    }
  }
  return matches;
}

export const stripeKey: SecretDetector = {
  id: 'SK-SECRET-0012',
  title: 'Stripe live API key',
  severity: 'HIGH',
  description:
    'A Stripe live-mode secret or restricted key. Within its permissions it creates charges and refunds, reads ' +
    'customer and payment data, and changes payout settings.',
  remediation: remediation('the Stripe key', 'roll it in the Stripe Dashboard (Developers > API keys) and review the request logs for its use'),
  references: [SP_800_190_URL, 'https://docs.stripe.com/keys'],
  frameworks: frameworks('stride:S', 'stride:T'),
  keywords: PREFIXES,
  find: findStripeKeys,
};
