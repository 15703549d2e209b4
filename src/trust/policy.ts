/**
 * The trust policy (`stockade.yaml` section `trust`) evaluated for one image reference:
 * one result per requirement, met or failed, each saying why. Pure: what cannot be
 * known from the reference alone (the image's age, its signatures) comes in as facts
 * gathered by the caller (`stockade verify`, the admission webhook, the Docker
 * authorization plugin), so every enforcement point gives the same answer.
 */
import picomatch from 'picomatch';
import type { TrustPolicy } from '../config/project-config.js';
import { formatReference, parseImageReference, InvalidReferenceError, type ImageReference } from '../registry/reference.js';

export type TrustRequirementId = 'reference' | 'registry' | 'digest' | 'tag' | 'age' | 'signature';

export interface TrustResult {
  requirement: TrustRequirementId;
  ok: boolean;
  /** One line: what was required and what the image has. */
  message: string;
}

/** What the caller learned about the image beyond its reference. */
export interface TrustFacts {
  /** The image config's `created` time. */
  created?: Date;
  /** Outcome of signature verification against the policy's keys/identities for this repository. */
  signature?: { ok: boolean; message: string };
  /** Evaluation time (tests pin it). */
  now?: Date;
}

const matchers = new Map<string, (s: string) => boolean>();
function matcher(pattern: string): (s: string) => boolean {
  let m = matchers.get(pattern);
  if (!m) {
    m = picomatch(pattern, { dot: true });
    matchers.set(pattern, m);
  }
  return m;
}

/**
 * A pattern without `/` names a registry (every repository on it: `gcr.io`,
 * `*.example.com`); with `/` it is matched against `registry/repository`
 * (`docker.io/library/*`, `ghcr.io/acme/**`). Short Docker Hub names are normalised
 * first, so `nginx` is `docker.io/library/nginx`.
 */
export function repositoryMatches(ref: ImageReference, patterns: readonly string[]): boolean {
  const full = `${ref.registry}/${ref.repository}`;
  return patterns.some((p) => (p.includes('/') ? matcher(p)(full) : matcher(p)(ref.registry)));
}

/** Patterns of signature requirements that cover this repository. */
export function signatureRequirementsFor(ref: ImageReference, policy: TrustPolicy): NonNullable<TrustPolicy['signatures']> {
  return (policy.signatures ?? []).filter((s) => repositoryMatches(ref, s.repositories));
}

const AGE_UNIT_HOURS: Readonly<Record<string, number>> = { h: 1, d: 24, w: 24 * 7 };

export function evaluateTrust(reference: string, policy: TrustPolicy, facts: TrustFacts = {}): TrustResult[] {
  let ref: ImageReference;
  try {
    ref = parseImageReference(reference);
  } catch (e) {
    if (!(e instanceof InvalidReferenceError)) throw e;
    return [{ requirement: 'reference', ok: false, message: `not a valid image reference: ${e.message}` }];
  }
  const name = formatReference(ref);
  const results: TrustResult[] = [];
  if (policy.registries) {
    const ok = repositoryMatches(ref, policy.registries);
    results.push({
      requirement: 'registry',
      ok,
      message: ok ? `${ref.registry}/${ref.repository} is in the trusted registries` : `${ref.registry}/${ref.repository} is not in the trusted registries (${policy.registries.join(', ')})`,
    });
  }
  if (policy.requireDigest) {
    results.push({ requirement: 'digest', ok: ref.digest !== undefined, message: ref.digest ? `pinned by digest ${ref.digest}` : `${name} is not pinned by digest` });
  }
  if (policy.forbiddenTags) {
    // No tag and no digest means the runtime pulls `latest`.
    const tag = ref.tag ?? (ref.digest === undefined ? 'latest' : undefined);
    const bad = tag !== undefined && policy.forbiddenTags.includes(tag) && ref.digest === undefined;
    results.push({ requirement: 'tag', ok: !bad, message: bad ? `tag ${tag} is forbidden (${ref.tag === undefined ? 'no tag means latest' : 'mutable tag'})` : `tag ${tag ?? '(digest only)'} is allowed` });
  }
  if (policy.maxImageAge) {
    const match = /^(\d+)([hdw])$/.exec(policy.maxImageAge);
    const limitHours = match ? Number(match[1]) * (AGE_UNIT_HOURS[match[2] as string] ?? 24) : 0;
    if (!facts.created) {
      results.push({ requirement: 'age', ok: false, message: `image age unknown (no created time); at most ${policy.maxImageAge} allowed` });
    } else {
      const ageHours = ((facts.now ?? new Date()).getTime() - facts.created.getTime()) / 3_600_000;
      const ok = ageHours <= limitHours;
      results.push({ requirement: 'age', ok, message: `built ${facts.created.toISOString()} (${Math.floor(ageHours / 24)} days ago); at most ${policy.maxImageAge} allowed` });
    }
  }
  if (signatureRequirementsFor(ref, policy).length > 0) {
    results.push(facts.signature ? { requirement: 'signature', ...facts.signature } : { requirement: 'signature', ok: false, message: 'signature required but not verified' });
  }
  return results;
}
