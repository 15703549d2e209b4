/**
 * Google Cloud service-account key files: JSON with `"type": "service_account"` and a
 * `"private_key"` holding a PEM PKCS#8 key (Google's documented key file format). The
 * reported value is the private_key string; the PEM inside it is the same secret, and
 * the scanner keeps this more specific finding instead of the generic PEM one.
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { keywordOffsets, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const TYPE_KEYWORD = 'service_account';
const KEY_KEYWORD = '"private_key"';
/** A service-account file is about 2.3 KiB; its type and key sit well within this of each other. */
const PAIR_DISTANCE = 8 * 1024;
const MAX_KEY_STRING = 16 * 1024;

const TYPE_FIELD = /"type"\s*:\s*"service_account"/y;
const KEY_FIELD = /"private_key"\s*:\s*"/y;

/** End (exclusive, before the closing quote) of the JSON string whose content starts at `from`. */
function jsonStringEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_KEY_STRING);
  for (let i = from; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i;
    else if (c === 10) return -1;
  }
  return -1;
}

/** Offsets of `"type": "service_account"` fields (the keyword sits inside the value). */
function typeFieldOffsets(text: string): number[] {
  const found: number[] = [];
  for (const offset of keywordOffsets(text, TYPE_KEYWORD)) {
    const windowStart = Math.max(0, offset - 40);
    const inWindow = text.slice(windowStart, offset).lastIndexOf('"type"');
    if (inWindow === -1) continue;
    const quote = windowStart + inWindow;
    TYPE_FIELD.lastIndex = quote;
    if (TYPE_FIELD.test(text)) found.push(quote);
  }
  return found;
}

export function findGcpServiceAccountKeys(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const types = typeFieldOffsets(text);
  if (types.length === 0) return [];
  const matches: SecretMatch[] = [];
  let t = 0;
  for (const offset of keywordOffsets(text, KEY_KEYWORD)) {
    while (t < types.length - 1 && (types[t + 1] as number) <= offset) t++;
    const near = types.slice(Math.max(0, t - 1), t + 2).some((o) => Math.abs(o - offset) <= PAIR_DISTANCE);
    if (!near) continue;
    KEY_FIELD.lastIndex = offset;
    if (!KEY_FIELD.test(text)) continue;
    const start = KEY_FIELD.lastIndex;
    const end = jsonStringEnd(text, start);
    if (end === -1) continue;
    const value = text.slice(start, end);
    if (!value.includes('PRIVATE KEY-----') || value.length < 200) continue;
    matches.push({ start, end, kind: 'service-account-key' });
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const gcpServiceAccount: SecretDetector = {
  id: 'SK-SECRET-0006',
  title: 'Google Cloud service-account key',
  severity: 'CRITICAL',
  description:
    'A Google Cloud service-account key file. Whoever holds it acts as the service account on every project and ' +
    'resource it was granted, until the key is deleted; such keys never expire by default.',
  remediation: remediation('the service-account key', 'delete the key in IAM (gcloud iam service-accounts keys delete) and review the audit logs for its use; prefer Workload Identity to key files'),
  references: [SP_800_190_URL, 'https://cloud.google.com/iam/docs/keys-create-delete'],
  frameworks: frameworks('stride:S', 'stride:E'),
  keywords: [TYPE_KEYWORD],
  find: findGcpServiceAccountKeys,
};
