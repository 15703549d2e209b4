/**
 * Sigstore bundles attached to an image through the OCI 1.1 referrers API, as cosign
 * writes them in the bundle format (`cosign sign --new-bundle-format`, cosign
 * pkg/oci/remote/write.go WriteAttestationNewBundleFormat / WriteReferrer):
 *
 * - a manifest whose `subject` is the image, `artifactType` (on the manifest and its
 *   empty config) `application/vnd.dev.sigstore.bundle.v0.3+json`, annotations
 *   `dev.sigstore.bundle.predicateType` (`https://sigstore.dev/cosign/sign/v1` for a
 *   signature) and `dev.sigstore.bundle.content: dsse-envelope`;
 * - one layer of that media type: the bundle JSON, a DSSE in-toto statement whose
 *   subject is the image digest.
 *
 * Listed by `GET /v2/<repo>/referrers/<digest>` (an image index), or, on registries
 * without the API, under the fallback tag `sha256-<hex>` (OCI distribution spec,
 * "referrers tag schema"). Pure parsing; the registry client fetches. Verify the bundle
 * with `verifySigstoreBundleText(bundle, { artifactDigest: image digest, predicateType:
 * COSIGN_SIGN_PREDICATE_TYPE, ... })`.
 */
import { z } from 'zod';
import { StockadeError } from '../core/errors.js';

/** Media types (and artifact types) of Sigstore bundles. */
export const SIGSTORE_BUNDLE_MEDIA_TYPE = /^application\/vnd\.dev\.sigstore\.bundle(?:\.v0\.\d+\+json|\+json;version=0\.\d+)$/;
export const BUNDLE_PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
const MAX_INDEX_BYTES = 4 * 1024 * 1024;
/** A bundle with DSSE provenance can reach megabytes; anything larger is refused before download. */
export const MAX_BUNDLE_LAYER_BYTES = 32 * 1024 * 1024;

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const descriptor = z.looseObject({
  mediaType: z.string(),
  digest: z.string().regex(DIGEST, 'not a sha256 digest'),
  size: z.number().int().nonnegative(),
  artifactType: z.string().nullish(),
  annotations: z.record(z.string(), z.string()).nullish(),
});
const IndexSchema = z.looseObject({ schemaVersion: z.literal(2), manifests: z.array(descriptor).max(10_000, 'more than 10000 referrers') });
const ManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  artifactType: z.string().nullish(),
  config: descriptor,
  layers: z.array(descriptor),
});

/** The referrers-API fallback tag for an image digest: `sha256:abc...` -> `sha256-abc...`. */
export function referrersFallbackTag(digest: string): string {
  if (!DIGEST.test(digest)) throw new StockadeError('usage', digest, 'not an image digest (sha256:<64 hex>)');
  return digest.replace(':', '-');
}

function parseJson<T>(text: string | Buffer | unknown, schema: z.ZodType<T>, input: string): T {
  let json: unknown = text;
  if (typeof text === 'string' || Buffer.isBuffer(text)) {
    if (text.length > MAX_INDEX_BYTES) throw new StockadeError('limit_exceeded', input, `larger than ${MAX_INDEX_BYTES} bytes`);
    try {
      json = JSON.parse(text.toString());
    } catch (e) {
      throw new StockadeError('malformed_input', input, `not JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StockadeError('malformed_input', input, `${issue && issue.path.length > 0 ? issue.path.join('.') : 'top level'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export interface BundleReferrer {
  /** The referrer manifest to fetch. */
  digest: string;
  artifactType: string;
  /** `dev.sigstore.bundle.predicateType`, when the registry copied the annotations into the index. */
  predicateType?: string;
}

/** The Sigstore bundle manifests among an image's referrers (an OCI image index). */
export function parseBundleReferrers(index: string | Buffer | unknown): BundleReferrer[] {
  const parsed = parseJson(index, IndexSchema, 'referrers index');
  return parsed.manifests
    .filter((m) => SIGSTORE_BUNDLE_MEDIA_TYPE.test(m.artifactType ?? ''))
    .map((m) => {
      const r: BundleReferrer = { digest: m.digest, artifactType: m.artifactType as string };
      const predicate = m.annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION];
      if (predicate) r.predicateType = predicate;
      return r;
    });
}

/** The bundle layer of a referrer manifest: the blob to fetch and verify. */
export function parseBundleReferrerManifest(manifest: string | Buffer | unknown): { digest: string; size: number; mediaType: string } {
  const input = 'sigstore bundle referrer manifest';
  const parsed = parseJson(manifest, ManifestSchema, input);
  const layer = parsed.layers.find((l) => SIGSTORE_BUNDLE_MEDIA_TYPE.test(l.mediaType));
  if (!layer) throw new StockadeError('malformed_input', input, 'no layer of a Sigstore bundle media type');
  if (layer.size > MAX_BUNDLE_LAYER_BYTES) throw new StockadeError('limit_exceeded', input, `bundle layer of ${layer.size} bytes (at most ${MAX_BUNDLE_LAYER_BYTES})`);
  return { digest: layer.digest, size: layer.size, mediaType: layer.mediaType };
}
