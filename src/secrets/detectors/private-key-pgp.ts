/**
 * OpenPGP secret keys in ASCII armor (RFC 4880 section 6, RFC 9580): the body must
 * decode to a Secret-Key packet (tag 5, old or new packet format), and when the armor
 * carries its CRC-24 checksum line the checksum must match. Public key blocks and
 * signatures use other labels and are never read.
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { decodeBase64, readArmorBlock } from '../armor.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { keywordOffsets, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const LABEL = 'PGP PRIVATE KEY BLOCK';
const KEYWORD = '-----begin pgp private key block-----';

/** CRC-24 of RFC 4880 section 6.1 (init 0xB704CE, generator 0x1864CFB). */
export function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (const b of bytes) {
    crc ^= b << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/** Packet tag of the first packet: old format 0b10tttt_ll, new format 0b11tttttt. */
function firstPacketTag(bytes: Uint8Array): number | undefined {
  const b = bytes[0];
  if (b === undefined || (b & 0x80) === 0) return undefined;
  return b & 0x40 ? b & 0x3f : (b >> 2) & 0x0f;
}

const SECRET_KEY_TAG = 5;

export function findPgpPrivateKeys(input: SecretInput): SecretMatch[] {
  const matches: SecretMatch[] = [];
  for (const offset of keywordOffsets(input.text, KEYWORD)) {
    const block = readArmorBlock(input.text, offset, LABEL);
    if (block === undefined) continue;
    const bytes = decodeBase64(block.base64);
    if (bytes.length < 32 || firstPacketTag(bytes) !== SECRET_KEY_TAG) continue;
    if (block.checksum !== undefined) {
      const expected = decodeBase64(block.checksum);
      if (expected.length !== 3 || expected.readUIntBE(0, 3) !== crc24(bytes)) continue;
    }
    matches.push({ start: block.start, end: block.end, kind: 'openpgp-secret-key' });
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const privateKeyPgp: SecretDetector = {
  id: 'SK-SECRET-0003',
  title: 'OpenPGP private key block',
  severity: 'CRITICAL',
  description:
    'An exported OpenPGP secret key. Whoever holds it can sign releases, packages, commits and mail as its owner and ' +
    'decrypt what was encrypted to it; a passphrase only delays this.',
  remediation: remediation('the OpenPGP key', 'publish a revocation certificate for it, create a new key and re-sign what must stay trusted'),
  references: [SP_800_190_URL, 'https://www.rfc-editor.org/rfc/rfc9580#section-6'],
  frameworks: frameworks('stride:S', 'stride:T'),
  keywords: [KEYWORD],
  find: findPgpPrivateKeys,
};
