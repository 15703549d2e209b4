/**
 * `stockade verify REF` against a registry: gather what the trust policy needs beyond
 * the reference (the digest it resolves to, the image's creation time, its cosign
 * signatures verified against the keys and identities that apply) and let the one
 * policy evaluation (trust/policy.ts) judge. Signature bytes come from the registry;
 * verification itself never touches the network.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { StockadeError } from '../core/errors.js';
import type { ProjectConfig, TrustPolicy } from '../config/project-config.js';
import { parsePlatform } from '../image/oci.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/client.js';
import { openRegistryImage } from '../registry/open-registry-image.js';
import { InvalidReferenceError, parseImageReference, type ImageReference } from '../registry/reference.js';
import { cosignSignatureTag, parseCosignSignatureManifest, verifyCosignSignatures, type CosignSignature, type KeylessIdentity } from '../signatures/cosign.js';
import { evaluateTrust, signatureRequirementsFor, type TrustFacts } from '../trust/policy.js';
import type { VerifyReport } from './commands/verify.js';

/** Largest signature payload we fetch (cosign's simple-signing payloads are a few hundred bytes). */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Registry settings from the command line and stockade.yaml (`registries`), shared by `image REF` and `verify REF`. */
export function registryOptions(raw: Record<string, unknown>, project?: ProjectConfig): RegistryClientOptions {
  const options: RegistryClientOptions = {};
  const settings = project?.registries;
  const base = project?.file ? dirname(project.file) : process.cwd();
  const insecure = [...((raw['insecureRegistry'] as string[] | undefined) ?? []), ...(settings?.insecure ?? [])];
  if (insecure.length) options.insecureRegistries = insecure;
  const caFiles = [...((raw['caFile'] as string[] | undefined) ?? []), ...(settings?.caFiles ?? []).map((f) => resolve(base, f))];
  if (caFiles.length) options.caFiles = caFiles;
  if (settings?.mirrors) options.mirrors = settings.mirrors;
  if (typeof raw['username'] === 'string') options.username = raw['username'];
  if (typeof raw['password'] === 'string') options.password = raw['password'];
  if (typeof raw['timeout'] === 'number') options.timeoutMs = raw['timeout'];
  return options;
}

function parseReferenceOrUsage(image: string): ImageReference {
  try {
    return parseImageReference(image);
  } catch (e) {
    if (e instanceof InvalidReferenceError) throw new StockadeError('usage', image, e.message.replace(/^"[^"]*": /, ''));
    throw e;
  }
}

async function readKey(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new StockadeError('not_found', file, `cannot read public key: ${e.code ?? e.message}`);
  });
}

/** The cosign signatures stored beside the image (`sha256-<hex>.sig`), payloads fetched; empty when none. */
async function fetchCosignSignatures(client: RegistryClient, ref: ImageReference, digest: string): Promise<CosignSignature[]> {
  const sigRef: ImageReference = { registry: ref.registry, repository: ref.repository, tag: cosignSignatureTag(digest) };
  let manifest;
  try {
    manifest = await client.getManifest(sigRef);
  } catch (e) {
    // No signature tag: the image is unsigned (the verifier says so); anything else is a real failure.
    if (e instanceof StockadeError && e.code === 'not_found' && /manifest unknown|not found|404/i.test(e.message)) return [];
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

export async function verifyImageReference(image: string, project: ProjectConfig, raw: Record<string, unknown>): Promise<VerifyReport> {
  const trust: TrustPolicy = project.trust ?? {};
  const configFile = project.file;
  const ref = parseReferenceOrUsage(image);
  const client = new RegistryClient({ ...registryOptions(raw, project), credentialsRegistry: ref.registry });
  try {
    const top = await client.getManifest(ref);
    const platform = raw['platform'] as string | undefined;
    const source = await openRegistryImage(image, { client, ...(platform ? { platform: parsePlatform(platform) } : {}) });
    const facts: TrustFacts = {};
    try {
      if (source.info.created) facts.created = new Date(source.info.created);
    } finally {
      await source.close();
    }

    // Keys and identities: the command line's, plus those the policy names for this repository.
    const base = configFile ? dirname(configFile) : process.cwd();
    const requirements = signatureRequirementsFor(ref, trust);
    const keyFiles = [...((raw['key'] as string[] | undefined) ?? []), ...requirements.flatMap((r) => (r.keys ?? []).map((k) => resolve(base, k)))];
    const keyless: KeylessIdentity[] = requirements.flatMap((r) => r.keyless ?? []);
    const identity = raw['certificateIdentity'] as string | undefined;
    const issuer = raw['certificateOidcIssuer'] as string | undefined;
    if (identity || issuer) {
      if (!identity || !issuer) throw new StockadeError('usage', image, 'keyless verification needs both --certificate-identity and --certificate-oidc-issuer');
      keyless.push({ identity, issuer });
    }
    const wantsSignature = keyFiles.length > 0 || keyless.length > 0;
    if (wantsSignature) {
      const signatures = await fetchCosignSignatures(client, ref, top.digest);
      const result = verifyCosignSignatures({
        imageDigest: top.digest,
        dockerReference: `${ref.registry}/${ref.repository}`,
        signatures,
        keys: await Promise.all(keyFiles.map(readKey)),
        keyless,
        requireTransparencyLog: raw['requireTlog'] === true,
      });
      facts.signature = { ok: result.ok, message: result.message };
    }
    const results = evaluateTrust(image, trust, facts);
    // Keys given on the command line require a signature even where the policy does not.
    if (wantsSignature && !results.some((r) => r.requirement === 'signature') && facts.signature) results.push({ requirement: 'signature', ...facts.signature });
    return { subject: image, digest: top.digest, ok: results.every((r) => r.ok), results };
  } finally {
    client.close();
  }
}
