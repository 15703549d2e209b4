/**
 * CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/). The image is the BOM's
 * subject (`metadata.component`, type `container`), the OS is an `operating-system`
 * component, every package a `library` component whose bom-ref is the package id.
 *
 * Where CycloneDX has a standard field we use it (purl, licenses, hashes,
 * evidence.occurrences for locations, pedigree.ancestors for the source package,
 * dependencies for the graph); what it has no field for goes into `stockade:`
 * properties (layer, extractor, ownership).
 *
 * Components and dependencies are sorted by bom-ref, so two writes of one result
 * differ only in serialNumber.
 */
import { randomUUID } from 'node:crypto';
import { PackageURL } from 'packageurl-js';
import type { OsInfo, Package, ScanResult } from '../../core/types.js';
import type { Writer } from '../writer.js';
import {
  compareStrings,
  displayVersion,
  imageDigest,
  imagePurl,
  parseSpdxExpression,
  spdxLicenseId,
  splitDigest,
  uniquePackagesById,
} from './spdx-json.js';

interface CdxProperty { name: string; value: string }
type CdxLicense = { license: { id: string } | { name: string } } | { expression: string };
interface CdxComponent {
  type: string;
  'bom-ref'?: string;
  group?: string;
  name: string;
  version?: string;
  description?: string;
  hashes?: Array<{ alg: string; content: string }>;
  licenses?: CdxLicense[];
  purl?: string;
  pedigree?: { ancestors: CdxComponent[] };
  evidence?: { occurrences: Array<{ location: string }> };
  properties?: CdxProperty[];
}
interface CdxDependency { ref: string; dependsOn: string[] }

const OS_ECOSYSTEMS = new Set(['deb', 'apk', 'rpm']);

/**
 * CycloneDX licenses for one package. A licenseChoice is either a list of license
 * objects or exactly one expression, never both, so: single ids and free-text names
 * go in as a list; one expression stands alone; several strings that include an
 * expression are joined into one AND expression when all are valid SPDX, else every
 * string is kept as a name so no text is lost.
 */
export function cyclonedxLicenses(licenses: readonly string[] | undefined): CdxLicense[] | undefined {
  const texts = [...new Set((licenses ?? []).map((l) => l.trim()).filter((l) => l.length > 0))];
  if (texts.length === 0) return undefined;
  const classified = texts.map((text) => {
    const id = spdxLicenseId(text);
    if (id) return { text, id };
    const parsed = parseSpdxExpression(text);
    if (parsed) return { text, expression: parsed.expression, compound: parsed.compound };
    return { text };
  });
  const hasExpression = classified.some((c) => c.expression !== undefined);
  if (!hasExpression) {
    return classified.map((c) => (c.id ? { license: { id: c.id } } : { license: { name: c.text } }));
  }
  if (classified.length === 1) return [{ expression: classified[0]!.expression! }];
  if (classified.every((c) => c.id !== undefined || c.expression !== undefined)) {
    const joined = classified
      .map((c) => c.id ?? (c.compound ? `(${c.expression})` : c.expression!))
      .join(' AND ');
    return [{ expression: joined }];
  }
  return classified.map((c) => (c.id ? { license: { id: c.id } } : { license: { name: c.text } }));
}

/**
 * bom-refs must be unique in the BOM. Package ids keep their id as bom-ref; the image
 * and OS components take a readable ref and, if a package id happens to be equal,
 * a numeric suffix.
 */
function uniqueRef(wanted: string, used: Set<string>): string {
  let ref = wanted;
  for (let n = 2; used.has(ref); n++) ref = `${wanted}~${n}`;
  used.add(ref);
  return ref;
}

/** npm scopes and Maven groupIds are what CycloneDX calls `group`; other namespaces (distros, Go hosts) are not. */
function groupAndName(pkg: Package): { group?: string; name: string } {
  if (pkg.ecosystem !== 'npm' && pkg.ecosystem !== 'maven') return { name: pkg.name };
  try {
    const purl = PackageURL.fromString(pkg.purl);
    if (purl.namespace) return { group: purl.namespace, name: purl.name };
  } catch {
    // A purl that does not parse: fall back to the plain name.
  }
  return { name: pkg.name };
}

/**
 * The source package as a pedigree ancestor: a Debian binary package is built from its
 * source package, which is what advisories for Debian, Ubuntu and Alpine are keyed by.
 * Its purl follows the purl-spec conventions for sources (`arch=source` for deb,
 * `arch=src` for rpm) and keeps the distro qualifier.
 */
function sourceAncestor(pkg: Package): CdxComponent | undefined {
  const src = pkg.source;
  if (!src || (src.name === pkg.name && src.version === pkg.version)) return undefined;
  const ancestor: CdxComponent = { type: 'library', name: src.name };
  if (src.version) ancestor.version = src.version;
  try {
    const purl = PackageURL.fromString(pkg.purl);
    const qualifiers: Record<string, string> = {};
    for (const [k, v] of Object.entries(purl.qualifiers ?? {})) if (k !== 'arch' && typeof v === 'string') qualifiers[k] = v;
    if (purl.type === 'deb') qualifiers['arch'] = 'source';
    if (purl.type === 'rpm') qualifiers['arch'] = 'src';
    if (OS_ECOSYSTEMS.has(purl.type)) {
      ancestor.purl = new PackageURL(
        purl.type, purl.namespace, src.name, src.version || undefined,
        Object.keys(qualifiers).length > 0 ? qualifiers : undefined, undefined,
      ).toString();
    }
  } catch {
    // No purl for the ancestor when the package's own purl does not parse.
  }
  return ancestor;
}

function packageProperties(pkg: Package, ownerRef: string | undefined): CdxProperty[] {
  const props: CdxProperty[] = [{ name: 'stockade:package:foundBy', value: pkg.foundBy }];
  if (pkg.layer) {
    props.push({ name: 'stockade:layer:index', value: String(pkg.layer.index) });
    props.push({ name: 'stockade:layer:diffID', value: pkg.layer.diffID });
    if (pkg.layer.digest) props.push({ name: 'stockade:layer:digest', value: pkg.layer.digest });
    if (pkg.layer.createdBy) props.push({ name: 'stockade:layer:createdBy', value: pkg.layer.createdBy });
  }
  if (ownerRef !== undefined) props.push({ name: 'stockade:package:ownedBy', value: ownerRef });
  for (const key of Object.keys(pkg.metadata ?? {}).sort(compareStrings)) {
    const value = pkg.metadata![key];
    if (value !== undefined) props.push({ name: `stockade:metadata:${key}`, value: String(value) });
  }
  return props;
}

function packageComponent(pkg: Package, ownerRef: string | undefined): CdxComponent {
  const { group, name } = groupAndName(pkg);
  const component: CdxComponent = {
    type: 'library',
    'bom-ref': pkg.id,
    ...(group ? { group } : {}),
    name,
    version: displayVersion(pkg),
  };
  const licenses = cyclonedxLicenses(pkg.licenses);
  if (licenses) component.licenses = licenses;
  if (pkg.purl) component.purl = pkg.purl;
  const ancestor = sourceAncestor(pkg);
  if (ancestor) component.pedigree = { ancestors: [ancestor] };
  if (pkg.locations.length > 0) component.evidence = { occurrences: pkg.locations.map((location) => ({ location })) };
  component.properties = packageProperties(pkg, ownerRef);
  return component;
}

function imageComponent(result: ScanResult, ref: string): CdxComponent {
  const t = result.target;
  const digest = imageDigest(t);
  const component: CdxComponent = {
    // A root filesystem is a directory tree, not a container image.
    type: t.sourceKind === 'rootfs' ? 'file' : 'container',
    'bom-ref': ref,
    name: t.name,
  };
  if (digest) component.version = digest;
  const split = splitDigest(digest);
  if (split) component.hashes = [{ alg: split.algorithm === 'sha256' ? 'SHA-256' : 'SHA-512', content: split.hex }];
  const purl = imagePurl(t);
  if (purl) component.purl = purl;
  const props: CdxProperty[] = [{ name: 'stockade:image:sourceKind', value: t.sourceKind }];
  if (t.configDigest) props.push({ name: 'stockade:image:id', value: t.configDigest });
  for (const tag of t.repoTags) props.push({ name: 'stockade:image:tag', value: tag });
  for (const rd of t.repoDigests) props.push({ name: 'stockade:image:repoDigest', value: rd });
  if (t.platform) {
    props.push({ name: 'stockade:image:os', value: t.platform.os });
    props.push({ name: 'stockade:image:architecture', value: t.platform.architecture });
    if (t.platform.variant) props.push({ name: 'stockade:image:variant', value: t.platform.variant });
  }
  if (t.created) props.push({ name: 'stockade:image:created', value: t.created });
  props.push({ name: 'stockade:image:layerCount', value: String(t.layers.length) });
  if (result.os) {
    props.push({ name: 'stockade:os:family', value: result.os.family });
    props.push({ name: 'stockade:os:version', value: result.os.version });
  }
  component.properties = props;
  return component;
}

function osComponent(os: OsInfo, ref: string): CdxComponent {
  const component: CdxComponent = { type: 'operating-system', 'bom-ref': ref, name: os.family, version: os.version };
  if (os.prettyName) component.description = os.prettyName;
  const props: CdxProperty[] = [{ name: 'stockade:os:source', value: os.source }];
  if (os.codename) props.push({ name: 'stockade:os:codename', value: os.codename });
  component.properties = props;
  return component;
}

/**
 * The dependency graph. Declared dependencies become `dependsOn`. A language package
 * installed by an OS package (ownedBy) becomes an edge from the OS package to it:
 * consumers such as Dependency-Track build their dependency-graph view only from
 * `dependencies` (they ignore pedigree for this and never interpret custom
 * properties), so an edge is what makes "python3-requests brought in requests"
 * visible there. The `stockade:package:ownedBy` property on the owned component tells
 * ownership edges apart from declared dependencies.
 *
 * The image depends on the OS component and on every package nothing else points to;
 * the OS component on every OS package nothing else points to. Packages reachable only
 * through a cycle are attached to the root too, so every component is reachable from
 * the image.
 */
function buildDependencies(packages: readonly Package[], imageRef: string, osRef: string | undefined): CdxDependency[] {
  const known = new Set(packages.map((p) => p.id));
  const edges = new Map<string, Set<string>>();
  const hasEntry = new Set<string>();
  const targets = new Set<string>();
  const addEdge = (from: string, to: string): void => {
    if (from === to) return;
    let set = edges.get(from);
    if (!set) edges.set(from, (set = new Set()));
    set.add(to);
    hasEntry.add(from);
    targets.add(to);
  };
  for (const p of packages) {
    // `dependencies: []` means "known to have none", which CycloneDX says with an empty dependsOn.
    if (p.dependencies !== undefined) hasEntry.add(p.id);
    for (const d of p.dependencies ?? []) if (known.has(d)) addEdge(p.id, d);
    if (p.ownedBy !== undefined && known.has(p.ownedBy)) addEdge(p.ownedBy, p.id);
  }

  const imageDeps = new Set<string>();
  const osDeps = new Set<string>();
  const isOsPackage = new Map(packages.map((p) => [p.id, OS_ECOSYSTEMS.has(p.ecosystem)]));
  const attachToRoot = (id: string): void => {
    if (osRef !== undefined && isOsPackage.get(id)) osDeps.add(id);
    else imageDeps.add(id);
  };
  if (osRef !== undefined) imageDeps.add(osRef);
  for (const p of packages) if (!targets.has(p.id)) attachToRoot(p.id);

  // Reachability without recursion; anything left out sits on a cycle with no way in.
  const reached = new Set<string>();
  const visit = (start: string): void => {
    const stack = [start];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (reached.has(id)) continue;
      reached.add(id);
      for (const next of edges.get(id) ?? []) if (!reached.has(next)) stack.push(next);
    }
  };
  for (const id of [...imageDeps, ...osDeps]) visit(id);
  for (const p of packages) {
    if (!reached.has(p.id)) {
      attachToRoot(p.id);
      visit(p.id);
    }
  }

  const sorted = (s: Iterable<string>): string[] => [...s].sort(compareStrings);
  const out: CdxDependency[] = [{ ref: imageRef, dependsOn: sorted(imageDeps) }];
  if (osRef !== undefined) out.push({ ref: osRef, dependsOn: sorted(osDeps) });
  for (const p of packages) {
    if (hasEntry.has(p.id)) out.push({ ref: p.id, dependsOn: sorted(edges.get(p.id) ?? []) });
  }
  return out.sort((a, b) => compareStrings(a.ref, b.ref));
}

export function buildCycloneDx(result: ScanResult, serialUuid: string = randomUUID()): Record<string, unknown> {
  const packages = uniquePackagesById(result.packages);
  const known = new Set(packages.map((p) => p.id));
  const used = new Set(known);
  const imageRef = uniqueRef(imagePurl(result.target) ?? `stockade:image:${result.target.name}`, used);
  const osRef = result.os ? uniqueRef(`stockade:os:${result.os.family}@${result.os.version}`, used) : undefined;

  const components: CdxComponent[] = packages.map((p) =>
    packageComponent(p, p.ownedBy !== undefined && known.has(p.ownedBy) ? p.ownedBy : undefined));
  if (result.os && osRef) components.push(osComponent(result.os, osRef));
  components.sort((a, b) => compareStrings(a['bom-ref']!, b['bom-ref']!));

  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${serialUuid}`,
    version: 1,
    metadata: {
      timestamp: result.createdAt,
      tools: { components: [{ type: 'application', name: result.tool.name, version: result.tool.version }] },
      component: imageComponent(result, imageRef),
    },
    components,
    dependencies: buildDependencies(packages, imageRef, osRef),
  };
}

export const cyclonedxWriter: Writer = {
  id: 'cyclonedx',
  description: 'CycloneDX 1.6 JSON software bill of materials',
  write(result: ScanResult): string {
    return `${JSON.stringify(buildCycloneDx(result), null, 2)}\n`;
  },
};
