/**
 * Verification keys as cosign accepts them: PEM public keys (SPKI `PUBLIC KEY`, or
 * PKCS#1 `RSA PUBLIC KEY`) of type ECDSA (P-256, P-384, P-521), RSA (2048 bits and
 * up) or Ed25519, and the digest each is used with.
 *
 * cosign loads `--key` through sigstore's `signature.LoadVerifier(pub, crypto.SHA256)`
 * (cosign pkg/signature/keys.go, sigstore pkg/signature/verifier.go): ECDSA over the
 * SHA-256 of the payload (ASN.1 DER signatures) whatever the curve, RSA with PKCS#1
 * v1.5 padding over SHA-256 (PSS only on request, which `cosign verify` never makes),
 * and Ed25519 over the payload itself (pure Ed25519, no prehash).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

export type PublicKeyInput = KeyObject | string | Buffer;

const CURVES: ReadonlySet<string> = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const MIN_RSA_BITS = 2048;

/** A public key ready to verify, or why it cannot be used. */
export type LoadedKey = { ok: true; key: KeyObject; description: string } | { ok: false; message: string };

export function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return `ECDSA ${d.namedCurve === 'prime256v1' ? 'P-256' : d.namedCurve === 'secp384r1' ? 'P-384' : d.namedCurve === 'secp521r1' ? 'P-521' : (d.namedCurve ?? '?')}`;
    case 'rsa':
      return `RSA ${d.modulusLength ?? '?'}`;
    case 'ed25519':
      return 'Ed25519';
    default:
      return key.asymmetricKeyType ?? 'unknown';
  }
}

/** Parses and checks one key; `label` names it in the message (a file name, `key 2`). */
export function loadPublicKey(input: PublicKeyInput, label = 'key'): LoadedKey {
  let key: KeyObject;
  try {
    if (typeof input === 'string' || Buffer.isBuffer(input)) {
      const text = input.toString();
      if (!/-----BEGIN (?:RSA )?PUBLIC KEY-----/.test(text)) return { ok: false, message: `${label}: not a PEM public key (BEGIN PUBLIC KEY)` };
      key = createPublicKey({ key: text, format: 'pem' });
    } else {
      key = input;
    }
  } catch (e) {
    return { ok: false, message: `${label}: cannot read the PEM public key (${e instanceof Error ? e.message : String(e)})` };
  }
  if (key.type !== 'public') return { ok: false, message: `${label}: a ${key.type} key was given, a public key is needed` };
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ec' && !CURVES.has(details.namedCurve ?? '')) return { ok: false, message: `${label}: unsupported elliptic curve ${details.namedCurve ?? '?'}` };
  if (type === 'rsa' && (details.modulusLength ?? 0) < MIN_RSA_BITS) return { ok: false, message: `${label}: RSA key of ${details.modulusLength ?? '?'} bits, at least ${MIN_RSA_BITS} needed` };
  if (type !== 'ec' && type !== 'rsa' && type !== 'ed25519') return { ok: false, message: `${label}: unsupported key type ${type ?? '?'} (ECDSA, RSA or Ed25519)` };
  return { ok: true, key, description: describeKey(key) };
}

/** cosign's signature check: see the header for the digest and padding per key type. */
export function verifyWithKey(data: Buffer, signature: Buffer, key: KeyObject): boolean {
  try {
    if (key.asymmetricKeyType === 'ed25519') return verify(null, data, key, signature);
    return verify('sha256', data, key, signature);
  } catch {
    // A signature of the wrong shape for the key (an Ed25519 signature under an RSA key) does not verify.
    return false;
  }
}
