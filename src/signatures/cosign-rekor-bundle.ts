/**
 * cosign's signature-layer transparency log record (the `dev.sigstore.cosign/bundle`
 * annotation, cosign pkg/cosign/bundle/rekor.go):
 *
 *   {"SignedEntryTimestamp": base64, "Payload": {"body": base64 canonicalized Rekor entry,
 *    "integratedTime": seconds, "logIndex": n, "logID": hex}}
 *
 * restated as the Sigstore bundle v0.1 it is equivalent to (a message signature over the
 * simple-signing payload, the Fulcio certificate or a managed key, one Rekor entry with
 * its inclusion promise), so the same offline verifier (`@sigstore/verify`) checks it:
 * the SET against the trusted root's Rekor keys, the entry against the signature and
 * payload digest, the certificate chain at the integrated time, the SCT, the signature.
 */
import { createHash, X509Certificate as NodeX509 } from 'node:crypto';
import { z } from 'zod';
import { isBase64 } from './failures.js';

const RekorBundleSchema = z.looseObject({
  SignedEntryTimestamp: z.string().min(1).refine(isBase64, 'not base64'),
  Payload: z.looseObject({
    body: z.string().min(1).refine(isBase64, 'not base64'),
    integratedTime: z.number().int().nonnegative(),
    logIndex: z.number().int().nonnegative(),
    logID: z.string().regex(/^[0-9a-f]{64}$/, 'not a hex log ID'),
  }),
});

export type ConvertedBundle = { ok: true; bundle: unknown } | { ok: false; message: string };

/**
 * The v0.1 Sigstore bundle for one cosign signature layer. `certificatePem` present:
 * keyless (its first certificate is the leaf; cosign's chain annotation is not
 * needed, the trusted root holds the chain). Absent: a managed key.
 */
export function cosignLayerToBundle(layer: { payload: Buffer; signature: Buffer; certificatePem?: string; bundleJson: string }): ConvertedBundle {
  let raw: unknown;
  try {
    raw = JSON.parse(layer.bundleJson);
  } catch (e) {
    return { ok: false, message: `the ${'dev.sigstore.cosign/bundle'} annotation is not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const parsed = RekorBundleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `the dev.sigstore.cosign/bundle annotation: ${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'invalid'}` };
  }
  const { SignedEntryTimestamp, Payload } = parsed.data;
  let entry: { kind?: unknown; apiVersion?: unknown };
  try {
    entry = JSON.parse(Buffer.from(Payload.body, 'base64').toString('utf8')) as typeof entry;
  } catch {
    return { ok: false, message: 'the Rekor entry body in dev.sigstore.cosign/bundle is not JSON' };
  }
  if (typeof entry?.kind !== 'string' || typeof entry.apiVersion !== 'string') return { ok: false, message: 'the Rekor entry body has no kind/apiVersion' };

  let verificationMaterial: Record<string, unknown>;
  if (layer.certificatePem !== undefined) {
    let der: Buffer;
    try {
      der = new NodeX509(layer.certificatePem).raw;
    } catch (e) {
      return { ok: false, message: `the dev.sigstore.cosign/certificate annotation is not a PEM certificate (${e instanceof Error ? e.message : String(e)})` };
    }
    verificationMaterial = { x509CertificateChain: { certificates: [{ rawBytes: der.toString('base64') }] } };
  } else {
    verificationMaterial = { publicKey: { hint: '' } };
  }
  verificationMaterial.tlogEntries = [
    {
      logIndex: String(Payload.logIndex),
      logId: { keyId: Buffer.from(Payload.logID, 'hex').toString('base64') },
      kindVersion: { kind: entry.kind, version: entry.apiVersion },
      integratedTime: String(Payload.integratedTime),
      inclusionPromise: { signedEntryTimestamp: SignedEntryTimestamp },
      canonicalizedBody: Payload.body,
    },
  ];
  return {
    ok: true,
    bundle: {
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial,
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(layer.payload).digest('base64') },
        signature: layer.signature.toString('base64'),
      },
    },
  };
}
