/**
 * Azure Storage account keys: 64 random bytes written as 88 base64 characters ending
 * in `==`, after `AccountKey=` in a connection string
 * (`DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=...`)
 * or after an `AccountKey` / `accountKey` field in JSON or YAML. The Azurite emulator's
 * published development key is allow-listed (allowlist.ts).
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { shannonEntropy } from '../entropy.js';
import { endsToken, isBase64, keywordOffsets, lineAround, MAX_MATCHES_PER_DETECTOR, runEnd } from '../text-search.js';

const KEYWORD = 'accountkey';
const KEY_LENGTH = 88;

export function findAzureStorageKeys(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  for (const offset of keywordOffsets(text, KEYWORD)) {
    let i = offset + KEYWORD.length;
    // `AccountKey=`, `"accountKey": "`, `account_key: ` ...: at most a few separator characters.
    const stop = Math.min(text.length, i + 6);
    while (i < stop && ' \t"\':='.includes(text.charAt(i))) i++;
    const end = runEnd(text, i, isBase64, KEY_LENGTH);
    if (end - i !== KEY_LENGTH - 2 || !text.startsWith('==', end) || !endsToken(text, end + 2, (c) => isBase64(c) || c === 61)) continue;
    const value = text.slice(i, end + 2);
    if (shannonEntropy(value) < 4.5) continue;
    const line = lineAround(text, offset, 1024);
    const kind = text.slice(line.start, line.end).includes('DefaultEndpointsProtocol=') ? 'connection-string' : 'account-key';
    matches.push({ start: i, end: end + 2, kind });
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const azureStorageKey: SecretDetector = {
  id: 'SK-SECRET-0007',
  title: 'Azure Storage account key',
  severity: 'CRITICAL',
  description:
    'An Azure Storage account key, alone or in a connection string. It grants full control of every blob, queue, ' +
    'table and file share in the account, and signs SAS tokens for others.',
  remediation: remediation('the account key', 'rotate it in the storage account\'s Access keys page (az storage account keys renew) and move clients to Microsoft Entra ID or a managed identity'),
  references: [SP_800_190_URL, 'https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage'],
  frameworks: frameworks('stride:S', 'stride:E'),
  keywords: [KEYWORD],
  find: findAzureStorageKeys,
};
