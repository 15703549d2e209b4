/**
 * What the trust policy needs to know about an image beyond its reference, read from
 * its registry: the digest the reference resolves to, the image's creation time, and
 * its cosign signatures verified against the keys and identities that apply to its
 * repository. Shared by `stockade verify` and the admission webhook (which caches the
 * answers by digest). Signatures are fetched over the network; verifying them is not.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { StockadeError } from '../core/errors.js';
import type { ProjectConfig } from '../config/project-config.js';
import type { Platform } from '../image/oci.js';
import { RegistryClient } from '../registry/client.js';
import { openRegistryImage } from '../registry/open-registry-image.js';
import { parseImageReference, type ImageReference } from '../registry/reference.js';
import { cosignSignatureTag, parseCosignSignatureManifest, verifyCosignSignatures, type CosignSignature, type KeylessIdentity } from '../signatures/cosign.js';
import { signatureRequirementsFor, type TrustFacts } from './policy.js';
import { MAX_BUNDLE_LAYER_BYTES, parseBundleReferrerManifest, parseBundleReferrers, referrersFallbackTag } from '../signatures/referrers.js';
import { COSIGN_SIGN_PREDICATE_TYPE, verifySigstoreBundleText } from '../signatures/sigstore-bundle.js';

/** Largest signature payload fetched (cosign's simple-signing payloads are a few hundred bytes). */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface SignatureExpectations {
  /** PEM public keys (contents). */
  keys: string[];
  keyless: KeylessIdentity[];
  requireTransparencyLog?: boolean;
}

export interface GatheredFacts {
  /** The digest the reference resolves to (the index digest for a multi-platform image). */
  digest: string;
  facts: TrustFacts;
}

/** Keys and identities the policy names for this repository (key paths relative to the settings file). */
export async function policySignatureExpectations(ref: ImageReference, project: ProjectConfig): Promise<SignatureExpectations> {
  const base = project.file ? dirname(project.file) : process.cwd();
  const requirements = signatureRequirementsFor(ref, project.trust ?? {});
  const keyFiles = requirements.flatMap((r) => (r.keys ?? []).map((k) => resolve(base, k)));
  return { keys: await Promise.all(keyFiles.map(readPublicKey)), keyless: requirements.flatMap((r) => r.keyless ?? []) };
}

export async function readPublicKey(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new StockadeError('not_found', file, `cannot read public key: ${e.code ?? e.message}`);
  });
}

/** A tag the registry does not have: no signature stored there, not a failure. */
function isMissingManifest(e: unknown): boolean {
  return e instanceof StockadeError && e.code === 'not_found' && /manifest unknown|not found|404/i.test(e.message);
}

/** The cosign signatures stored beside the image (`sha256-<hex>.sig`), payloads fetched; empty when none. */
async function fetchCosignSignatures(client: RegistryClient, ref: ImageReference, digest: string): Promise<CosignSignature[]> {
  const sigRef: ImageReference = { registry: ref.registry, repository: ref.repository, tag: cosignSignatureTag(digest) };
  let manifest;
  try {
    manifest = await client.getManifest(sigRef);
  } catch (e) {
    // No signature tag: the image is unsigned (the verifier says so); anything else is a real failure.
    if (isMissingManifest(e)) return [];
    throw e;
  }
  const parsed = parseCosignSignatureManifest(manifest.bytes);
  const out: CosignSignature[] = [];
  for (const layer of parsed.layers) {
    const payload = await client.getBlobBytes(sigRef, { digest: layer.layerDigest, size: layer.size }, MAX_PAYLOAD_BYTES);
    out.push({ ...layer, payload });
  }
  return out;
}

/**
 * Sigstore bundles attached as OCI 1.1 referrers (`cosign sign --new-bundle-format`): from
 * the referrers API, or the `sha256-<hex>` fallback tag on registries without it.
 */
async function fetchBundleReferrers(client: RegistryClient, ref: ImageReference, digest: string): Promise<Buffer[]> {
  let index: unknown = await client.getReferrers(ref, digest);
  if (index === undefined) {
    try {
      index = (await client.getManifest({ registry: ref.registry, repository: ref.repository, tag: referrersFallbackTag(digest) })).bytes;
    } catch (e) {
      if (isMissingManifest(e)) return [];
      throw e;
    }
  }
  const bundles: Buffer[] = [];
  for (const referrer of parseBundleReferrers(index)) {
    if (referrer.predicateType !== undefined && referrer.predicateType !== COSIGN_SIGN_PREDICATE_TYPE) continue;
    const manifest = await client.getManifest({ registry: ref.registry, repository: ref.repository, digest: referrer.digest });
    const layer = parseBundleReferrerManifest(manifest.bytes);
    bundles.push(await client.getBlobBytes(ref, { digest: layer.digest, size: layer.size }, MAX_BUNDLE_LAYER_BYTES));
  }
  return bundles;
}

/** One verdict over cosign `.sig` signatures and referrer bundles: any one that verifies is enough. */
function verifyBundles(bundles: readonly Buffer[], digest: string, expect: SignatureExpectations): { ok: boolean; message: string } | undefined {
  if (bundles.length === 0) return undefined;
  const [algorithm = 'sha256', hex = ''] = digest.split(':');
  const failures: string[] = [];
  const attempts = [...expect.keys.map((key) => ({ key })), ...expect.keyless.map((k) => ({ identity: k.identity, issuer: k.issuer }))];
  for (const bundle of bundles) {
    for (const who of attempts) {
      const r = verifySigstoreBundleText(bundle, { artifactDigest: { algorithm, hex }, predicateType: COSIGN_SIGN_PREDICATE_TYPE, ...who });
      if (r.ok) return { ok: true, message: `Sigstore bundle referrer verified: ${r.message}` };
      failures.push(r.message);
    }
  }
  return { ok: false, message: `${bundles.length} Sigstore bundle referrer(s), none verified: ${[...new Set(failures)].slice(0, 3).join('; ')}` };
}

/** Digest, creation time and (when keys or identities are expected) the signature verdict. */
export async function gatherRegistryFacts(client: RegistryClient, image: string, ref: ImageReference, expect: SignatureExpectations, platform?: Platform): Promise<GatheredFacts> {
  const top = await client.getManifest(ref);
  const facts: TrustFacts = {};
  const source = await openRegistryImage(image, { client, ...(platform ? { platform } : {}) });
  try {
    if (source.info.created) facts.created = new Date(source.info.created);
  } finally {
    await source.close();
  }
  if (expect.keys.length > 0 || expect.keyless.length > 0) {
    const signatures = await fetchCosignSignatures(client, ref, top.digest);
    const result = verifyCosignSignatures({
      imageDigest: top.digest,
      dockerReference: `${ref.registry}/${ref.repository}`,
      signatures,
      keys: expect.keys,
      keyless: expect.keyless,
      requireTransparencyLog: expect.requireTransparencyLog === true,
    });
    facts.signature = { ok: result.ok, message: result.message };
    // cosign's newer bundle format lives among the image's referrers instead of the `.sig` tag.
    if (!result.ok) {
      const bundles = verifyBundles(await fetchBundleReferrers(client, ref, top.digest), top.digest, expect);
      if (bundles) facts.signature = bundles.ok || signatures.length === 0 ? bundles : { ok: false, message: `${result.message}; ${bundles.message}` };
    }
  }
  return { digest: top.digest, facts };
}

/** Entries kept by the admission cache; beyond this the oldest go first. */
const MAX_CACHED = 10_000;

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_CACHED) map.delete(map.keys().next().value as K);
}

/**
 * For enforcement points: facts per image, with signatures verified once per digest
 * (a digest's content never changes) and a tag's digest re-resolved after `tagTtlMs`
 * (a tag can move). Failed lookups are not cached. Only worth running when the trust
 * policy asks for age or signatures.
 */
export function registryTrustFactsProvider(project: ProjectConfig, client: RegistryClient, tagTtlMs = 60_000): (image: string) => Promise<TrustFacts> {
  const digests = new Map<string, { digest: string; at: number }>();
  const byDigest = new Map<string, Promise<TrustFacts>>();
  return async (image) => {
    const ref = parseImageReference(image);
    let digest = ref.digest;
    if (!digest) {
      const known = digests.get(image);
      if (known && Date.now() - known.at < tagTtlMs) digest = known.digest;
      else {
        digest = (await client.getManifest(ref)).digest;
        remember(digests, image, { digest, at: Date.now() });
      }
    }
    const key = `${ref.registry}/${ref.repository}@${digest}`;
    let facts = byDigest.get(key);
    if (!facts) {
      const pinned: ImageReference = { registry: ref.registry, repository: ref.repository, digest };
      facts = policySignatureExpectations(pinned, project).then(async (expect) => (await gatherRegistryFacts(client, key, pinned, expect)).facts);
      remember(byDigest, key, facts);
      facts.catch(() => byDigest.delete(key));
    }
    return facts;
  };
}

/** True when the trust policy needs facts only a registry can give (age, signatures). */
export function trustNeedsRegistryFacts(project: ProjectConfig): boolean {
  return Boolean(project.trust?.maxImageAge || project.trust?.signatures?.length);
}
