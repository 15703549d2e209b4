/**
 * PEM private keys (RFC 7468): PKCS#1 `RSA PRIVATE KEY`, SEC 1 `EC PRIVATE KEY`, DSA,
 * PKCS#8 `PRIVATE KEY` and `ENCRYPTED PRIVATE KEY`. Found by structure, not by the
 * BEGIN line alone: the END line must match, the body must be base64, and it must
 * decode to exactly one DER SEQUENCE (legacy OpenSSL-encrypted PKCS#1 keys, whose body
 * is ciphertext, must instead carry their `Proc-Type: 4,ENCRYPTED` header). So
 * documentation with `...` bodies, public keys and certificates are not reported.
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { decodeBase64, derElementLength, readArmorBlock } from '../armor.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { keywordOffsets, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const KEYWORD = 'private key-----';
/** The label words before `PRIVATE KEY` that this detector reads, and the kind each reports. */
const LABELS: ReadonlyArray<readonly [string, string]> = [
  ['', 'pkcs8'],
  ['RSA ', 'rsa'],
  ['EC ', 'ec'],
  ['DSA ', 'dsa'],
  ['ENCRYPTED ', 'pkcs8-encrypted'],
];
/** Smallest DER private key worth the name (a P-256 SEC 1 key is 121 bytes). */
const MIN_DER_BYTES = 48;

function isOneDerSequence(der: Uint8Array): boolean {
  const el = derElementLength(der);
  return el !== undefined && el.tag === 0x30 && el.headerLength + el.contentLength === der.length;
}

export function findPemPrivateKeys(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  for (const offset of keywordOffsets(text, KEYWORD)) {
    for (const [label, kind] of LABELS) {
      const start = offset - '-----BEGIN '.length - label.length;
      if (start < 0) continue;
      const block = readArmorBlock(text, start, `${label}PRIVATE KEY`);
      if (block === undefined) continue;
      const legacyEncrypted = block.headers.some((h) => /^Proc-Type:\s*4,ENCRYPTED$/.test(h));
      const der = decodeBase64(block.base64);
      if (der.length < MIN_DER_BYTES) continue;
      if (!legacyEncrypted && !isOneDerSequence(der)) continue;
      matches.push({ start: block.start, end: block.end, kind: legacyEncrypted ? `${kind}-encrypted` : kind });
      break;
    }
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const privateKeyPem: SecretDetector = {
  id: 'SK-SECRET-0001',
  title: 'PEM private key',
  severity: 'CRITICAL',
  description:
    'A private key in PEM form (PKCS#1, SEC 1, PKCS#8 or encrypted PKCS#8). Whoever holds it can impersonate the ' +
    'server or client it belongs to, decrypt traffic recorded with it, and sign as its owner. An encrypted key only ' +
    'delays this by the strength of its passphrase.',
  remediation: remediation('the private key', 'issue a new key pair, replace the certificate or authorized key that used this one, and revoke the old certificate'),
  references: [SP_800_190_URL, 'https://www.rfc-editor.org/rfc/rfc7468', 'https://www.rfc-editor.org/rfc/rfc5958'],
  frameworks: frameworks('stride:S'),
  keywords: [KEYWORD],
  find: findPemPrivateKeys,
};
