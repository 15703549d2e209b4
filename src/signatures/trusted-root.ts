/**
 * Sigstore trusted roots (`application/vnd.dev.sigstore.trustedroot+json`): the
 * certificate authorities (Fulcio), transparency logs (Rekor), CT logs and timestamp
 * authorities a bundle may chain to, each with the time range it is trusted for.
 *
 * Read from a file the user names, or the public-good root embedded in
 * `@sigstore/tuf`'s `seeds.json` (the Sigstore TUF repository's `trusted_root.json`
 * target as of that package's release). Nothing here goes to the network: the TUF
 * client in `@sigstore/tuf` is never called, so the embedded root is not refreshed.
 * A root rotated after that release (a new Rekor shard, a new Fulcio CA) needs
 * `--trusted-root FILE`.
 *
 * Validated before use: `@sigstore/verify` treats a missing `validFor.start` as "since
 * the beginning of time" (sigstore-conformance trust-root-tlog-missing-validity-start),
 * while the trusted-root specification makes the start required.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { z } from 'zod';
import { isBase64, oneLine } from './failures.js';

export const PUBLIC_GOOD_TUF_URL = 'https://tuf-repo-cdn.sigstore.dev';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;
const timestamp = z.string().regex(RFC3339, 'not an RFC 3339 time').refine((s) => !Number.isNaN(Date.parse(s)), 'not a valid time');
const base64 = z.string().min(1, 'empty').refine(isBase64, 'not base64');
/** `start` is required by the specification; `end` absent means "still valid". */
const timeRange = z.looseObject({ start: timestamp, end: timestamp.nullish() });
const publicKey = z.looseObject({ rawBytes: base64, keyDetails: z.string().nullish(), validFor: timeRange });
const logInstance = z.looseObject({
  baseUrl: z.string(),
  publicKey,
  logId: z.looseObject({ keyId: base64 }),
  checkpointKeyId: z.looseObject({ keyId: base64 }).nullish(),
});
const certificateAuthority = z.looseObject({
  certChain: z.looseObject({ certificates: z.array(z.looseObject({ rawBytes: base64 })).min(1, 'empty certificate chain') }),
  validFor: timeRange,
});

const TrustedRootSchema = z.looseObject({
  mediaType: z.string().regex(/^application\/vnd\.dev\.sigstore\.trustedroot(?:\.v\d+\.\d+)?\+json(?:;version=\d+\.\d+)?$/, 'not a Sigstore trusted root media type'),
  tlogs: z.array(logInstance),
  certificateAuthorities: z.array(certificateAuthority),
  ctlogs: z.array(logInstance),
  timestampAuthorities: z.array(certificateAuthority).nullish(),
});

export type TrustedRootResult =
  | {
      ok: true;
      material: TrustMaterial;
      source: string;
      /** Base64 log IDs of the trusted transparency logs (`logId` and `checkpointKeyId`). */
      logIds: ReadonlySet<string>;
    }
  | { ok: false; message: string };

/** Validates a parsed trusted root and turns it into what `@sigstore/verify` verifies against. */
export function toTrustedMaterial(json: unknown, source: string): TrustedRootResult {
  const parsed = TrustedRootSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'top level';
    return { ok: false, message: oneLine(`${source}: ${where}: ${issue?.message ?? 'invalid'}`) };
  }
  try {
    const logIds = new Set<string>();
    for (const t of parsed.data.tlogs) {
      logIds.add(Buffer.from(t.logId.keyId, 'base64').toString('base64'));
      if (t.checkpointKeyId) logIds.add(Buffer.from(t.checkpointKeyId.keyId, 'base64').toString('base64'));
    }
    return { ok: true, material: toTrustMaterial(TrustedRoot.fromJSON(json)), source, logIds };
  } catch (e) {
    return { ok: false, message: oneLine(`${source}: ${e instanceof Error ? e.message : String(e)}`) };
  }
}

let publicGood: unknown;

/**
 * The Sigstore public-good trusted root as embedded in `@sigstore/tuf`'s seeds.json
 * (parsed JSON, read from the installed package; no network).
 */
export function loadPublicGoodTrustedRoot(): unknown {
  if (publicGood === undefined) {
    const require = createRequire(import.meta.url);
    const seeds = JSON.parse(readFileSync(require.resolve('@sigstore/tuf/seeds.json'), 'utf8')) as Record<string, { targets?: Record<string, string> }>;
    const target = seeds[PUBLIC_GOOD_TUF_URL]?.targets?.['trusted_root.json'];
    if (typeof target !== 'string') throw new Error(`@sigstore/tuf seeds.json has no trusted_root.json target for ${PUBLIC_GOOD_TUF_URL}`);
    publicGood = JSON.parse(Buffer.from(target, 'base64').toString('utf8'));
  }
  return publicGood;
}

let publicGoodMaterial: TrustedRootResult | undefined;

/** Trust material for a given root, or for the public-good one (built once). */
export function trustMaterialFor(trustedRoot: unknown): TrustedRootResult {
  if (trustedRoot !== undefined) return toTrustedMaterial(trustedRoot, 'trusted root');
  publicGoodMaterial ??= toTrustedMaterial(loadPublicGoodTrustedRoot(), 'Sigstore public-good trusted root (@sigstore/tuf seeds)');
  return publicGoodMaterial;
}
