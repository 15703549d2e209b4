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
 * When the vulnerability scanner ran, each finding becomes one entry of the 1.6
 * `vulnerabilities` array (id, source, aliases as references, rating, advice,
 * advisories, dates), whose `affects` names the package's component by bom-ref.
 * One entry per finding rather than one per vulnerability id: the same CVE can carry
 * a different rating or suppression for each package (Debian's rating for the deb,
 * GitHub's for the PyPI copy), and CycloneDX keeps rating and analysis per entry.
 *
 * Components, dependencies and vulnerabilities are sorted, so two writes of one
 * result differ only in serialNumber.
 */
import { randomUUID } from 'node:crypto';
import { PackageURL } from 'packageurl-js';
import type { OsInfo, Package, ScanResult, SeverityRating, Suppression, VulnerabilityFinding } from '../../core/types.js';
import { findingsOf, httpUrl, remedyText, severityOf } from '../findings.js';
import type { Writer } from '../writer.js';
import { imageDigest, imagePurl, splitDigest } from '../image-identity.js';
import { compareStrings, displayVersion, uniquePackagesById } from '../packages.js';
import { parseSpdxExpression, spdxLicenseId } from '../spdx-license.js';

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

/** The schema caps a version at 1024 characters; a longer one (hostile metadata) is left out rather than cut. */
const MAX_VERSION_CHARS = 1024;

function fitsVersion(version: string): boolean {
  return version.length <= MAX_VERSION_CHARS;
}

function packageComponent(pkg: Package, ownerRef: string | undefined): CdxComponent {
  const { group, name } = groupAndName(pkg);
  const version = displayVersion(pkg);
  const component: CdxComponent = {
    type: 'library',
    'bom-ref': pkg.id,
    ...(group ? { group } : {}),
    name,
    ...(fitsVersion(version) ? { version } : {}),
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
    type: t.sourceKind === 'rootfs' || t.sourceKind === 'filesystem' ? 'file' : 'container',
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

// ---------------------------------------------------------------------------
// Vulnerabilities
// ---------------------------------------------------------------------------

interface CdxVulnerabilitySource { name: string; url?: string }
interface CdxRating { source?: CdxVulnerabilitySource; score?: number; severity: string; method: string; vector?: string }
interface CdxAnalysis { state?: string; justification?: string; response?: string[]; detail?: string }
interface CdxVulnerability {
  'bom-ref': string;
  id: string;
  source: CdxVulnerabilitySource;
  references?: Array<{ id: string; source: CdxVulnerabilitySource }>;
  ratings: CdxRating[];
  description?: string;
  recommendation?: string;
  advisories?: Array<{ url: string }>;
  published?: string;
  updated?: string;
  analysis?: CdxAnalysis;
  affects: Array<{ ref: string; versions?: Array<{ version: string; status: 'affected' }> }>;
  properties?: CdxProperty[];
}

/**
 * Who publishes an id, told by its prefix: CVE ids by NVD, GHSA by GitHub, Debian and
 * Ubuntu notices by their trackers, everything else (PYSEC, GO, RUSTSEC, DEBIAN-CVE,
 * ALPINE-CVE ...) is an OSV id that osv.dev serves.
 */
export function vulnerabilitySource(id: string): CdxVulnerabilitySource {
  const path = encodeURIComponent(id);
  if (/^CVE-\d{4}-\d+$/i.test(id)) return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${path}` };
  if (/^GHSA-/i.test(id)) return { name: 'GitHub Advisory Database', url: `https://github.com/advisories/${path}` };
  if (/^(DSA|DLA|DTSA)-/i.test(id)) return { name: 'Debian Security Tracker', url: `https://security-tracker.debian.org/tracker/${path}` };
  if (/^USN-/i.test(id)) return { name: 'Ubuntu Security Notices', url: `https://ubuntu.com/security/notices/${path}` };
  return { name: 'OSV', url: `https://osv.dev/vulnerability/${path}` };
}

/** CycloneDX's scoreMethod for a rating: from the vector's own prefix first, else from where the rating came from. */
export function scoreMethod(rating: Pick<SeverityRating, 'source' | 'vector'>): string {
  const vector = rating.vector ?? '';
  if (vector.startsWith('CVSS:4.0/')) return 'CVSSv4';
  if (vector.startsWith('CVSS:3.1/')) return 'CVSSv31';
  if (vector.startsWith('CVSS:3.0/')) return 'CVSSv3';
  if (/^\(?AV:[LAN]\//.test(vector)) return 'CVSSv2';
  const source = rating.source.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (source === 'cvssv40' || source === 'cvssv4') return 'CVSSv4';
  if (source === 'cvssv31') return 'CVSSv31';
  if (source === 'cvssv30' || source === 'cvssv3') return 'CVSSv3';
  if (source === 'cvssv20' || source === 'cvssv2') return 'CVSSv2';
  return 'other';
}

function cdxRating(rating: SeverityRating | undefined, finding: VulnerabilityFinding): CdxRating {
  const out: CdxRating = { severity: severityOf(finding).toLowerCase(), method: rating ? scoreMethod(rating) : 'other' };
  if (rating?.source) out.source = { name: rating.source };
  if (typeof rating?.score === 'number' && Number.isFinite(rating.score)) out.score = rating.score;
  if (rating?.vector) out.vector = rating.vector;
  return out;
}

/**
 * VEX justifications (OpenVEX / CISA minimum requirements) and the CSAF-style spellings
 * mapped onto CycloneDX's impactAnalysisJustification, as the CycloneDX VEX guide pairs
 * them; CycloneDX's own values pass through. Anything else is free text for `detail`.
 */
const VEX_JUSTIFICATIONS: Record<string, string> = {
  component_not_present: 'code_not_present',
  vulnerable_code_not_present: 'code_not_present',
  vulnerable_code_not_in_execute_path: 'code_not_reachable',
  vulnerable_code_cannot_be_controlled_by_adversary: 'requires_environment',
  inline_mitigations_already_exist: 'protected_by_mitigating_control',
  code_not_present: 'code_not_present',
  code_not_reachable: 'code_not_reachable',
  requires_configuration: 'requires_configuration',
  requires_dependency: 'requires_dependency',
  requires_environment: 'requires_environment',
  protected_by_compiler: 'protected_by_compiler',
  protected_at_runtime: 'protected_at_runtime',
  protected_at_perimeter: 'protected_at_perimeter',
  protected_by_mitigating_control: 'protected_by_mitigating_control',
};

/** `Vulnerable code not in execute path` and `vulnerable-code-not-in-execute-path` read alike. */
function justificationKey(text: string): string {
  return text.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/**
 * The analysis a suppression stands for. A VEX `fixed` / `resolved` statement means
 * the vulnerability was remediated (`resolved`); every other suppression says the
 * image is not affected, with the CycloneDX justification when the text is one of the
 * known VEX justifications and the text itself in `detail`.
 */
export function suppressionAnalysis(s: Suppression): CdxAnalysis {
  const key = s.justification ? justificationKey(s.justification) : '';
  const analysis: CdxAnalysis = { state: key === 'fixed' || key === 'resolved' ? 'resolved' : 'not_affected' };
  const mapped = VEX_JUSTIFICATIONS[key];
  if (mapped && analysis.state === 'not_affected') analysis.justification = mapped;
  const by = `suppressed by ${s.kind} ${s.source}${s.expires ? ` until ${s.expires}` : ''}`;
  analysis.detail = s.justification ? `${s.justification} (${by})` : by;
  return analysis;
}

/** RFC 3339 in UTC, which the schema's date-time format accepts, or nothing. */
function isoTime(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function vulnerabilityEntry(finding: VulnerabilityFinding, ref: string, bomRef: string): CdxVulnerability {
  const entry: CdxVulnerability = {
    'bom-ref': bomRef,
    id: finding.id,
    source: vulnerabilitySource(finding.id),
    ratings: [cdxRating(finding.severity, finding)],
    affects: [fitsVersion(finding.installedVersion) ? { ref, versions: [{ version: finding.installedVersion, status: 'affected' }] } : { ref }],
  };
  const aliases = [...new Set(finding.aliases)].filter((a) => a !== finding.id).sort(compareStrings);
  if (aliases.length > 0) entry.references = aliases.map((id) => ({ id, source: vulnerabilitySource(id) }));
  const description = finding.description ?? finding.title;
  if (description) entry.description = description;
  entry.recommendation = `${capitalised(remedyText(finding))}.`;
  const urls = [...new Set([finding.primaryUrl, ...finding.references].map(httpUrl).filter((u): u is string => u !== undefined))];
  if (urls.length > 0) entry.advisories = urls.map((url) => ({ url }));
  const published = isoTime(finding.published);
  if (published) entry.published = published;
  const updated = isoTime(finding.modified);
  if (updated) entry.updated = updated;

  if (finding.suppressed) entry.analysis = suppressionAnalysis(finding.suppressed);
  // The distribution is the supplier here, and "will not fix" is its documented response.
  if (finding.status === 'will_not_fix') entry.analysis = { ...entry.analysis, response: ['will_not_fix'] };

  const props: CdxProperty[] = [{ name: 'stockade:vulnerability:status', value: finding.status }];
  if (finding.title && finding.description) props.push({ name: 'stockade:vulnerability:title', value: finding.title });
  for (const v of finding.fixedVersions) props.push({ name: 'stockade:vulnerability:fixedVersion', value: v });
  for (const d of [...finding.dataSources].sort(compareStrings)) props.push({ name: 'stockade:vulnerability:dataSource', value: d });
  if (finding.viaOsOwned) props.push({ name: 'stockade:vulnerability:viaOsOwned', value: 'true' });
  if (ref !== finding.packageId) props.push({ name: 'stockade:vulnerability:package', value: `${finding.packageName}@${finding.installedVersion}` });
  entry.properties = props;
  return entry;
}

/**
 * One entry per finding, sorted by vulnerability id then affected ref. A finding whose
 * package is not in the inventory (it should not happen) is attached to the image, so
 * every `affects[].ref` still names a component of this BOM.
 */
function buildVulnerabilities(result: ScanResult, known: ReadonlySet<string>, imageRef: string, used: Set<string>): CdxVulnerability[] {
  const rows = findingsOf(result).map((f) => ({ f, ref: known.has(f.packageId) ? f.packageId : imageRef }));
  rows.sort((a, b) => compareStrings(a.f.id, b.f.id) || compareStrings(a.ref, b.ref) || compareStrings(a.f.packageId, b.f.packageId));
  return rows.map(({ f, ref }) => vulnerabilityEntry(f, ref, uniqueRef(`vulnerability:${f.id}:${ref}`, used)));
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

  const bom: Record<string, unknown> = {
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
  if (result.vulnerabilities !== undefined) bom['vulnerabilities'] = buildVulnerabilities(result, known, imageRef, used);
  return bom;
}

export const cyclonedxWriter: Writer = {
  id: 'cyclonedx',
  description: 'CycloneDX 1.6 JSON software bill of materials',
  write(result: ScanResult): string {
    return `${JSON.stringify(buildCycloneDx(result), null, 2)}\n`;
  },
};
