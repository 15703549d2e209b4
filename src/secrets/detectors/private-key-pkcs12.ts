/**
 * PKCS#12 / PFX key stores (RFC 7292): binary, so found by structure at the start of
 * a `.p12` / `.pfx` file: a DER SEQUENCE holding INTEGER 3 (the version) and then a
 * ContentInfo whose type is pkcs7-data (1.2.840.113549.1.7.1) or pkcs7-signedData (.2).
 *
 * The detector reads text, so the scanner must hand it such files decoded as latin1
 * (one character per byte); UTF-8 decoding would replace the high bytes and hide the
 * structure. A file that holds the same store base64-encoded (as some tools write it)
 * is read too.
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { decodeBase64, derElementLength } from '../armor.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { isBase64, runEnd } from '../text-search.js';

/** OBJECT IDENTIFIER 1.2.840.113549.1.7 (PKCS #7 content types), before the final arc. */
const PKCS7_OID_PREFIX = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07];
const PKCS7_DATA = 0x01;
const PKCS7_SIGNED_DATA = 0x02;

/** The first bytes of a file as numbers: latin1 text maps one character to one byte. */
function latin1Bytes(text: string, count: number): Uint8Array | undefined {
  const n = Math.min(count, text.length);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
}

/** True when `der` starts with a PFX: SEQUENCE { INTEGER 3, SEQUENCE { OID pkcs7-data|signedData, ... } ... }. */
export function looksLikePkcs12(der: Uint8Array): boolean {
  const outer = derElementLength(der, 0);
  if (outer === undefined || outer.tag !== 0x30) return false;
  let at = outer.headerLength;
  if (der[at] !== 0x02 || der[at + 1] !== 0x01 || der[at + 2] !== 0x03) return false;
  at += 3;
  const authSafe = derElementLength(der, at);
  if (authSafe === undefined || authSafe.tag !== 0x30) return false;
  at += authSafe.headerLength;
  for (let i = 0; i < PKCS7_OID_PREFIX.length; i++) if (der[at + i] !== PKCS7_OID_PREFIX[i]) return false;
  const last = der[at + PKCS7_OID_PREFIX.length];
  return last === PKCS7_DATA || last === PKCS7_SIGNED_DATA;
}

const HEADER_BYTES = 32;

export function findPkcs12(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const raw = latin1Bytes(text, HEADER_BYTES);
  if (raw !== undefined && looksLikePkcs12(raw)) return [{ start: 0, end: text.length, kind: 'pkcs12' }];
  // Base64 of the same structure: decode just enough characters for the header.
  const lead = runEnd(text, 0, (c) => isBase64(c) || c === 61, 64);
  if (lead >= 44) {
    const decoded = decodeBase64(text.slice(0, lead - (lead % 4)));
    if (looksLikePkcs12(decoded)) {
      const end = runEnd(text, 0, (c) => isBase64(c) || c === 61 || c === 10 || c === 13);
      return [{ start: 0, end, kind: 'pkcs12-base64' }];
    }
  }
  return [];
}

export const privateKeyPkcs12: SecretDetector = {
  id: 'SK-SECRET-0004',
  title: 'PKCS#12 key store',
  severity: 'CRITICAL',
  description:
    'A PKCS#12 (.p12/.pfx) store, which holds private keys with their certificates. Its password is often empty, ' +
    'default or written next to it; cracking it offline gives the holder the key to impersonate its owner.',
  remediation: remediation('the key store', 'issue new keys and certificates, revoke the old certificates'),
  references: [SP_800_190_URL, 'https://www.rfc-editor.org/rfc/rfc7292'],
  frameworks: frameworks('stride:S'),
  keywords: [],
  appliesToPath: (path) => /\.(?:p12|pfx)$/i.test(path),
  find: findPkcs12,
};
