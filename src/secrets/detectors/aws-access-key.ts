/**
 * AWS access keys. The key id is `AKIA` (long-term) or `ASIA` (temporary, STS) followed
 * by 16 characters of the base32 alphabet (A-Z, 2-7). The id alone is not a credential
 * but names one; the secret access key is 40 characters of base64 and has no prefix, so
 * it is found only in context: after a name such as `aws_secret_access_key` /
 * `SecretAccessKey` / `Secret access key` (credentials file, JSON from
 * `aws iam create-access-key`, the console's CSV), or as a lone 40-character token
 * within a few hundred characters after a key id.
 *
 * AWS writes every example key with `EXAMPLE` in it (`AKIAIOSFODNN7EXAMPLE`,
 * `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`); such values are not reported. Trivy and
 * gitleaks make the same choice: they cannot authenticate and fill SDK documentation.
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { characterClassCount, shannonEntropy } from '../entropy.js';
import { isPlaceholderValue } from '../placeholder.js';
import { anyKeywordOffsets, endsToken, isAlnum, isBase64, isNameChar, keywordOffsets, lineEndFrom, MAX_MATCHES_PER_DETECTOR, runEnd, startsToken } from '../text-search.js';

const ID_KEYWORDS = ['akia', 'asia'];
const SECRET_NAME_KEYWORDS = ['secret_access_key', 'secretaccesskey', 'secret-access-key', 'secret access key', 'aws_secret_key'];
const ID_LENGTH = 20;
const SECRET_LENGTH = 40;
/** How far after a key id a bare secret may sit (one CSV row, one JSON object). */
const PAIR_WINDOW = 300;

const isBase32Upper = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 50 && c <= 55);
const isKeyIdNeighbour = (c: number): boolean => isAlnum(c) || c === 43 || c === 47;

/**
 * Query parameters of presigned URLs (SigV4 `X-Amz-Credential=`, SigV2 `AWSAccessKeyId=`):
 * the id there is published with a time-limited signature, never with the secret.
 */
const PRESIGNED_PARAMETERS = ['X-Amz-Credential=', 'AWSAccessKeyId='];

function keyIdAt(text: string, offset: number): boolean {
  if (PRESIGNED_PARAMETERS.some((p) => text.startsWith(p, offset - p.length))) return false;
  const prefix = text.slice(offset, offset + 4);
  if (prefix !== 'AKIA' && prefix !== 'ASIA') return false;
  if (!startsToken(text, offset, isKeyIdNeighbour)) return false;
  if (runEnd(text, offset + 4, isBase32Upper, 16) !== offset + ID_LENGTH) return false;
  if (!endsToken(text, offset + ID_LENGTH, isKeyIdNeighbour)) return false;
  return !text.slice(offset, offset + ID_LENGTH).includes('EXAMPLE');
}

/** True when `value` has the look of a generated 40-character secret rather than a word, path or example. */
export function looksLikeAwsSecret(value: string): boolean {
  if (value.length !== SECRET_LENGTH || value.endsWith('EXAMPLEKEY')) return false;
  if (isPlaceholderValue(value)) return false;
  return shannonEntropy(value) >= 4 && characterClassCount(value) >= 3;
}

/** A 40-character base64 token starting at `from` and standing alone, or -1. */
function secretTokenAt(text: string, from: number): number {
  if (!startsToken(text, from, isBase64)) return -1;
  const end = runEnd(text, from, isBase64, SECRET_LENGTH + 1);
  if (end - from !== SECRET_LENGTH || !endsToken(text, end, (c) => isBase64(c) || c === 61)) return -1;
  return looksLikeAwsSecret(text.slice(from, end)) ? end : -1;
}

/** The secret after a `name` ending at `nameEnd`: skips the rest of the name, quotes, `:`/`=` and blanks. */
function secretAfterName(text: string, nameEnd: number): number {
  const lineEnd = lineEndFrom(text, nameEnd, 256);
  let i = runEnd(text, nameEnd, isNameChar, 64);
  const separatorsEnd = Math.min(lineEnd, i + 12);
  while (i < separatorsEnd) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 34 || c === 39 || c === 58 || c === 61 || c === 62 || c === 44) i++;
    else break;
  }
  return i;
}

export function findAwsAccessKeys(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  const secretStarts = new Set<number>();
  const addSecret = (start: number, end: number): void => {
    if (secretStarts.has(start)) return;
    secretStarts.add(start);
    matches.push({ start, end, kind: 'secret-access-key' });
  };
  for (const offset of anyKeywordOffsets(text, ID_KEYWORDS)) {
    if (!keyIdAt(text, offset)) continue;
    matches.push({ start: offset, end: offset + ID_LENGTH, kind: text.startsWith('ASIA', offset) ? 'temporary-access-key-id' : 'access-key-id' });
    // A bare secret shortly after the id: scan token starts in the window.
    const windowEnd = Math.min(text.length, offset + ID_LENGTH + PAIR_WINDOW);
    for (let i = offset + ID_LENGTH; i < windowEnd; i++) {
      if (!isBase64(text.charCodeAt(i))) continue;
      const end = secretTokenAt(text, i);
      if (end !== -1) {
        addSecret(i, end);
        break;
      }
      i = runEnd(text, i, isBase64, windowEnd - i);
    }
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) return matches;
  }
  for (const keyword of SECRET_NAME_KEYWORDS) {
    for (const offset of keywordOffsets(text, keyword)) {
      const valueStart = secretAfterName(text, offset + keyword.length);
      const end = secretTokenAt(text, valueStart);
      if (end !== -1) addSecret(valueStart, end);
      if (matches.length >= MAX_MATCHES_PER_DETECTOR) return matches;
    }
  }
  return matches;
}

export const awsAccessKey: SecretDetector = {
  id: 'SK-SECRET-0005',
  title: 'AWS access key',
  severity: 'CRITICAL',
  description:
    'An AWS access key id, and its secret access key when it is nearby. With the pair, anyone can call AWS APIs as the ' +
    'IAM user or role that owns it: read S3 buckets and databases, start instances, and often create more credentials.',
  remediation: remediation('the access key', 'deactivate and delete it in IAM (aws iam delete-access-key), review CloudTrail for its use, and use an IAM role for the workload instead of a long-term key'),
  references: [SP_800_190_URL, 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html'],
  frameworks: frameworks('stride:S', 'stride:E'),
  keywords: [...ID_KEYWORDS, ...SECRET_NAME_KEYWORDS],
  find: findAwsAccessKeys,
};
