/**
 * Package URLs through packageurl-js, so qualifier ordering, percent-encoding and
 * namespace rules follow the purl spec rather than our memory of it.
 */
import { PackageURL } from 'packageurl-js';

export interface PurlParts {
  type: string;
  namespace?: string | undefined;
  name: string;
  version?: string | undefined;
  qualifiers?: Record<string, string | undefined> | undefined;
  subpath?: string | undefined;
}

export function buildPurl(parts: PurlParts): string {
  const qualifiers: Record<string, string> = {};
  for (const [k, v] of Object.entries(parts.qualifiers ?? {})) {
    if (v !== undefined && v !== '') qualifiers[k] = v;
  }
  return new PackageURL(
    parts.type,
    parts.namespace || undefined,
    parts.name,
    parts.version || undefined,
    Object.keys(qualifiers).length > 0 ? qualifiers : undefined,
    parts.subpath || undefined,
  ).toString();
}

const OS_ECOSYSTEMS = new Set(['deb', 'apk', 'rpm']);

/**
 * OS package purls carry the distro (`pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12`),
 * but an extractor reading one layer cannot know the distro: os-release may sit in
 * another layer. Extractors build OS purls without namespace/distro; the inventory
 * merge calls this once the OS is known.
 */
export function withDistro(purl: string, os: { family: string; version: string } | undefined): string {
  if (!os) return purl;
  const parsed = PackageURL.fromString(purl);
  if (!OS_ECOSYSTEMS.has(parsed.type)) return purl;
  const qualifiers: Record<string, string> = { ...(parsed.qualifiers ?? {}) };
  qualifiers['distro'] = `${os.family}-${os.version}`;
  return new PackageURL(parsed.type, os.family, parsed.name, parsed.version, qualifiers, parsed.subpath).toString();
}
