/**
 * Suite `signatures`: the Sigstore client conformance cases
 * (signatures/sigstore-conformance/test/assets/bundle-verify/<case>/, see the corpus
 * MANIFEST). Truth: the directory name. A case ending in `_fail` must fail
 * verification, every other must verify.
 *
 * Each case is verified the way `stockade verify --bundle FILE --artifact FILE [--key
 * FILE] [--trusted-root FILE] --certificate-identity ID --certificate-oidc-issuer URL`
 * does: the artifact is the case's `artifact` or `../a.txt`; `key.pub` present means a
 * managed-key verification, else keyless with the case's `identity`/`issuer` (or the
 * conformance defaults); `trusted_root.json`, else the public-good root embedded in
 * @sigstore/tuf. Offline throughout.
 *
 * A `_fail` case must also fail for the reason its README gives: EXPECTED_REASONS
 * restates each README in our reason codes (failures.ts), with more than one code
 * where the README allows more than one reading. Failing for another reason is a
 * disagreement. Every case prints its verdict as a note.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SignatureFailureReason } from '../signatures/failures.js';
import { verifySigstoreBundleText, type SigstoreBundleResult } from '../signatures/sigstore-bundle.js';
import { corpusPath } from '../testing/corpus.js';
import type { CaseResult, SuiteResult } from './report.js';

export const CONFORMANCE_DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
export const CONFORMANCE_DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

/** Why each `_fail` case must fail, from its README (quoted in short). */
export const EXPECTED_REASONS: Readonly<Record<string, readonly SignatureFailureReason[]>> = {
  'bundle-empty-certificate-chain_fail': ['malformed_bundle'], // "empty certificate chain"
  'bundle-from-wrong-instance_fail': ['certificate_untrusted', 'inclusion_promise_invalid', 'tlog_untrusted'], // staging bundle, production trust roots
  'bundle-invalid-base64-signature_fail': ['malformed_bundle'], // "invalid base64 encoding"
  'bundle-malformed-json_fail': ['malformed_bundle'], // "fail with parse error"
  'bundle-negative-log-index_fail': ['malformed_bundle'], // "negative log index"
  'bundle-unknown-version_fail': ['malformed_bundle'], // "unknown/unsupported version"
  'bundle-with-root-cert_fail': ['malformed_bundle'], // "chain contains a root certificate"
  'checkpoint-bad-keyhint_fail': ['checkpoint_invalid'], // "checkpoint signature does not match the log"
  'checkpoint-wrong-roothash_fail': ['inclusion_proof_invalid', 'checkpoint_invalid'], // checkpoint "does not apply to this bundle"
  'dsse-invalid-sig_fail': ['signature_mismatch'], // "signature in the dsse envelope is incorrect"
  'dsse-mismatch-envelope_fail': ['tlog_entry_mismatch'], // "envelope does not match the entry"
  'dsse-mismatch-sig_fail': ['tlog_entry_mismatch'], // two valid signatures, the logged one is the other
  'inclusion-proof-corrupted-hash_fail': ['inclusion_proof_invalid'], // "the Merkle proof is invalid"
  'incorrect-public-key_fail': ['tlog_entry_mismatch', 'inclusion_promise_invalid'], // the entry was edited, so its SET breaks
  'integrated-time-in-future_fail': ['certificate_expired'], // "integrated time is not within signing certificate validity"
  'intoto-expired-certificate_fail': ['certificate_expired', 'certificate_untrusted'], // "issued outside the validity window"
  'intoto-log-entry-mismatch_fail': ['tlog_entry_mismatch'], // "log entry does not match"
  'intoto-missing-inclusion-proof_fail': ['inclusion_missing'], // "does not contain an inclusion proof"
  'intoto-set-outside-signing-cert-validity_fail': ['certificate_expired'], // "outside the validity window of the signing certificate"
  'intoto-tsa-timestamp-outside-cert-validity_fail': ['certificate_expired'], // "TSA timestamp is outside ... the signing certificate"
  'invalid-checkpoint-signature_fail': ['checkpoint_invalid'], // "checkpoint signature is invalid"
  'invalid-ct-key_fail': ['sct_invalid'], // no README; the trusted root's CT log key is wrong
  'invalid-inclusion-proof_fail': ['inclusion_proof_invalid'], // "inclusion proof is old and is not valid"
  'managed-key-no-key_fail': ['key_required'], // "signed with key but no key is provided"
  'managed-key-wrong-key_fail': ['bad_key', 'signature_mismatch'], // "wrong key" (its key.pub does not even decode)
  'message-digest-mismatch_fail': ['artifact_mismatch'], // "messageDigest ... does not match the artifact hash"
  'rekor2-checkpoint-missing-log-signature_fail': ['checkpoint_invalid'],
  'rekor2-checkpoint-missing-origin_fail': ['checkpoint_invalid'],
  'rekor2-checkpoint-missing-root-hash_fail': ['checkpoint_invalid'],
  'rekor2-checkpoint-missing-size_fail': ['checkpoint_invalid'],
  'rekor2-checkpoint-no-matching-signature_fail': ['checkpoint_invalid'], // checkpoint signer does not match the log
  'rekor2-dsse-invalid-sig_fail': ['signature_mismatch'], // "does not verify under the bundle's certificate"
  'rekor2-dsse-mismatch-envelope_fail': ['tlog_entry_mismatch'], // "not the envelope that was logged"
  'rekor2-dsse-mismatch-sig_fail': ['tlog_entry_mismatch'], // "does not match the signature recorded in the tlog entry"
  'rekor2-no-inclusion-proof_fail': ['inclusion_missing'], // "the inclusion proof is removed"
  'rekor2-no-timestamp_fail': ['timestamp_missing'], // "no TSA timestamp"
  'rekor2-timestamp-outside-trust-root-tsa-validity_fail': ['timestamp_invalid'],
  'rekor2-timestamp-outside-tsa-cert-validity_fail': ['timestamp_invalid'],
  'rekor2-timestamp-payload-mismatch_fail': ['timestamp_invalid'], // "timestamp payload does not match the bundle signature"
  'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail': ['timestamp_invalid'], // "TSA ... is not in the trusted root"
  'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail': ['timestamp_invalid'],
  'rekor2-timestamp-with-incorrect-time_fail': ['certificate_expired'], // "timestamp time is outside the signing certificate lifetime"
  'set-invalid-signature_fail': ['inclusion_promise_invalid'], // "signed entry timestamp signature is invalid"
  'signature-mismatch_fail': ['signature_mismatch'], // "signature in this bundle is incorrect"
  'trust-root-tlog-missing-validity-start_fail': ['malformed_trusted_root'], // "must reject the malformed trust root"
  'wrong-hashedrekord-artifact_fail': ['tlog_entry_mismatch'], // the logged entry is for another artifact
  'wrong-hashedrekord-cert-and-sig_fail': ['tlog_entry_mismatch'], // the logged certificate and signature are another's
  'wrong-hashedrekord-entry_fail': ['tlog_entry_mismatch'], // "hashedrekord is for a different entry"
  'wrong-material_fail': ['artifact_mismatch'], // "the artifact here is different"
};

export interface BundleCase {
  name: string;
  dir: string;
  mustFail: boolean;
}

/** The bundle-verify case directories, sorted; undefined when the corpus is absent. */
export function bundleCases(): BundleCase[] | undefined {
  const root = corpusPath('signatures', 'sigstore-conformance', 'test', 'assets', 'bundle-verify');
  if (!root) return undefined;
  return readdirSync(root)
    .filter((n) => statSync(join(root, n)).isDirectory())
    .sort()
    .map((name) => ({ name, dir: join(root, name), mustFail: name.endsWith('_fail') }));
}

/** Verifies one case as `stockade verify --bundle ...` would (see the header). */
export function verifyBundleCase(c: BundleCase): SigstoreBundleResult {
  const file = (n: string): Buffer | undefined => (existsSync(join(c.dir, n)) ? readFileSync(join(c.dir, n)) : undefined);
  const artifact = file('artifact') ?? readFileSync(join(c.dir, '..', 'a.txt'));
  const rootText = file('trusted_root.json');
  const trustedRoot: unknown = rootText ? JSON.parse(rootText.toString('utf8')) : undefined;
  const key = file('key.pub');
  const bundle = file('bundle.sigstore.json') ?? Buffer.alloc(0);
  if (key) return verifySigstoreBundleText(bundle, { artifact, trustedRoot, key: key.toString('utf8') });
  return verifySigstoreBundleText(bundle, {
    artifact,
    trustedRoot,
    identity: file('identity')?.toString('utf8').trim() ?? CONFORMANCE_DEFAULT_IDENTITY,
    issuer: file('issuer')?.toString('utf8').trim() ?? CONFORMANCE_DEFAULT_ISSUER,
  });
}

function judge(c: BundleCase, r: SigstoreBundleResult): CaseResult {
  const id = `signatures/${c.name}`;
  const verdict = r.ok ? `verified: ${r.message}` : `${r.reason ?? '?'}: ${r.message}`;
  if (!c.mustFail) return r.ok ? { id, status: 'agree' } : { id, status: 'disagree', detail: `must verify, failed with ${verdict}` };
  if (r.ok) return { id, status: 'disagree', detail: `must fail, but ${verdict}` };
  const expected = EXPECTED_REASONS[c.name];
  if (!expected) return { id, status: 'agree', notes: [`${verdict} (no expected reason recorded in EXPECTED_REASONS)`] };
  if (!expected.includes(r.reason as SignatureFailureReason)) {
    return { id, status: 'disagree', detail: `failed, but for ${verdict}; its README means ${expected.join(' or ')}` };
  }
  return { id, status: 'agree', notes: [verdict] };
}

export async function runSignaturesSuite(): Promise<SuiteResult> {
  const started = Date.now();
  const cases = bundleCases();
  if (!cases) return { name: 'signatures', cases: [{ id: 'signatures/_corpus', status: 'no-truth', detail: 'corpus signatures/sigstore-conformance absent' }], ms: 0 };
  const results = cases.map((c): CaseResult => {
    try {
      return judge(c, verifyBundleCase(c));
    } catch (e) {
      return { id: `signatures/${c.name}`, status: 'error', detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
  });
  return { name: 'signatures', cases: results, ms: Date.now() - started };
}
