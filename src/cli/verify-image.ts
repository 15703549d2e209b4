/**
 * `stockade verify REF` against a registry: gather what the trust policy needs beyond
 * the reference (the digest it resolves to, the image's creation time, its cosign
 * signatures verified against the keys and identities that apply) and let the one
 * policy evaluation (trust/policy.ts) judge. Signature bytes come from the registry;
 * verification itself never touches the network.
 */
import { dirname, resolve } from 'node:path';
import { StockadeError } from '../core/errors.js';
import type { ProjectConfig, TrustPolicy } from '../config/project-config.js';
import { parsePlatform } from '../image/oci.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/client.js';
import { InvalidReferenceError, parseImageReference, type ImageReference } from '../registry/reference.js';
import { evaluateTrust } from '../trust/policy.js';
import { gatherRegistryFacts, policySignatureExpectations, readPublicKey } from '../trust/registry-facts.js';
import type { VerifyReport } from './commands/verify.js';

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

export async function verifyImageReference(image: string, project: ProjectConfig, raw: Record<string, unknown>): Promise<VerifyReport> {
  const trust: TrustPolicy = project.trust ?? {};
  const ref = parseReferenceOrUsage(image);
  const client = new RegistryClient({ ...registryOptions(raw, project), credentialsRegistry: ref.registry });
  try {
    // Keys and identities: the command line's, plus those the policy names for this repository.
    const expect = await policySignatureExpectations(ref, project);
    expect.keys.push(...(await Promise.all(((raw['key'] as string[] | undefined) ?? []).map(readPublicKey))));
    const identity = raw['certificateIdentity'] as string | undefined;
    const issuer = raw['certificateOidcIssuer'] as string | undefined;
    if (identity || issuer) {
      if (!identity || !issuer) throw new StockadeError('usage', image, 'keyless verification needs both --certificate-identity and --certificate-oidc-issuer');
      expect.keyless.push({ identity, issuer });
    }
    expect.requireTransparencyLog = raw['requireTlog'] === true;
    const platform = raw['platform'] as string | undefined;
    const { digest, facts } = await gatherRegistryFacts(client, image, ref, expect, platform ? parsePlatform(platform) : undefined);
    const results = evaluateTrust(image, trust, facts);
    // Keys given on the command line require a signature even where the policy does not.
    if (facts.signature && !results.some((r) => r.requirement === 'signature')) results.push({ requirement: 'signature', ...facts.signature });
    return { subject: image, digest, ok: results.every((r) => r.ok), results };
  } finally {
    client.close();
  }
}
