/**
 * Sigstore bundles (`application/vnd.dev.sigstore.bundle*`, v0.1 to v0.3) verified
 * offline: keyless (Fulcio certificate, its identity and OIDC issuer) and managed-key
 * bundles, message signatures (hashedrekord) and DSSE envelopes (in-toto
 * attestations), Rekor v1 entries (inclusion promise, inclusion proof with checkpoint)
 * and Rekor v2 entries (checkpoint plus RFC 3161 timestamp).
 *
 * The cryptography is `@sigstore/verify`'s low-level API (`toSignedEntity`, `Verifier`)
 * against a trusted root read from a file or embedded in `@sigstore/tuf`
 * (trusted-root.ts); nothing here opens a socket (see sigstore-bundle.test.ts). Around
 * it, this module adds what the library leaves to its callers:
 * - the bundle JSON is validated first: strict base64 (protobuf's decoder drops bad
 *   characters), non-negative log indexes, a known media type, the per-version rules
 *   (`assertBundleV01/V02/Latest`), no root certificate inside the bundle's chain;
 * - the artifact is compared with what was signed: the message digest, or the in-toto
 *   statement's subjects (the library checks neither);
 * - the certificate identity and issuer are compared exactly here (the library's
 *   policy check turns the expected identity into a backtracking RegExp);
 * - every log entry must name a log of the trusted root, and an inclusion proof's
 *   root hash and tree size must be its checkpoint's (checkLogBinding);
 * - Rekor v2 logs a DSSE envelope as `hashedrekord` 0.0.2 over SHA-256(PAE) (rekor-v2
 *   spec 6.1.4); `@sigstore/verify` 3.1.1 compares that digest with SHA-256(payload).
 *   For such entries the digest comparison is given the PAE digest, as
 *   `@sigstore/verify` 4 does (sigstore-js #1677; 4.x needs Node 22).
 * Each failure is mapped to one reason (failures.ts) from the library's error code.
 */
import { createHash, createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import {
  assertBundleLatest,
  assertBundleV01,
  assertBundleV02,
  bundleFromJSON,
  ValidationError,
  type Bundle,
} from '@sigstore/bundle';
import { dsse, X509Certificate } from '@sigstore/core';
import { HashAlgorithm, hashAlgorithmToJSON } from '@sigstore/protobuf-specs';
import { toSignedEntity, VerificationError, Verifier, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import { z } from 'zod';
import { failure, isBase64, oneLine, type SignatureFailure, type SignatureFailureReason } from './failures.js';
import { describeKey, loadPublicKey, type PublicKeyInput } from './public-keys.js';
import { trustMaterialFor } from './trusted-root.js';

export interface ArtifactDigest {
  /** `sha256`, `sha384` or `sha512`. */
  algorithm: string;
  hex: string;
}

export interface SigstoreBundleInput {
  /** The bundle as parsed JSON. */
  bundle: unknown;
  /** The signed artifact (for DSSE: a subject of the in-toto statement). */
  artifact?: Buffer;
  /** Instead of the artifact, its digest: enough for DSSE attestations (matched against the subjects). */
  artifactDigest?: ArtifactDigest;
  /** A parsed trusted root; default: the Sigstore public-good root embedded in @sigstore/tuf. */
  trustedRoot?: unknown;
  /** Managed-key bundles: the PEM public key (or KeyObject). */
  key?: PublicKeyInput;
  /** Keyless bundles: the expected certificate identity (exact string, or a RegExp the caller built). */
  identity?: string | RegExp;
  /** Keyless bundles: the expected OIDC issuer (exact). */
  issuer?: string;
  /**
   * DSSE bundles: the in-toto predicate type the statement must have. cosign's image
   * signatures in the bundle format are statements of type COSIGN_SIGN_PREDICATE_TYPE;
   * without this, any attestation about the image by the same signer would pass.
   */
  predicateType?: string;
}

export interface BundleSigner {
  /** Certificate subject alternative name (keyless). */
  identity?: string;
  /** Fulcio OIDC issuer extension (keyless). */
  issuer?: string;
  /** Key type of the managed key (`ECDSA P-256`). */
  key?: string;
}

export interface SigstoreBundleResult {
  ok: boolean;
  reason?: SignatureFailureReason;
  /** One line: what was verified, or which check failed and why. */
  message: string;
  signer?: BundleSigner;
}

/** Bundles are kilobytes; DSSE provenance can reach megabytes. Larger input is refused before parsing. */
export const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;

const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** The predicate type of `cosign sign` in the bundle format (cosign pkg/types/predicate.go). */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
const IN_TOTO_STATEMENT_TYPES: ReadonlySet<string> = new Set(['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1']);
const DIGEST_ALGORITHMS: ReadonlySet<string> = new Set(['sha256', 'sha384', 'sha512']);
/** Bundle media type to format version (`@sigstore/bundle` BUNDLE_V0x_MEDIA_TYPE). */
const BUNDLE_VERSIONS: Readonly<Record<string, '0.1' | '0.2' | '0.3'>> = {
  'application/vnd.dev.sigstore.bundle+json;version=0.1': '0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2': '0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3': '0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json': '0.3',
};
/** protobuf HashAlgorithm (as `bundleFromJSON` leaves it) to node:crypto names; SHA3 is not used for message digests. */
const MESSAGE_DIGEST_ALGORITHMS: ReadonlyMap<HashAlgorithm, string> = new Map([
  [HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED, 'sha256'],
  [HashAlgorithm.SHA2_256, 'sha256'],
  [HashAlgorithm.SHA2_384, 'sha384'],
  [HashAlgorithm.SHA2_512, 'sha512'],
]);

// ---------------------------------------------------------------------------------
// The bundle JSON, checked before the library parses it

const base64 = z.string().min(1, 'empty').refine(isBase64, 'not base64');
const count = z.union([z.string().regex(/^\d{1,20}$/, 'not a non-negative integer'), z.number().int().nonnegative()]);
const certificate = z.looseObject({ rawBytes: base64 });
const tlogEntry = z.looseObject({
  logIndex: count,
  logId: z.looseObject({ keyId: base64 }),
  kindVersion: z.looseObject({ kind: z.string(), version: z.string() }),
  integratedTime: count.nullish(),
  inclusionPromise: z.looseObject({ signedEntryTimestamp: base64 }).nullish(),
  inclusionProof: z
    .looseObject({ logIndex: count, rootHash: base64, treeSize: count, hashes: z.array(base64), checkpoint: z.looseObject({ envelope: z.string() }).nullish() })
    .nullish(),
  canonicalizedBody: base64,
});
const BundleJsonSchema = z.looseObject({
  mediaType: z.string(),
  verificationMaterial: z.looseObject({
    publicKey: z.looseObject({ hint: z.string().nullish() }).nullish(),
    x509CertificateChain: z.looseObject({ certificates: z.array(certificate).min(1, 'empty certificate chain') }).nullish(),
    certificate: certificate.nullish(),
    tlogEntries: z.array(tlogEntry).nullish(),
    timestampVerificationData: z.looseObject({ rfc3161Timestamps: z.array(z.looseObject({ signedTimestamp: base64 })).nullish() }).nullish(),
  }),
  messageSignature: z
    .looseObject({ messageDigest: z.looseObject({ algorithm: z.union([z.string(), z.number()]).nullish(), digest: base64 }).nullish(), signature: base64 })
    .nullish(),
  dsseEnvelope: z.looseObject({ payload: base64, payloadType: z.string(), signatures: z.array(z.looseObject({ sig: base64 })) }).nullish(),
});

/** Ends verification with one failure; caught at the top of verifySigstoreBundle. */
class Stop extends Error {
  constructor(readonly failure: SignatureFailure) {
    super(failure.message);
  }
}

function stop(reason: SignatureFailureReason, detail?: string): never {
  throw new Stop(failure(reason, detail));
}

function parseBundle(json: unknown): Bundle {
  const parsed = BundleJsonSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    stop('malformed_bundle', `${issue && issue.path.length > 0 ? issue.path.join('.') : 'top level'}: ${issue?.message ?? 'invalid'}`);
  }
  const raw = parsed.data;
  const version = BUNDLE_VERSIONS[raw.mediaType];
  if (!version) stop('malformed_bundle', `unsupported bundle media type ${JSON.stringify(raw.mediaType.slice(0, 100))}`);
  if ((raw.messageSignature == null) === (raw.dsseEnvelope == null)) stop('malformed_bundle', 'a bundle holds exactly one of messageSignature and dsseEnvelope');
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
    if (version === '0.1') assertBundleV01(bundle);
    else if (version === '0.2') assertBundleV02(bundle);
    else assertBundleLatest(bundle);
  } catch (e) {
    if (e instanceof ValidationError) {
      const fields = e.fields;
      const proof = fields.find((f) => /inclusionProof/.test(f));
      if (proof && /checkpoint/.test(proof)) stop('inclusion_proof_invalid', `a v${version} bundle's inclusion proof needs a checkpoint (${proof})`);
      if (proof) stop('inclusion_missing', `a v${version} bundle needs an inclusion proof for every log entry (${proof})`);
      stop('malformed_bundle', `not a valid v${version} bundle: ${fields.join(', ') || e.message}`);
    }
    stop('malformed_bundle', e instanceof Error ? e.message : String(e));
  }
  return bundle;
}

/** A v0.1 bundle may carry an old-style inclusion proof without a checkpoint; the library would dereference it. */
function checkInclusionProofs(bundle: Bundle): void {
  bundle.verificationMaterial.tlogEntries.forEach((entry, i) => {
    if (entry.inclusionProof && !entry.inclusionProof.checkpoint) stop('inclusion_proof_invalid', `the inclusion proof of log entry ${i} has no checkpoint`);
  });
}

/** The bundle's certificates, parsed; the chain must not carry its own root (roots come from the trusted root). */
function bundleCertificates(bundle: Bundle): X509Certificate[] {
  const content = bundle.verificationMaterial.content;
  const raw = content.$case === 'x509CertificateChain' ? content.x509CertificateChain.certificates : content.$case === 'certificate' ? [content.certificate] : [];
  const certs = raw.map((c, i) => {
    try {
      return X509Certificate.parse(Buffer.from(c.rawBytes));
    } catch (e) {
      stop('malformed_bundle', `certificate ${i} is not DER X.509 (${e instanceof Error ? e.message : String(e)})`);
    }
  });
  certs.forEach((cert, i) => {
    if (i > 0 && cert.subject.equals(cert.issuer)) stop('malformed_bundle', `the bundle's certificate chain includes a root certificate (certificate ${i}); roots come only from the trusted root`);
  });
  return certs;
}

// ---------------------------------------------------------------------------------
// What was signed

function hexDigest(algorithm: string, data: Buffer | Uint8Array): string {
  return createHash(algorithm).update(data).digest('hex');
}

/** The message digest must be the artifact's (the library only compares it with the log entry). */
function checkMessageDigest(bundle: Bundle, input: SigstoreBundleInput): void {
  if (bundle.content.$case !== 'messageSignature') return;
  const md = bundle.content.messageSignature.messageDigest;
  const algorithm = MESSAGE_DIGEST_ALGORITHMS.get(md.algorithm);
  if (!algorithm) stop('malformed_bundle', `unsupported message digest algorithm ${hashAlgorithmToJSON(md.algorithm)}`);
  const signed = Buffer.from(md.digest).toString('hex');
  if (!input.artifact) {
    if (!input.artifactDigest) stop('usage', 'no artifact given to check the signature against');
    stop('usage', 'a message-signature bundle is verified against the artifact itself, not only its digest');
  }
  const actual = hexDigest(algorithm, input.artifact);
  if (actual !== signed) stop('artifact_mismatch', `the artifact's ${algorithm} is ${actual}, the bundle signed ${algorithm}:${signed}`);
}

interface InTotoSubject {
  name?: string;
  digest: Record<string, string>;
}

/** DSSE: the artifact must be a subject of the (now authenticated) in-toto statement, or be the payload itself. */
function checkDsseSubject(bundle: Bundle, input: SigstoreBundleInput): string {
  if (bundle.content.$case !== 'dsseEnvelope') return '';
  const env = bundle.content.dsseEnvelope;
  const wanted = input.artifactDigest
    ? { algorithm: input.artifactDigest.algorithm.toLowerCase(), hex: input.artifactDigest.hex.toLowerCase() }
    : input.artifact
      ? undefined
      : stop('usage', 'no artifact or artifact digest given to check the attestation against');
  if (wanted && !DIGEST_ALGORITHMS.has(wanted.algorithm)) stop('usage', `unsupported artifact digest algorithm ${wanted.algorithm}`);
  const artifactHex = (algorithm: string): string => (wanted ? (wanted.algorithm === algorithm ? wanted.hex : '') : hexDigest(algorithm, input.artifact as Buffer));
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    if (input.predicateType !== undefined) stop('predicate_mismatch', `expected an in-toto statement of type ${input.predicateType}, the envelope holds ${env.payloadType}`);
    if (artifactHex('sha256') !== hexDigest('sha256', env.payload)) stop('artifact_mismatch', `the DSSE payload (${env.payloadType}) is not the artifact`);
    return `DSSE ${env.payloadType} payload`;
  }
  let statement: { _type?: unknown; subject?: unknown; predicateType?: unknown };
  try {
    statement = JSON.parse(Buffer.from(env.payload).toString('utf8')) as typeof statement;
  } catch {
    stop('malformed_bundle', 'the DSSE payload is not an in-toto statement (not JSON)');
  }
  if (typeof statement !== 'object' || statement === null || !IN_TOTO_STATEMENT_TYPES.has(String(statement._type)) || !Array.isArray(statement.subject)) {
    stop('malformed_bundle', 'the DSSE payload is not an in-toto statement (_type, subject)');
  }
  if (input.predicateType !== undefined && statement.predicateType !== input.predicateType) {
    stop('predicate_mismatch', `expected ${input.predicateType}, the statement is ${typeof statement.predicateType === 'string' ? statement.predicateType : 'untyped'}`);
  }
  const subjects = (statement.subject as unknown[]).filter(
    (s): s is InTotoSubject => typeof s === 'object' && s !== null && typeof (s as InTotoSubject).digest === 'object' && (s as InTotoSubject).digest !== null,
  );
  const match = subjects.find((s) =>
    Object.entries(s.digest).some(([alg, hex]) => DIGEST_ALGORITHMS.has(alg.toLowerCase()) && typeof hex === 'string' && artifactHex(alg.toLowerCase()) === hex.toLowerCase()),
  );
  if (!match) {
    const shown = wanted ? `${wanted.algorithm}:${wanted.hex}` : `sha256:${artifactHex('sha256')}`;
    const listed = subjects.slice(0, 3).map((s) => `${s.name ?? '?'} (${Object.entries(s.digest).map(([a, h]) => `${a}:${String(h).slice(0, 16)}...`).join(', ')})`);
    stop('artifact_mismatch', `${shown} is not a subject of the in-toto statement (subjects: ${listed.join('; ') || 'none'}${subjects.length > 3 ? '; ...' : ''})`);
  }
  return `in-toto statement${typeof statement.predicateType === 'string' ? ` (${statement.predicateType})` : ''} about ${match.name ?? 'the artifact'}`;
}

/** Rekor v2 logs DSSE as hashedrekord 0.0.2 over SHA-256(PAE); see the header. */
function adaptRekorV2Dsse(bundle: Bundle, entity: SignedEntity): void {
  if (bundle.content.$case !== 'dsseEnvelope') return;
  const entries = bundle.verificationMaterial.tlogEntries;
  if (entries.length === 0 || !entries.every((e) => e.kindVersion?.kind === 'hashedrekord' && e.kindVersion?.version === '0.0.2')) return;
  const env = bundle.content.dsseEnvelope;
  const signedDigest = createHash('sha256').update(dsse.preAuthEncoding(env.payloadType, env.payload)).digest();
  const content = entity.signature;
  entity.signature = {
    signature: content.signature,
    compareSignature: (signature: Buffer) => content.compareSignature(signature),
    compareDigest: (digest: Buffer) => digest.length === signedDigest.length && timingSafeEqual(digest, signedDigest),
    verifySignature: (key: KeyObject) => content.verifySignature(key),
  };
}

/**
 * What @sigstore/verify 3.1.1 leaves unbound once it has verified an entry: a Rekor v2
 * entry (no SET) is checked through its checkpoint only, so its `logId` is never
 * compared with the trusted root; and the Merkle proof is computed against the
 * checkpoint's root hash, not the proof's own `rootHash`/`treeSize`. Both must agree
 * (sigstore-go looks the entry's log up by its log ID).
 */
function checkLogBinding(bundle: Bundle, logIds: ReadonlySet<string>, source: string): void {
  bundle.verificationMaterial.tlogEntries.forEach((entry, i) => {
    const id = Buffer.from(entry.logId?.keyId ?? Buffer.alloc(0)).toString('base64');
    if (!logIds.has(id)) stop('tlog_untrusted', `log entry ${i} names log ID ${id}, which is not in the ${source}`);
    const proof = entry.inclusionProof;
    if (!proof?.checkpoint) return;
    const [, size = '', hash = ''] = proof.checkpoint.envelope.split('\n', 3);
    const sameRoot = Buffer.from(proof.rootHash).equals(Buffer.from(hash, 'base64'));
    const sameSize = /^\d{1,20}$/.test(size) && BigInt(size) === BigInt(proof.treeSize);
    if (!sameRoot || !sameSize) stop('inclusion_proof_invalid', `the inclusion proof of log entry ${i} names another root hash or tree size than its checkpoint`);
  });
}

// ---------------------------------------------------------------------------------
// The library's verdict, named

function iso(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** When the bundle says it was signed: Rekor integrated times and RFC 3161 times (unverified, for messages only). */
function signingTimes(entity: SignedEntity): string {
  const times = entity.timestamps.map((t) =>
    t.$case === 'transparency-log' ? `${iso(new Date(Number(t.tlogEntry.integratedTime) * 1000))} (Rekor integrated time)` : `${iso(t.timestamp.signingTime)} (RFC 3161 timestamp)`,
  );
  return times.length > 0 ? times.join(', ') : 'no timestamp';
}

function describeCertificateFailure(e: VerificationError, leaf: X509Certificate | undefined, entity: SignedEntity): SignatureFailure {
  const msg = e.message;
  if (/SCT/.test(msg)) return failure('sct_invalid', msg);
  const cause: unknown = e.cause;
  const causeMsg = cause instanceof Error ? cause.message : undefined;
  const validity = leaf ? `certificate valid ${iso(leaf.notBefore)} to ${iso(leaf.notAfter)}` : 'certificate';
  if (causeMsg && /not valid or expired/.test(causeMsg)) return failure('certificate_expired', `${validity}, signed at ${signingTimes(entity)}`);
  if (causeMsg === undefined && msg === 'Failed to verify certificate chain') {
    return failure('certificate_untrusted', `no certificate authority in the trusted root was valid at signing time (${signingTimes(entity)})`);
  }
  return failure('certificate_untrusted', causeMsg ? `${msg}: ${causeMsg}` : msg);
}

function leafKey(leaf: X509Certificate | undefined): KeyObject | undefined {
  try {
    return leaf ? createPublicKey({ key: leaf.publicKey, format: 'der', type: 'spki' }) : undefined;
  } catch {
    return undefined;
  }
}

/** Does the signature verify with the bundle's key at all? Used to name the failure when the log entry disagrees. */
function signatureVerifies(entity: SignedEntity, key: KeyObject | undefined): boolean | undefined {
  if (!key) return undefined;
  try {
    return entity.signature.verifySignature(key);
  } catch {
    return false;
  }
}

function mapVerificationError(e: VerificationError, ctx: { entity: SignedEntity; leaf?: X509Certificate; key?: KeyObject }): SignatureFailure {
  const msg = e.message;
  switch (e.code) {
    case 'SIGNATURE_ERROR':
      return failure('signature_mismatch', ctx.leaf ? "not with the signing certificate's key" : 'not with the given key');
    case 'TLOG_BODY_ERROR':
      if (signatureVerifies(ctx.entity, ctx.key) === false) {
        return failure('signature_mismatch', `${ctx.leaf ? "not with the signing certificate's key" : 'not with the given key'} (nor does it match the log entry: ${msg})`);
      }
      return failure('tlog_entry_mismatch', msg);
    case 'TLOG_INCLUSION_PROOF_ERROR':
      if (/checkpoint/.test(msg)) return failure('checkpoint_invalid', msg);
      return failure('inclusion_proof_invalid', msg);
    case 'TLOG_INCLUSION_PROMISE_ERROR':
      return failure('inclusion_promise_invalid', `${msg} (not signed by a log in the trusted root, or the entry was altered)`);
    case 'TLOG_MISSING_INCLUSION_ERROR':
      return failure('inclusion_missing', msg);
    case 'TLOG_ERROR':
      return failure('inclusion_missing', msg);
    case 'CERTIFICATE_ERROR':
      return describeCertificateFailure(e, ctx.leaf, ctx.entity);
    case 'PUBLIC_KEY_ERROR':
      return /not valid for timestamp/.test(msg) ? failure('key_expired', msg) : failure('key_required', msg);
    case 'TIMESTAMP_ERROR':
      if (/^expected \d+ timestamps/.test(msg)) {
        return failure('timestamp_missing', `${msg}: neither a verified Rekor integrated time (inclusion promise) nor an RFC 3161 timestamp`);
      }
      return failure('timestamp_invalid', msg);
    case 'NOT_IMPLEMENTED_ERROR':
      return failure('malformed_bundle', `unsupported by @sigstore/verify: ${msg}`);
  }
  return failure('malformed_bundle', msg);
}

// ---------------------------------------------------------------------------------
// Verification

interface Verified {
  signer: BundleSigner;
  what: string;
  entries: number;
  timestamps: number;
}

function verifyOrStop(input: SigstoreBundleInput): Verified {
  const bundle = parseBundle(input.bundle);
  const certs = bundleCertificates(bundle);
  checkInclusionProofs(bundle);
  const leaf = certs[0];
  const withKey = bundle.verificationMaterial.content.$case === 'publicKey';

  let key: KeyObject | undefined;
  if (withKey) {
    if (input.key === undefined) stop('key_required', 'verify it with --key');
    const loaded = loadPublicKey(input.key);
    if (!loaded.ok) stop('bad_key', loaded.message);
    key = loaded.key;
  } else {
    if (input.key !== undefined) stop('usage', 'the bundle is keyless (a certificate), not signed with the given key; verify it with an identity and issuer');
    if (input.identity === undefined || input.issuer === undefined) stop('usage', 'a keyless bundle needs the expected certificate identity and OIDC issuer');
  }

  const trust = trustMaterialFor(input.trustedRoot);
  if (!trust.ok) stop('malformed_trusted_root', trust.message);
  let material: TrustMaterial = trust.material;
  if (key) {
    const managed = key;
    // The given key replaces the trusted root's key lookup by hint (as sigstore's conformance client does).
    material = { ...material, publicKey: () => ({ publicKey: managed, validFor: () => true }) };
  }

  checkMessageDigest(bundle, input);
  let entity: SignedEntity;
  try {
    entity = toSignedEntity(bundle, input.artifact);
  } catch (e) {
    stop('malformed_bundle', e instanceof Error ? e.message : String(e));
  }
  adaptRekorV2Dsse(bundle, entity);

  const signingKey = key ?? leafKey(leaf);
  let signer: ReturnType<Verifier['verify']>;
  try {
    signer = new Verifier(material).verify(entity);
  } catch (e) {
    if (e instanceof VerificationError) throw new Stop(mapVerificationError(e, { entity, ...(leaf ? { leaf } : {}), ...(signingKey ? { key: signingKey } : {}) }));
    // The library reads fields the bundle schema leaves optional (a checkpoint without a size line ...).
    stop('malformed_bundle', `${e instanceof Error ? e.message : String(e)}`);
  }

  checkLogBinding(bundle, trust.logIds, trust.source);
  if (input.predicateType !== undefined && bundle.content.$case !== 'dsseEnvelope') stop('predicate_mismatch', `expected an in-toto statement of type ${input.predicateType}, the bundle holds a message signature`);
  const what = checkDsseSubject(bundle, input) || 'message signature';
  const entries = bundle.verificationMaterial.tlogEntries.length;
  // Rekor integrated times count only with an inclusion promise (what @sigstore/verify accepts as a timestamp).
  const timestamps = entity.timestamps.filter((t) => t.$case === 'timestamp-authority' || t.tlogEntry.inclusionPromise !== undefined).length;
  if (key) return { signer: { key: describeKey(key) }, what, entries, timestamps };

  const identity = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  const expected = input.identity as string | RegExp;
  const identityOk = identity !== undefined && (typeof expected === 'string' ? identity === expected : expected.test(identity));
  if (!identityOk) stop('identity_mismatch', `expected ${typeof expected === 'string' ? expected : `/${expected.source}/`}, the certificate has ${identity ?? 'no subject alternative name'}`);
  if (issuer !== input.issuer) stop('issuer_mismatch', `expected ${input.issuer ?? '?'}, the certificate has ${issuer ?? 'no issuer extension'}`);
  return { signer: { identity, issuer }, what, entries, timestamps };
}

export function verifySigstoreBundle(input: SigstoreBundleInput): SigstoreBundleResult {
  try {
    const v = verifyOrStop(input);
    const by = v.signer.key ? `the given ${v.signer.key} key` : `${v.signer.identity} (issuer ${v.signer.issuer})`;
    const log = `${v.entries} transparency log entr${v.entries === 1 ? 'y' : 'ies'}`;
    return { ok: true, message: oneLine(`verified: ${v.what} signed by ${by}; ${log}, ${v.timestamps} verified timestamp${v.timestamps === 1 ? '' : 's'}`), signer: v.signer };
  } catch (e) {
    if (e instanceof Stop) return { ok: false, reason: e.failure.reason, message: e.failure.message };
    throw e;
  }
}

/** Parses bundle JSON text (bounded) and verifies it; unparsable text is a malformed bundle. */
export function verifySigstoreBundleText(text: string | Buffer, rest: Omit<SigstoreBundleInput, 'bundle'>): SigstoreBundleResult {
  if (text.length > MAX_BUNDLE_BYTES) {
    const f = failure('malformed_bundle', `larger than ${MAX_BUNDLE_BYTES} bytes`);
    return { ok: false, ...f };
  }
  let bundle: unknown;
  try {
    bundle = JSON.parse(text.toString());
  } catch (e) {
    const f = failure('malformed_bundle', `not JSON (${e instanceof Error ? e.message : String(e)})`);
    return { ok: false, ...f };
  }
  return verifySigstoreBundle({ ...rest, bundle });
}
