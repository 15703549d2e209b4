/**
 * JSON Web Tokens in compact serialization (RFC 7519, RFC 7515 section 7.1): three
 * base64url parts separated by dots. The header must decode to a JSON object with a
 * string `alg` other than `none`, the payload to a JSON object, and the signature must
 * be present; so dotted identifiers and base64 blobs are not reported. The payload must
 * also carry a registered claim, which every issued token has and examples often lack. Five-part
 * tokens (JWE) are encrypted and not read.
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { isBase64Url, keywordOffsets, MAX_MATCHES_PER_DETECTOR, runEnd, startsToken } from '../text-search.js';

const KEYWORD = 'eyj';
const MAX_HEADER = 2048;
const MAX_PAYLOAD = 64 * 1024;
const MAX_SIGNATURE = 2048;
/** An HMAC-SHA256 signature is 43 characters; anything under this is not a signature. */
const MIN_SIGNATURE = 16;
/**
 * RFC 7519 section 4.1. Every token an issuer hands out carries at least one of these
 * (who issued it, for whom, until when); library examples such as `{"some": "payload"}`
 * carry none.
 */
const REGISTERED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function findJwts(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  let consumed = 0;
  for (const offset of keywordOffsets(text, KEYWORD)) {
    if (offset < consumed || !text.startsWith('eyJ', offset) || !startsToken(text, offset, isBase64Url)) continue;
    const headerEnd = runEnd(text, offset, isBase64Url, MAX_HEADER + 1);
    if (headerEnd - offset > MAX_HEADER || text.charCodeAt(headerEnd) !== 46) continue;
    const payloadEnd = runEnd(text, headerEnd + 1, isBase64Url, MAX_PAYLOAD + 1);
    if (payloadEnd === headerEnd + 1 || payloadEnd - headerEnd - 1 > MAX_PAYLOAD || text.charCodeAt(payloadEnd) !== 46) continue;
    const end = runEnd(text, payloadEnd + 1, isBase64Url, MAX_SIGNATURE + 1);
    const signatureLength = end - payloadEnd - 1;
    if (signatureLength < MIN_SIGNATURE || signatureLength > MAX_SIGNATURE) continue;
    if (text.charCodeAt(end) === 46 && isBase64Url(text.charCodeAt(end + 1))) continue;
    const header = decodeJsonObject(text.slice(offset, headerEnd));
    const alg = header?.alg;
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') continue;
    const claims = decodeJsonObject(text.slice(headerEnd + 1, payloadEnd));
    if (claims === undefined || !REGISTERED_CLAIMS.some((c) => c in claims)) continue;
    matches.push({ start: offset, end, kind: alg.slice(0, 16) });
    consumed = end;
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const jwt: SecretDetector = {
  id: 'SK-SECRET-0016',
  title: 'JSON Web Token',
  severity: 'MEDIUM',
  description:
    'A signed JSON Web Token. Until it expires it is a bearer credential: whoever presents it is treated as its ' +
    'subject by every service that trusts the issuer. Tokens baked into images are often long-lived service tokens.',
  remediation: remediation('the token', 'revoke it at its issuer (or rotate the signing key if the token cannot be revoked) and issue short-lived tokens at run time'),
  references: [SP_800_190_URL, 'https://www.rfc-editor.org/rfc/rfc7519'],
  frameworks: frameworks('stride:S'),
  keywords: [KEYWORD],
  find: findJwts,
};
