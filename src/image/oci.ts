/**
 * OCI image-spec and Docker v2 documents, validated at the edge with zod before
 * anything looks inside, and the rules for choosing one image out of an index.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { StockadeError } from '../core/errors.js';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

export const INDEX_TYPES: ReadonlySet<string> = new Set([MEDIA.ociIndex, MEDIA.dockerList]);
export const MANIFEST_TYPES: ReadonlySet<string> = new Set([MEDIA.ociManifest, MEDIA.dockerManifest]);

/** Manifests, indexes and configs are small documents; registries cap manifests at 4 MiB. */
export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

const digestSchema = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'digest must be sha256:<64 hex>');

export const platformSchema = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
});
export type Platform = z.infer<typeof platformSchema>;

export const descriptorSchema = z.object({
  mediaType: z.string().optional(),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
  platform: platformSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema).max(10_000),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageIndex = z.infer<typeof indexSchema>;

export const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema).max(10_000),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageManifest = z.infer<typeof manifestSchema>;

export const historySchema = z.object({
  created: z.string().optional(),
  created_by: z.string().optional(),
  empty_layer: z.boolean().optional(),
  comment: z.string().optional(),
  author: z.string().optional(),
});

export const configSchema = z.object({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  created: z.string().optional(),
  config: z.record(z.string(), z.unknown()).nullable().optional(),
  rootfs: z.object({ type: z.string(), diff_ids: z.array(digestSchema).max(10_000) }),
  history: z.array(historySchema).max(100_000).optional(),
});
export type ImageConfig = z.infer<typeof configSchema>;

export function sha256Digest(bytes: Buffer): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

/** Parses and validates a JSON document, turning every failure into a one-line error. */
export function parseDocument<T>(label: string, what: string, bytes: Buffer, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    const reason = e instanceof RangeError ? 'nested too deeply' : 'not valid JSON';
    throw new StockadeError('malformed_input', label, `${what} is ${reason}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new StockadeError('malformed_input', label, `${what} is not valid${where}: ${issue?.message ?? 'schema mismatch'}`);
  }
  return parsed.data;
}

export function verifyDigest(label: string, what: string, bytes: Buffer, expected: string, expectedSize?: number): void {
  if (expectedSize !== undefined && bytes.length !== expectedSize) {
    throw new StockadeError('digest_mismatch', label, `${what} is ${bytes.length} bytes but its descriptor says ${expectedSize}`);
  }
  const actual = sha256Digest(bytes);
  if (actual !== expected) {
    throw new StockadeError('digest_mismatch', label, `${what} has digest ${actual}, expected ${expected}`);
  }
}

/** `linux/arm64/v8` -> Platform. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new StockadeError('usage', text, 'platform must be os/arch[/variant], e.g. linux/amd64 or linux/arm/v7');
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform | undefined): string {
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Variants that are implied when absent, per the image-spec's platform rules. */
function normalizedVariant(p: Platform): string | undefined {
  if (p.variant) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  return undefined;
}

export function platformMatches(candidate: Platform, wanted: Platform): boolean {
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  if (!wanted.variant) return true;
  return normalizedVariant(candidate) === normalizedVariant(wanted);
}

/** Attestation manifests (BuildKit provenance/SBOM) sit in indexes as `unknown/unknown`. */
export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown');
}
