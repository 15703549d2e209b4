/**
 * SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/): one package for the image,
 * one for the operating system, one per inventory package, tied together with
 * DESCRIBES / CONTAINS / DEPENDS_ON relationships. License handling lives in
 * ../spdx-license.ts, image naming in ../image-identity.ts (the CycloneDX writer
 * shares both).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { OsInfo, Package, ScanResult } from '../../core/types.js';
import { imageDigest, imagePurl, splitDigest } from '../image-identity.js';
import { compareStrings, displayVersion, uniquePackagesById } from '../packages.js';
import { parseSpdxExpression } from '../spdx-license.js';
import type { Writer } from '../writer.js';

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
