/**
 * How the scanned image is named in reports: its identifying digest, that digest's
 * parts, and its package URL. Shared by the SBOM writers and the SARIF/HTML views.
 */
import { PackageURL } from 'packageurl-js';
import type { ImageInfo } from '../core/types.js';

/** `sha256:<hex>` -> its parts, when the algorithm is one both SBOM formats can name. */
export function splitDigest(digest: string | undefined): { algorithm: 'sha256' | 'sha512'; hex: string } | undefined {
  if (!digest) return undefined;
  const m = /^(sha256|sha512):([a-f0-9]+)$/.exec(digest);
  if (!m) return undefined;
  const algorithm = m[1] as 'sha256' | 'sha512';
  const hex = m[2]!;
  if ((algorithm === 'sha256' && hex.length !== 64) || (algorithm === 'sha512' && hex.length !== 128)) return undefined;
  return { algorithm, hex };
}

/** The digest that identifies the image: the manifest digest, else one from RepoDigests. */
export function imageDigest(target: ImageInfo): string | undefined {
  if (target.manifestDigest) return target.manifestDigest;
  for (const rd of target.repoDigests) {
    const at = rd.lastIndexOf('@');
    if (at > 0) return rd.slice(at + 1);
  }
  return undefined;
}

/**
 * Docker-style reference normalisation: `debian` -> `docker.io/library/debian`,
 * `me/app` -> `docker.io/me/app`; a first segment with a dot or colon, or `localhost`,
 * is a registry host and is kept.
 */
function normalizeRepository(repo: string): string {
  const slash = repo.indexOf('/');
  const first = slash < 0 ? '' : repo.slice(0, slash);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) return repo;
  return slash < 0 ? `docker.io/library/${repo}` : `docker.io/${repo}`;
}

/** Splits `repo[:tag][@digest]` into repository and tag; the tag colon follows the last slash. */
function splitReference(ref: string): { repository: string; tag?: string } {
  const at = ref.indexOf('@');
  const withoutDigest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = withoutDigest.lastIndexOf(':');
  const slash = withoutDigest.lastIndexOf('/');
  if (colon > slash) return { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) };
  return { repository: withoutDigest };
}

/**
 * The image's purl, `pkg:oci/<name>@<digest>?arch=..&repository_url=..&tag=..`, per the
 * purl-spec oci type: no namespace, the name is the last repository segment lower-cased,
 * the version is the artifact digest. Only when both a digest and a repository are
 * known: a local layout with neither has no honest purl.
 */
export function imagePurl(target: ImageInfo): string | undefined {
  const digest = imageDigest(target);
  if (!digest) return undefined;
  const refs = [...target.repoDigests, ...target.repoTags];
  if (target.sourceKind === 'registry') refs.push(target.name);
  const repoRef = refs.find((r) => r.length > 0);
  if (!repoRef) return undefined;
  const repository = normalizeRepository(splitReference(repoRef).repository);
  const name = repository.slice(repository.lastIndexOf('/') + 1).toLowerCase();
  if (!name) return undefined;
  const tag = target.repoTags.map((t) => splitReference(t).tag).find((t) => t !== undefined)
    ?? (target.sourceKind === 'registry' ? splitReference(target.name).tag : undefined);
  const qualifiers: Record<string, string> = { repository_url: repository };
  if (target.platform?.architecture) qualifiers['arch'] = target.platform.architecture;
  if (tag) qualifiers['tag'] = tag;
  try {
    return new PackageURL('oci', undefined, name, digest, qualifiers, undefined).toString();
  } catch {
    return undefined; // a name packageurl-js rejects: no purl rather than a broken one
  }
}

