/**
 * cosign image signatures as cosign stores them (the "tag" layout, cosign
 * pkg/oci/remote and pkg/oci/internal/signature/layer.go):
 *
 * - in the image's own repository, tag `sha256-<hex>.sig` (the image digest with `:`
 *   turned into `-`, suffix `.sig`): an OCI/Docker image manifest with one layer per
 *   signature;
 * - each layer has media type `application/vnd.dev.cosign.simplesigning.v1+json`; its
 *   blob is the signed payload, its annotation `dev.cosignproject.cosign/signature` the
 *   base64 signature over those exact bytes; keyless signatures add
 *   `dev.sigstore.cosign/certificate` (PEM leaf), `dev.sigstore.cosign/chain` and
 *   `dev.sigstore.cosign/bundle` (the Rekor record, cosign-rekor-bundle.ts);
 * - the payload is the simple-signing JSON
 *   `{"critical": {"identity": {"docker-reference": R}, "image": {"docker-manifest-digest": D},
 *     "type": "cosign container image signature"}, "optional": {...}}`.
 *
 * An image verifies when at least one signature layer passes every check, in this
 * order (nothing in the payload is read before its signature verifies):
 * 1. the layer has a base64 signature; 2. the payload hashes to the layer's digest
 * (else it was altered in the registry); 3. the signature verifies with one of the
 * keys (public-keys.ts says how per key type), or, keyless, its certificate and Rekor
 * record verify offline and name an expected identity and issuer; 4. the payload is
 * a simple-signing payload; 5. `docker-manifest-digest` is the image's digest (what
 * `cosign verify` checks, pkg/cosign/verifiers.go SimpleClaimVerifier); 6.
 * `docker-reference` names the image's repository.
 *
 * docker-reference: cosign writes `name.Digest.Repository.Name()` (sigstore
 * pkg/signature/payload/payload.go), the repository without tag or digest, with
 * go-containerregistry's registry spelling (`index.docker.io/library/nginx` for Docker
 * Hub), unless `--sign-container-identity` puts in another value (possibly with a tag).
 * `cosign verify` itself never compares it. We do, the way containers/image's
 * `matchRepository` does: both sides normalised as Docker does
 * (registry/reference.ts: `index.docker.io` is `docker.io`, short names get
 * `library/`), then registry and repository must be equal; tags and digests on either
 * side are ignored (the digest is step 5).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { StockadeError } from '../core/errors.js';
import { InvalidReferenceError, parseImageReference, type ImageReference } from '../registry/reference.js';
import { cosignLayerToBundle } from './cosign-rekor-bundle.js';
import { failure, isBase64, oneLine, type SignatureFailure, type SignatureFailureReason } from './failures.js';
import { loadPublicKey, verifyWithKey, type PublicKeyInput } from './public-keys.js';
import { verifySigstoreBundle } from './sigstore-bundle.js';

export const COSIGN_SIMPLESIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const COSIGN_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const COSIGN_CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const COSIGN_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';
/** A simple-signing payload is a few hundred bytes; a signature layer claiming more is refused before download. */
export const MAX_COSIGN_PAYLOAD_BYTES = 1024 * 1024;
/** The signature manifest itself (the registry spec's manifest limit). */
export const MAX_SIGNATURE_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_SIGNATURE_LAYERS = 1000;

const DIGEST = /^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

/** The tag cosign stores an image's signatures under: `sha256:abc...` -> `sha256-abc....sig`. */
export function cosignSignatureTag(digest: string): string {
  if (!DIGEST.test(digest)) throw new StockadeError('usage', digest, 'not an image digest (sha256:<64 hex>)');
  return `${digest.replace(':', '-')}.sig`;
}

// ---------------------------------------------------------------------------------
// The signature manifest

/** One signature layer: what to fetch (`layerDigest`, `size`) and the annotations that go with the payload. */
export interface CosignSignatureLayer {
  layerDigest: string;
  size: number;
  /** `dev.cosignproject.cosign/signature`; empty when the layer has none. */
  signatureB64: string;
  certificatePem?: string;
  chainPem?: string;
  bundleJson?: string;
}

const descriptor = z.looseObject({
  mediaType: z.string(),
  digest: z.string().regex(DIGEST, 'not a sha256/sha384/sha512 digest'),
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).nullish(),
});
const SignatureManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.enum(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']).nullish(),
  layers: z.array(descriptor).max(MAX_SIGNATURE_LAYERS, `more than ${MAX_SIGNATURE_LAYERS} layers`),
});

/**
 * The layers of a `.sig` manifest to fetch and verify. Layers of other media types
 * are counted in `ignored` (cosign ignores them too). Throws StockadeError
 * (`malformed_input`, `limit_exceeded`) for a manifest that is not one.
 */
export function parseCosignSignatureManifest(manifest: string | Buffer | unknown): { layers: CosignSignatureLayer[]; ignored: number } {
  const input = 'cosign signature manifest';
  let json: unknown = manifest;
  if (typeof manifest === 'string' || Buffer.isBuffer(manifest)) {
    if (manifest.length > MAX_SIGNATURE_MANIFEST_BYTES) throw new StockadeError('limit_exceeded', input, `larger than ${MAX_SIGNATURE_MANIFEST_BYTES} bytes`);
    try {
      json = JSON.parse(manifest.toString());
    } catch (e) {
      throw new StockadeError('malformed_input', input, `not JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
    }
  }
  const parsed = SignatureManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StockadeError('malformed_input', input, `${issue && issue.path.length > 0 ? issue.path.join('.') : 'top level'}: ${issue?.message ?? 'invalid'}`);
  }
  const layers: CosignSignatureLayer[] = [];
  let ignored = 0;
  for (const d of parsed.data.layers) {
    if (d.mediaType !== COSIGN_SIMPLESIGNING_MEDIA_TYPE) {
      ignored++;
      continue;
    }
    if (d.size > MAX_COSIGN_PAYLOAD_BYTES) throw new StockadeError('limit_exceeded', input, `signature layer ${d.digest} claims ${d.size} bytes (at most ${MAX_COSIGN_PAYLOAD_BYTES})`);
    const a = d.annotations ?? {};
    const layer: CosignSignatureLayer = { layerDigest: d.digest, size: d.size, signatureB64: a[COSIGN_SIGNATURE_ANNOTATION] ?? '' };
    if (a[COSIGN_CERTIFICATE_ANNOTATION]) layer.certificatePem = a[COSIGN_CERTIFICATE_ANNOTATION];
    if (a[COSIGN_CHAIN_ANNOTATION]) layer.chainPem = a[COSIGN_CHAIN_ANNOTATION];
    if (a[COSIGN_BUNDLE_ANNOTATION]) layer.bundleJson = a[COSIGN_BUNDLE_ANNOTATION];
    layers.push(layer);
  }
  return { layers, ignored };
}

// ---------------------------------------------------------------------------------
// Verification

/** One signature: a fetched layer (its payload blob) with the layer's annotations. */
export interface CosignSignature {
  payload: Buffer;
  signatureB64: string;
  /** The layer digest from the signature manifest: the payload must hash to it. */
  layerDigest?: string;
  certificatePem?: string;
  chainPem?: string;
  /** The `dev.sigstore.cosign/bundle` annotation (Rekor record). */
  bundleJson?: string;
}

export interface KeylessIdentity {
  /** Certificate identity (SAN), exact; or a RegExp the caller built with a linear-time engine. */
  identity: string | RegExp;
  /** OIDC issuer, exact. */
  issuer: string;
}

export interface CosignVerifyInput {
  /** The image manifest digest the signatures must name (`sha256:...`). */
  imageDigest: string;
  /** The image as the user named it (`registry/repo[:tag][@digest]`); its repository must match docker-reference. */
  dockerReference: string;
  signatures: CosignSignature[];
  /** Public keys (PEM SPKI or KeyObject): ECDSA P-256/P-384/P-521, RSA >= 2048, Ed25519. */
  keys?: PublicKeyInput[];
  /** Keyless: accepted certificate identities; each signature needs its certificate and Rekor record. */
  keyless?: KeylessIdentity[];
  /** Parsed trusted root for keyless and transparency-log checks; default: Sigstore public good. */
  trustedRoot?: unknown;
  /**
   * Key-based signatures must also carry a verified Rekor record (cosign verify's
   * default). Off by default: signatures made with `--tlog-upload=false` for private
   * registries carry none (cosign verify needs `--insecure-ignore-tlog` for them).
   */
  requireTransparencyLog?: boolean;
}

export interface CosignVerified {
  /** 0-based index into `signatures`. */
  signature: number;
  /** `key 1 (ECDSA P-256)` or `https://github.com/... (issuer https://...)`. */
  signer: string;
  dockerReference: string;
  imageDigest: string;
  /** The payload's `optional` claims (annotations given to `cosign sign -a`). */
  optional?: Record<string, unknown>;
}

export interface CosignResult {
  ok: boolean;
  reason?: SignatureFailureReason;
  /** One line: who signed, or which check failed for each signature. */
  message: string;
  verified?: CosignVerified;
  /** Per-signature failures (all of them when none verified). */
  failures: Array<SignatureFailure & { signature: number }>;
}

const PayloadSchema = z.looseObject({
  critical: z.looseObject({
    identity: z.looseObject({ 'docker-reference': z.string() }),
    image: z.looseObject({ 'docker-manifest-digest': z.string() }),
    type: z.string(),
  }),
  optional: z.record(z.string(), z.unknown()).nullish(),
});

/** How far a failed signature got: the most advanced failure names the image's problem best. */
const PROGRESS: readonly SignatureFailureReason[] = [
  'reference_mismatch',
  'digest_mismatch',
  'malformed_payload',
  'identity_mismatch',
  'issuer_mismatch',
];

interface LoadedKeys {
  keys: Array<{ key: KeyObject; label: string }>;
}

function sameRepository(a: ImageReference, b: ImageReference): boolean {
  return a.registry === b.registry && a.repository === b.repository;
}

type Checked = { ok: true; signer: string; optional?: Record<string, unknown>; claimed: string } | { ok: false; failure: SignatureFailure };

function checkSignature(sig: CosignSignature, input: CosignVerifyInput, keys: LoadedKeys, image: ImageReference): Checked {
  const fail = (reason: SignatureFailureReason, detail?: string): Checked => ({ ok: false, failure: failure(reason, detail) });
  // 1. The signature annotation.
  if (sig.signatureB64 === '') return fail('malformed_signature', `the layer has no ${COSIGN_SIGNATURE_ANNOTATION} annotation`);
  if (!isBase64(sig.signatureB64)) return fail('malformed_signature', `${COSIGN_SIGNATURE_ANNOTATION} is not base64`);
  const signature = Buffer.from(sig.signatureB64, 'base64');
  if (signature.length === 0) return fail('malformed_signature', 'empty signature');
  // 2. The payload is the blob the manifest names.
  if (sig.layerDigest !== undefined) {
    const [algorithm = '', hex = ''] = sig.layerDigest.split(':');
    const actual = ['sha256', 'sha384', 'sha512'].includes(algorithm) ? createHash(algorithm).update(sig.payload).digest('hex') : '';
    if (actual !== hex) return fail('payload_tampered', `the payload hashes to ${algorithm}:${actual}, the signature manifest names ${sig.layerDigest}`);
  }
  // 3. Who signed: a key, or a keyless identity.
  let signer: string | undefined;
  const tlogFailures: SignatureFailure[] = [];
  for (const { key, label } of keys.keys) {
    if (!verifyWithKey(sig.payload, signature, key)) continue;
    if (input.requireTransparencyLog) {
      if (sig.bundleJson === undefined) return fail('inclusion_missing', `signed by ${label}, but the layer has no ${COSIGN_BUNDLE_ANNOTATION} (Rekor record)`);
      const converted = cosignLayerToBundle({ payload: sig.payload, signature, bundleJson: sig.bundleJson });
      if (!converted.ok) return fail('malformed_signature', converted.message);
      const r = verifySigstoreBundle({ bundle: converted.bundle, artifact: sig.payload, key, trustedRoot: input.trustedRoot });
      if (!r.ok) return { ok: false, failure: { reason: r.reason ?? 'malformed_signature', message: `signed by ${label}, but its Rekor record fails: ${r.message}` } };
    }
    signer = label;
    break;
  }
  if (signer === undefined && (input.keyless ?? []).length > 0) {
    if (sig.certificatePem === undefined || sig.bundleJson === undefined) {
      if (keys.keys.length === 0) return fail('signature_mismatch', `keyless verification needs the layer's ${COSIGN_CERTIFICATE_ANNOTATION} and ${COSIGN_BUNDLE_ANNOTATION}; this layer has ${sig.certificatePem === undefined ? 'no certificate' : 'no Rekor record'}`);
    } else {
      const converted = cosignLayerToBundle({ payload: sig.payload, signature, certificatePem: sig.certificatePem, bundleJson: sig.bundleJson });
      if (!converted.ok) return fail('malformed_signature', converted.message);
      for (const k of input.keyless ?? []) {
        const r = verifySigstoreBundle({ bundle: converted.bundle, artifact: sig.payload, identity: k.identity, issuer: k.issuer, trustedRoot: input.trustedRoot });
        if (r.ok) {
          signer = `${r.signer?.identity ?? '?'} (issuer ${r.signer?.issuer ?? '?'})`;
          break;
        }
        tlogFailures.push({ reason: r.reason ?? 'signature_mismatch', message: r.message });
      }
    }
  }
  if (signer === undefined) {
    // A keyless failure that got past the cryptography (wrong identity) says more than "no key matched".
    const keyless = tlogFailures.find((f) => f.reason === 'identity_mismatch' || f.reason === 'issuer_mismatch') ?? tlogFailures[0];
    if (keyless && keys.keys.length === 0) return { ok: false, failure: keyless };
    const n = keys.keys.length;
    return fail(
      'signature_mismatch',
      `${n > 0 ? `with none of the ${n} key${n === 1 ? '' : 's'}` : 'no key given'}${keyless ? ` (keyless: ${keyless.message})` : ''}; the payload was altered after signing, or another key signed it`,
    );
  }
  // 4-6. Now the payload is authentic: read its claims.
  let json: unknown;
  try {
    json = JSON.parse(sig.payload.toString('utf8'));
  } catch {
    return fail('malformed_payload', `signed by ${signer}, but the payload is not JSON`);
  }
  const parsed = PayloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail('malformed_payload', `signed by ${signer}: ${issue && issue.path.length > 0 ? issue.path.join('.') : 'top level'}: ${issue?.message ?? 'invalid'}`);
  }
  const critical = parsed.data.critical;
  if (critical.type !== COSIGN_SIGNATURE_TYPE) return fail('malformed_payload', `critical.type is ${JSON.stringify(critical.type)}, not ${JSON.stringify(COSIGN_SIGNATURE_TYPE)}`);
  const signedDigest = critical.image['docker-manifest-digest'];
  if (signedDigest !== input.imageDigest) return fail('digest_mismatch', `signed ${signedDigest || '(none)'}, the image is ${input.imageDigest}`);
  const claimed = critical.identity['docker-reference'];
  let claimedRef: ImageReference;
  try {
    claimedRef = parseImageReference(claimed);
  } catch (e) {
    if (!(e instanceof InvalidReferenceError)) throw e;
    return fail('reference_mismatch', `docker-reference ${JSON.stringify(claimed)} is not an image reference`);
  }
  if (!sameRepository(claimedRef, image)) {
    return fail('reference_mismatch', `signed for ${claimedRef.registry}/${claimedRef.repository}, the image is ${image.registry}/${image.repository}`);
  }
  const result: Checked = { ok: true, signer, claimed };
  if (parsed.data.optional) result.optional = parsed.data.optional;
  return result;
}

function summarize(failures: Array<SignatureFailure & { signature: number }>): { reason: SignatureFailureReason; message: string } {
  const reasons = new Set(failures.map((f) => f.reason));
  const reason = reasons.size === 1 ? (failures[0] as SignatureFailure).reason : (PROGRESS.find((r) => reasons.has(r)) ?? (failures[0] as SignatureFailure).reason);
  if (failures.length === 1) return { reason, message: (failures[0] as SignatureFailure).message };
  const listed = failures.slice(0, 5).map((f) => `#${f.signature + 1}: ${f.message}`);
  return { reason, message: `none of ${failures.length} signatures verifies: ${listed.join('; ')}${failures.length > 5 ? '; ...' : ''}` };
}

/** Verifies an image's cosign signatures (pure: the caller fetched the `.sig` manifest and its layers). */
export function verifyCosignSignatures(input: CosignVerifyInput): CosignResult {
  const done = (reason: SignatureFailureReason, detail?: string): CosignResult => ({ ok: false, ...failure(reason, detail), failures: [] });
  let image: ImageReference;
  try {
    image = parseImageReference(input.dockerReference);
  } catch (e) {
    if (!(e instanceof InvalidReferenceError)) throw e;
    return done('usage', `image reference ${e.message}`);
  }
  if (!DIGEST.test(input.imageDigest)) return done('usage', `image digest ${JSON.stringify(input.imageDigest)} is not sha256:<64 hex>`);
  const keys: LoadedKeys = { keys: [] };
  for (const [i, k] of (input.keys ?? []).entries()) {
    const loaded = loadPublicKey(k, `key ${i + 1}`);
    if (!loaded.ok) return done('bad_key', loaded.message);
    keys.keys.push({ key: loaded.key, label: `key ${i + 1} (${loaded.description})` });
  }
  if (keys.keys.length === 0 && (input.keyless ?? []).length === 0) return done('usage', 'no key and no keyless identity to verify against');
  if (input.signatures.length === 0) return done('unsigned', `no cosign signature for ${input.imageDigest} (tag ${cosignSignatureTag(input.imageDigest)})`);

  const failures: Array<SignatureFailure & { signature: number }> = [];
  for (const [i, sig] of input.signatures.entries()) {
    const checked = checkSignature(sig, input, keys, image);
    if (checked.ok) {
      const verified: CosignVerified = { signature: i, signer: checked.signer, dockerReference: checked.claimed, imageDigest: input.imageDigest };
      if (checked.optional) verified.optional = checked.optional;
      return {
        ok: true,
        message: oneLine(`signed by ${checked.signer}: ${checked.claimed}@${input.imageDigest}${input.signatures.length > 1 ? ` (signature ${i + 1} of ${input.signatures.length})` : ''}`),
        verified,
        failures,
      };
    }
    failures.push({ ...checked.failure, signature: i });
  }
  const s = summarize(failures);
  return { ok: false, reason: s.reason, message: oneLine(s.message, 600), failures };
}
