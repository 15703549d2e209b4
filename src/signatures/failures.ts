/**
 * Why a signature check failed: one closed list for cosign signatures and Sigstore
 * bundles, so `stockade verify`, the trust policy and the admission webhook all name
 * the same check in the same words. Each verdict carries one of these codes and a
 * one-line message that says what was expected and what was found.
 */
export const SIGNATURE_FAILURES = {
  // Input and usage
  unsigned: 'no signature found',
  usage: 'the verification request is incomplete (no key, no identity policy, no artifact)',
  bad_key: 'the public key is unreadable or of an unsupported type',
  key_required: 'signed with a managed key, but no key was given',
  malformed_signature: 'the signature is missing, empty or not base64',
  malformed_payload: 'the signed payload is not a cosign simple-signing payload',
  malformed_bundle: 'the bundle is malformed or of an unsupported version',
  malformed_trusted_root: 'the trusted root is malformed',
  // What was signed
  payload_tampered: 'the payload does not match its layer digest (tampered payload)',
  signature_mismatch: 'the signature does not verify with the key or certificate',
  digest_mismatch: 'the payload was signed for another image digest',
  reference_mismatch: 'the payload names another repository (docker-reference)',
  artifact_mismatch: 'the bundle was signed for another artifact',
  predicate_mismatch: 'the attestation is of another kind (in-toto predicate type)',
  // Transparency log
  tlog_entry_mismatch: 'the transparency log entry does not match the bundle',
  tlog_untrusted: 'the transparency log is not in the trusted root',
  inclusion_missing: 'no proof of transparency log inclusion',
  inclusion_proof_invalid: 'bad inclusion proof',
  checkpoint_invalid: 'bad transparency log checkpoint',
  inclusion_promise_invalid: 'bad signed entry timestamp (inclusion promise)',
  // Certificates and time
  certificate_untrusted: 'the certificate does not chain to a trusted certificate authority',
  certificate_expired: 'the certificate was not valid at signing time',
  sct_invalid: 'bad certificate transparency timestamp (SCT)',
  timestamp_missing: 'no trusted timestamp',
  timestamp_invalid: 'the RFC 3161 timestamp is not from a trusted authority or not over this signature',
  key_expired: 'the public key was not valid at signing time',
  // Policy
  identity_mismatch: 'the certificate identity is not the expected one',
  issuer_mismatch: 'the certificate OIDC issuer is not the expected one',
} as const;

export type SignatureFailureReason = keyof typeof SIGNATURE_FAILURES;

/** A failed check: which one, and one line about this input. */
export interface SignatureFailure {
  reason: SignatureFailureReason;
  message: string;
}

/** Folds whitespace and newlines from nested messages so a verdict stays on one line. */
export function oneLine(text: string, max = 400): string {
  // Line by line: a whitespace pattern around the newline would backtrack on long runs of spaces.
  const flat = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

export function failure(reason: SignatureFailureReason, detail?: string): SignatureFailure {
  return { reason, message: oneLine(detail ? `${SIGNATURE_FAILURES[reason]}: ${detail}` : SIGNATURE_FAILURES[reason]) };
}

/**
 * Strict base64 (standard or URL-safe alphabet, optional padding): the decoders in Node
 * and protobuf skip bad characters silently. Line breaks are allowed, as Go's decoder
 * (the Sigstore reference clients) ignores them: `base64` wraps its output at 76 columns.
 */
export function isBase64(text: string): boolean {
  const flat = text.replace(/[\r\n]/g, '');
  return flat.length % 4 !== 1 && /^[A-Za-z0-9+/_-]*={0,2}$/.test(flat);
}
