/**
 * SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/): one package for the image,
 * one for the operating system, one per inventory package, tied together with
 * DESCRIBES / CONTAINS / DEPENDS_ON relationships.
 *
 * This file also holds the SPDX license-expression handling the CycloneDX writer
 * shares: both formats need to know whether a license string is an SPDX id, a valid
 * expression, or free text.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PackageURL } from 'packageurl-js';
import type { ImageInfo, OsInfo, Package, ScanResult } from '../../core/types.js';
import type { Writer } from '../writer.js';

// ---------------------------------------------------------------------------
// SPDX license ids and expressions
// ---------------------------------------------------------------------------

/**
 * The license ids seen most often in container images (distro packages, npm, PyPI,
 * Go, Maven, crates), deprecated forms included because package metadata still uses
 * them. A short list, not the whole SPDX list (the spdx-license-ids package is not a
 * dependency): an id missing here degrades to a license *name* (CycloneDX) or a
 * LicenseRef (SPDX), which loses nothing but machine-readability. Every entry must be
 * in CycloneDX's license-id enum (spdx-json.test.ts checks this against the schema).
 */
const LICENSE_IDS: readonly string[] = [
  '0BSD', 'AFL-2.1', 'AFL-3.0', 'AGPL-1.0', 'AGPL-3.0', 'AGPL-3.0-only', 'AGPL-3.0-or-later',
  'Apache-1.0', 'Apache-1.1', 'Apache-2.0', 'APSL-2.0', 'Artistic-1.0', 'Artistic-1.0-Perl',
  'Artistic-2.0', 'Beerware', 'BlueOak-1.0.0', 'BSD-1-Clause', 'BSD-2-Clause', 'BSD-2-Clause-Patent',
  'BSD-3-Clause', 'BSD-3-Clause-Clear', 'BSD-4-Clause', 'BSD-4-Clause-UC', 'BSL-1.0', 'bzip2-1.0.6',
  'CC-BY-3.0', 'CC-BY-4.0', 'CC-BY-SA-3.0', 'CC-BY-SA-4.0', 'CC0-1.0', 'CDDL-1.0', 'CDDL-1.1',
  'CECILL-2.1', 'curl', 'ECL-2.0', 'EPL-1.0', 'EPL-2.0', 'EUPL-1.1', 'EUPL-1.2', 'FSFAP', 'FSFUL',
  'FSFULLR', 'FTL', 'GFDL-1.2', 'GFDL-1.2-only', 'GFDL-1.2-or-later', 'GFDL-1.3', 'GFDL-1.3-only',
  'GFDL-1.3-or-later', 'GPL-1.0', 'GPL-1.0+', 'GPL-1.0-only', 'GPL-1.0-or-later', 'GPL-2.0',
  'GPL-2.0+', 'GPL-2.0-only', 'GPL-2.0-or-later', 'GPL-2.0-with-classpath-exception', 'GPL-3.0',
  'GPL-3.0+', 'GPL-3.0-only', 'GPL-3.0-or-later', 'HPND', 'ICU', 'IJG', 'Info-ZIP', 'IPA', 'ISC',
  'JSON', 'LGPL-2.0', 'LGPL-2.0+', 'LGPL-2.0-only', 'LGPL-2.0-or-later', 'LGPL-2.1', 'LGPL-2.1+',
  'LGPL-2.1-only', 'LGPL-2.1-or-later', 'LGPL-3.0', 'LGPL-3.0+', 'LGPL-3.0-only', 'LGPL-3.0-or-later',
  'libpng-2.0', 'Libpng', 'libtiff', 'LPPL-1.3c', 'MirOS', 'MIT', 'MIT-0', 'MIT-CMU',
  'MIT-Modern-Variant', 'MPL-1.0', 'MPL-1.1', 'MPL-2.0', 'MPL-2.0-no-copyleft-exception', 'MS-PL',
  'MS-RL', 'NCSA', 'OFL-1.1', 'OLDAP-2.8', 'OpenSSL', 'OSL-3.0', 'PHP-3.0', 'PHP-3.01', 'PostgreSQL',
  'PSF-2.0', 'Python-2.0', 'Ruby', 'SGI-B-2.0', 'Sleepycat', 'SSPL-1.0', 'TCL', 'Unicode-DFS-2015',
  'Unicode-DFS-2016', 'Unlicense', 'UPL-1.0', 'Vim', 'W3C', 'W3C-20150513', 'WTFPL', 'X11',
  'XFree86-1.1', 'Zlib', 'zlib-acknowledgement', 'ZPL-2.0', 'ZPL-2.1',
];

/** License exceptions (the right-hand side of WITH) seen in packages. */
const LICENSE_EXCEPTION_IDS: readonly string[] = [
  'Autoconf-exception-2.0', 'Autoconf-exception-3.0', 'Bison-exception-2.2', 'Bootloader-exception',
  'Classpath-exception-2.0', 'eCos-exception-2.0', 'FLTK-exception', 'Font-exception-2.0',
  'GCC-exception-2.0', 'GCC-exception-3.1', 'LGPL-3.0-linking-exception', 'Libtool-exception',
  'Linux-syscall-note', 'LLVM-exception', 'OCaml-LGPL-linking-exception',
  'OpenJDK-assembly-exception-1.0', 'openvpn-openssl-exception', 'Qt-GPL-exception-1.0',
  'Qt-LGPL-exception-1.1', 'Swift-exception', 'u-boot-exception-2.0', 'WxWindows-exception-3.1',
];

/** SPDX ids match case-insensitively (spec annex D) but are written in their canonical case. */
const licenseByLower = new Map(LICENSE_IDS.map((id) => [id.toLowerCase(), id]));
const exceptionByLower = new Map(LICENSE_EXCEPTION_IDS.map((id) => [id.toLowerCase(), id]));

/** The ids this writer recognises, for tests that check them against an official list. */
export const KNOWN_LICENSE_IDS: readonly string[] = LICENSE_IDS;
export const KNOWN_LICENSE_EXCEPTION_IDS: readonly string[] = LICENSE_EXCEPTION_IDS;

/** The canonical SPDX id for `text` when it is exactly one known license id, else undefined. */
export function spdxLicenseId(text: string): string | undefined {
  return licenseByLower.get(text.trim().toLowerCase());
}

export interface ParsedLicenseExpression {
  /** The expression re-written with canonical id case, upper-case operators, single spaces. */
  expression: string;
  /** True when the expression has an AND or OR (so joining it with others needs parentheses). */
  compound: boolean;
}

/** Bounds that keep a hostile license string from costing more than a glance. */
const MAX_EXPRESSION_CHARS = 1000;
const MAX_EXPRESSION_DEPTH = 16;
const LICENSE_REF = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;

/**
 * Parses an SPDX license expression (SPDX 2.3 annex D): ids (optionally with `+`),
 * LicenseRefs, WITH exceptions, AND, OR and parentheses, with WITH binding tighter
 * than AND, and AND tighter than OR. Returns undefined when `text` is not a valid
 * expression over the ids we know. Operators are accepted in any case (package
 * metadata often writes `MIT or Apache-2.0`) and written upper-case.
 */
export function parseSpdxExpression(text: string): ParsedLicenseExpression | undefined {
  if (text.length > MAX_EXPRESSION_CHARS) return undefined;
  const tokens = tokenizeExpression(text);
  if (tokens.length === 0) return undefined;
  const out: string[] = [];
  let pos = 0;
  let compound = false;

  const peekOperator = (): string | undefined => {
    const t = tokens[pos];
    return t === undefined ? undefined : t.toUpperCase();
  };

  // Recursive descent, depth bounded by parenthesis nesting (MAX_EXPRESSION_DEPTH).
  const parseOr = (depth: number): boolean => {
    if (!parseAnd(depth)) return false;
    while (peekOperator() === 'OR') {
      pos++;
      out.push('OR');
      compound = true;
      if (!parseAnd(depth)) return false;
    }
    return true;
  };
  const parseAnd = (depth: number): boolean => {
    if (!parseWith(depth)) return false;
    while (peekOperator() === 'AND') {
      pos++;
      out.push('AND');
      compound = true;
      if (!parseWith(depth)) return false;
    }
    return true;
  };
  const parseWith = (depth: number): boolean => {
    const t = tokens[pos];
    if (t === undefined) return false;
    if (t === '(') {
      if (depth >= MAX_EXPRESSION_DEPTH) return false;
      pos++;
      out.push('(');
      if (!parseOr(depth + 1)) return false;
      if (tokens[pos] !== ')') return false;
      pos++;
      out.push(')');
      return true;
    }
    const simple = canonicalSimpleExpression(t);
    if (simple === undefined) return false;
    pos++;
    out.push(simple);
    if (peekOperator() === 'WITH') {
      pos++;
      const exception = tokens[pos] === undefined ? undefined : exceptionByLower.get(tokens[pos]!.toLowerCase());
      if (exception === undefined) return false;
      pos++;
      out.push('WITH', exception);
    }
    return true;
  };

  if (!parseOr(0) || pos !== tokens.length) return undefined;
  const expression = out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
  return { expression, compound };
}

function tokenizeExpression(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (const ch of text) {
    if (ch === '(' || ch === ')' || ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (current) tokens.push(current);
      current = '';
      if (ch === '(' || ch === ')') tokens.push(ch);
    } else {
      current += ch;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

/** A license id (`MIT`, `GPL-2.0+`) or LicenseRef in canonical case, else undefined. */
function canonicalSimpleExpression(token: string): string | undefined {
  if (LICENSE_REF.test(token)) return token;
  const exact = licenseByLower.get(token.toLowerCase());
  if (exact) return exact;
  if (token.endsWith('+')) {
    const base = licenseByLower.get(token.slice(0, -1).toLowerCase());
    if (base) return `${base}+`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Shared small helpers (used by the CycloneDX writer too)
// ---------------------------------------------------------------------------

/** The version as ecosystems compare it: `epoch:version` when an epoch is kept apart. */
export function displayVersion(pkg: Pick<Package, 'version' | 'epoch'>): string {
  if (pkg.epoch !== undefined && pkg.epoch > 0 && !pkg.version.includes(':')) return `${pkg.epoch}:${pkg.version}`;
  return pkg.version;
}

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

/** Code-unit order: deterministic whatever the locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Packages with the same id collapse to the first (ids are unique by contract; this keeps output valid if not). */
export function uniquePackagesById(packages: readonly Package[]): Package[] {
  const seen = new Set<string>();
  const out: Package[] = [];
  for (const p of [...packages].sort((a, b) => compareStrings(a.id, b.id))) {
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------
// SPDX document
// ---------------------------------------------------------------------------

interface SpdxChecksum { algorithm: string; checksumValue: string }
interface SpdxExternalRef { referenceCategory: string; referenceType: string; referenceLocator: string }
interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: string;
  filesAnalyzed: boolean;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  primaryPackagePurpose?: string;
  checksums?: SpdxChecksum[];
  externalRefs?: SpdxExternalRef[];
  sourceInfo?: string;
  description?: string;
  builtDate?: string;
  comment?: string;
}
interface SpdxRelationship { spdxElementId: string; relationshipType: string; relatedSpdxElement: string; comment?: string }
interface SpdxExtractedLicense { licenseId: string; name: string; extractedText: string }

const NOASSERTION = 'NOASSERTION';
const DOCUMENT_ID = 'SPDXRef-DOCUMENT';
const IMAGE_ID = 'SPDXRef-Image';
const OS_ID = 'SPDXRef-OperatingSystem';

/** SPDX wants `YYYY-MM-DDThh:mm:ssZ`; createdAt may carry milliseconds or an offset. */
function spdxDate(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function sanitizeIdString(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
}

/**
 * Gives every key an id `${prefix}${sanitized}` unique in the document. When two keys
 * sanitize alike (`a/b` and `a:b`), all of them take a hash suffix, so each id depends
 * only on its own key and the colliding set, never on input order.
 */
function allocateIds(keys: readonly string[], prefix: string, maxBase: number, taken: ReadonlySet<string>): Map<string, string> {
  const byBase = new Map<string, string[]>();
  for (const key of new Set(keys)) {
    const base = sanitizeIdString(key).slice(0, maxBase) || 'unnamed';
    const group = byBase.get(base);
    if (group) group.push(key);
    else byBase.set(base, [key]);
  }
  const out = new Map<string, string>();
  const used = new Set(taken);
  for (const [base, group] of [...byBase].sort((a, b) => compareStrings(a[0], b[0]))) {
    const collides = group.length > 1 || used.has(`${prefix}${base}`);
    for (const key of group.sort(compareStrings)) {
      let id = `${prefix}${base}`;
      for (let len = 8; collides && len <= 64; len += 8) {
        id = `${prefix}${base}-${shortHash(key, len)}`;
        if (!used.has(id)) break;
      }
      used.add(id);
      out.set(key, id);
    }
  }
  return out;
}

/**
 * licenseDeclared from the strings the package metadata recorded. Valid expressions
 * are kept (canonicalised); anything else becomes a LicenseRef whose text is kept in
 * hasExtractedLicensingInfos. Several strings are joined with AND: metadata that lists
 * more than one license (Debian copyright, PyPI classifiers) most often means all apply.
 */
function declaredLicense(licenses: readonly string[] | undefined, refs: ReadonlyMap<string, string>): string {
  const parts = new Map<string, boolean>();
  for (const raw of new Set((licenses ?? []).map((l) => l.trim()).filter((l) => l.length > 0))) {
    const parsed = parseSpdxExpression(raw);
    if (parsed) parts.set(parsed.expression, parsed.compound);
    else parts.set(refs.get(raw)!, false);
  }
  if (parts.size === 0) return NOASSERTION;
  if (parts.size === 1) return [...parts.keys()][0]!;
  return [...parts].map(([text, compound]) => (compound ? `(${text})` : text)).join(' AND ');
}

function layerSourceInfo(pkg: Package): string {
  const found = `found by ${pkg.foundBy}${pkg.locations.length ? ` in ${pkg.locations.join(', ')}` : ''}`;
  const layer = pkg.layer
    ? `; introduced by layer ${pkg.layer.index} (${pkg.layer.diffID})${pkg.layer.createdBy ? `: ${pkg.layer.createdBy}` : ''}`
    : '';
  const source = pkg.source ? `; built from source package ${pkg.source.name} ${pkg.source.version}` : '';
  return `${found}${layer}${source}`;
}

function imagePackage(result: ScanResult): SpdxPackage {
  const t = result.target;
  const digest = imageDigest(t);
  const split = splitDigest(digest);
  const purl = imagePurl(t);
  const facts: string[] = [`source: ${t.sourceKind}`];
  if (t.configDigest) facts.push(`image id: ${t.configDigest}`);
  for (const tag of t.repoTags) facts.push(`tag: ${tag}`);
  for (const rd of t.repoDigests) facts.push(`repo digest: ${rd}`);
  if (t.platform) facts.push(`platform: ${[t.platform.os, t.platform.architecture, t.platform.variant].filter(Boolean).join('/')}`);
  facts.push(`layers: ${t.layers.length}`);
  const pkg: SpdxPackage = {
    SPDXID: IMAGE_ID,
    name: t.name,
    ...(digest ? { versionInfo: digest } : {}),
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: 'CONTAINER',
  };
  if (split) pkg.checksums = [{ algorithm: split.algorithm === 'sha256' ? 'SHA256' : 'SHA512', checksumValue: split.hex }];
  if (purl) pkg.externalRefs = [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl }];
  if (t.created && !Number.isNaN(new Date(t.created).getTime())) pkg.builtDate = spdxDate(t.created);
  pkg.comment = facts.join('; ');
  return pkg;
}

function osPackage(os: OsInfo): SpdxPackage {
  const pkg: SpdxPackage = {
    SPDXID: OS_ID,
    name: os.family,
    versionInfo: os.version,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    // The SPDX 2.3 JSON schema spells this enum value with an underscore
    // (the spec's prose writes OPERATING-SYSTEM); validators follow the schema.
    primaryPackagePurpose: 'OPERATING_SYSTEM',
    sourceInfo: `identified from ${os.source}`,
  };
  if (os.prettyName) pkg.description = os.prettyName;
  return pkg;
}

export function buildSpdxDocument(result: ScanResult, namespaceUuid: string = randomUUID()): Record<string, unknown> {
  const packages = uniquePackagesById(result.packages);
  const knownIds = new Set(packages.map((p) => p.id));

  const idOf = allocateIds(packages.map((p) => p.id), 'SPDXRef-Package-', 120, new Set([DOCUMENT_ID, IMAGE_ID, OS_ID]));

  const unparsedLicenses: string[] = [];
  for (const p of packages) {
    for (const l of p.licenses ?? []) {
      const t = l.trim();
      if (t && !parseSpdxExpression(t)) unparsedLicenses.push(t);
    }
  }
  const licenseRefOf = allocateIds(unparsedLicenses, 'LicenseRef-', 64, new Set());

  const spdxPackages: SpdxPackage[] = [imagePackage(result)];
  if (result.os) spdxPackages.push(osPackage(result.os));
  for (const p of packages) {
    const entry: SpdxPackage = {
      SPDXID: idOf.get(p.id)!,
      name: p.name,
      versionInfo: displayVersion(p),
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: declaredLicense(p.licenses, licenseRefOf),
      copyrightText: NOASSERTION,
      sourceInfo: layerSourceInfo(p),
    };
    if (p.purl) entry.externalRefs = [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }];
    spdxPackages.push(entry);
  }

  const relationships: SpdxRelationship[] = [
    { spdxElementId: DOCUMENT_ID, relationshipType: 'DESCRIBES', relatedSpdxElement: IMAGE_ID },
  ];
  if (result.os) relationships.push({ spdxElementId: IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: OS_ID });
  for (const p of packages) {
    relationships.push({ spdxElementId: IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: idOf.get(p.id)! });
  }
  for (const p of packages) {
    for (const dep of [...new Set(p.dependencies ?? [])].sort(compareStrings)) {
      if (!knownIds.has(dep) || dep === p.id) continue;
      relationships.push({ spdxElementId: idOf.get(p.id)!, relationshipType: 'DEPENDS_ON', relatedSpdxElement: idOf.get(dep)! });
    }
  }
  // SPDX 2.3 has no "installed by": CONTAINS is the relationship for "the OS package's
  // files include this package's files", which is what ownedBy records.
  for (const p of packages) {
    if (p.ownedBy === undefined || !knownIds.has(p.ownedBy) || p.ownedBy === p.id) continue;
    relationships.push({
      spdxElementId: idOf.get(p.ownedBy)!,
      relationshipType: 'CONTAINS',
      relatedSpdxElement: idOf.get(p.id)!,
      comment: 'installed by this OS package',
    });
  }

  const extracted: SpdxExtractedLicense[] = [...licenseRefOf]
    .map(([text, licenseId]) => ({ licenseId, name: text, extractedText: text }))
    .sort((a, b) => compareStrings(a.licenseId, b.licenseId));

  const doc: Record<string, unknown> = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: DOCUMENT_ID,
    name: result.target.name,
    documentNamespace: `https://spdx.org/spdxdocs/stockade-${result.tool.version}/${encodeURIComponent(result.target.name)}-${namespaceUuid}`,
    creationInfo: {
      creators: [`Tool: stockade-${result.tool.version}`],
      created: spdxDate(result.createdAt),
    },
    packages: spdxPackages,
    relationships,
  };
  if (extracted.length > 0) doc['hasExtractedLicensingInfos'] = extracted;
  return doc;
}

export const spdxJsonWriter: Writer = {
  id: 'spdx-json',
  description: 'SPDX 2.3 JSON software bill of materials',
  write(result: ScanResult): string {
    return `${JSON.stringify(buildSpdxDocument(result), null, 2)}\n`;
  },
};
