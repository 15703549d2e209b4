/**
 * Reads an existing SBOM (CycloneDX 1.x JSON or SPDX 2.x JSON, ours or another
 * tool's) back into the inventory shape, so `stockade sbom FILE` runs the same
 * matcher as an image scan. Packages come from purls; the OS from the SBOM's
 * operating-system component/package, else from a `distro=` purl qualifier; the
 * source package of a deb from CycloneDX pedigree, Trivy's SrcName/SrcVersion
 * properties, or syft's `upstream=` qualifier.
 */
import { readFile, stat } from 'node:fs/promises';
import { PackageURL } from 'packageurl-js';
import { StockadeError } from '../core/errors.js';
import type { Ecosystem, ImageInfo, OsInfo, Package, ScanResult } from '../core/types.js';
import { TOOL_VERSION } from '../core/version.js';
import { isRecord, parseJsonObject, type JsonRecord } from '../inventory/parse-input.js';

const MAX_SBOM_BYTES = 256 * 1024 * 1024;
const MAX_DEPTH = 64;

const PURL_ECOSYSTEMS: Record<string, Ecosystem> = {
  deb: 'deb',
  apk: 'apk',
  rpm: 'rpm',
  npm: 'npm',
  pypi: 'pypi',
  golang: 'golang',
  maven: 'maven',
  gem: 'gem',
  cargo: 'cargo',
  composer: 'composer',
  nuget: 'nuget',
};

interface Candidate {
  purl: string;
  bomRef?: string;
  source?: { name: string; version: string };
  location?: string;
}

/** purl -> our package naming: npm `@scope/name`, Maven `group:artifact`, Go `host/path`. */
export function packageFromPurl(purl: string): Omit<Package, 'id' | 'locations' | 'foundBy'> | undefined {
  let p: PackageURL;
  try {
    p = PackageURL.fromString(purl);
  } catch {
    return undefined;
  }
  const ecosystem = PURL_ECOSYSTEMS[p.type];
  if (!ecosystem || !p.version) return undefined;
  let name = p.name;
  if (ecosystem === 'npm' && p.namespace) name = `${p.namespace}/${p.name}`;
  else if (ecosystem === 'maven' && p.namespace) name = `${p.namespace}:${p.name}`;
  else if ((ecosystem === 'golang' || ecosystem === 'composer') && p.namespace) name = `${p.namespace}/${p.name}`;
  const q = (p.qualifiers ?? {}) as Record<string, string>;
  const pkg: Omit<Package, 'id' | 'locations' | 'foundBy'> = { ecosystem, name, version: p.version, purl };
  if (q['arch']) pkg.arch = q['arch'];
  if (q['epoch'] && /^\d+$/.test(q['epoch'])) {
    pkg.epoch = Number(q['epoch']);
    // deb versions carry the epoch inline, as dpkg prints them.
    if (ecosystem === 'deb' && !p.version.includes(':')) pkg.version = `${q['epoch']}:${p.version}`;
  }
  const upstream = q['upstream'];
  if (upstream) {
    const m = /^([^@]+)(?:@(.+))?$/.exec(upstream);
    if (m?.[1]) pkg.source = { name: m[1], version: m[2] ?? pkg.version };
  }
  return pkg;
}

function osFromDistro(purls: string[]): OsInfo | undefined {
  for (const purl of purls) {
    const m = /[?&]distro=([a-z-]+?)-(\d[\w.]*)/.exec(purl);
    if (m?.[1] && m[2]) return { family: m[1], version: m[2], source: 'sbom purl distro qualifier' };
  }
  return undefined;
}

function stringAt(r: JsonRecord, key: string): string | undefined {
  const v = r[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function readCycloneDx(doc: JsonRecord, label: string): { candidates: Candidate[]; os?: OsInfo; name?: string } {
  const candidates: Candidate[] = [];
  let os: OsInfo | undefined;
  const visit = (components: unknown, depth: number) => {
    if (!Array.isArray(components) || depth > MAX_DEPTH) return;
    for (const c of components) {
      if (!isRecord(c)) continue;
      if (c['type'] === 'operating-system') {
        const name = stringAt(c, 'name');
        const version = stringAt(c, 'version');
        if (name && version) os = { family: name.toLowerCase(), version, source: `${label} (operating-system component)` };
      }
      const purl = stringAt(c, 'purl');
      if (purl) {
        const cand: Candidate = { purl };
        const ref = stringAt(c, 'bom-ref');
        if (ref) cand.bomRef = ref;
        const props = Array.isArray(c['properties']) ? (c['properties'] as unknown[]).filter(isRecord) : [];
        const prop = (n: string) => props.find((p) => p['name'] === n)?.['value'];
        const srcName = prop('aquasecurity:trivy:SrcName');
        const srcVersion = prop('aquasecurity:trivy:SrcVersion');
        if (typeof srcName === 'string') cand.source = { name: srcName, version: typeof srcVersion === 'string' ? srcVersion : '' };
        const pedigree = isRecord(c['pedigree']) ? c['pedigree'] : undefined;
        const ancestor = Array.isArray(pedigree?.['ancestors']) ? (pedigree?.['ancestors'] as unknown[]).find(isRecord) : undefined;
        const ancestorPurl = ancestor ? stringAt(ancestor, 'purl') : undefined;
        if (ancestorPurl) {
          try {
            const a = PackageURL.fromString(ancestorPurl);
            if (a.version) cand.source = { name: a.name, version: a.version };
          } catch {
            // not a purl: ignore the ancestor
          }
        }
        const evidence = isRecord(c['evidence']) ? c['evidence'] : undefined;
        const occ = Array.isArray(evidence?.['occurrences']) ? (evidence?.['occurrences'] as unknown[]).find(isRecord) : undefined;
        const loc = occ ? stringAt(occ, 'location') : undefined;
        if (loc) cand.location = loc;
        candidates.push(cand);
      }
      visit(c['components'], depth + 1);
    }
  };
  visit(doc['components'], 0);
  const meta = isRecord(doc['metadata']) ? doc['metadata'] : undefined;
  const component = meta && isRecord(meta['component']) ? meta['component'] : undefined;
  const name = component ? stringAt(component, 'name') : undefined;
  return { candidates, ...(os ? { os } : {}), ...(name ? { name } : {}) };
}

function readSpdx(doc: JsonRecord, label: string): { candidates: Candidate[]; os?: OsInfo; name?: string } {
  const candidates: Candidate[] = [];
  let os: OsInfo | undefined;
  const packages = Array.isArray(doc['packages']) ? (doc['packages'] as unknown[]).filter(isRecord) : [];
  for (const p of packages) {
    const purpose = stringAt(p, 'primaryPackagePurpose');
    if (purpose === 'OPERATING_SYSTEM' || purpose === 'OPERATING-SYSTEM') {
      const name = stringAt(p, 'name');
      const version = stringAt(p, 'versionInfo');
      if (name && version) os = { family: name.toLowerCase(), version, source: `${label} (operating-system package)` };
    }
    const refs = Array.isArray(p['externalRefs']) ? (p['externalRefs'] as unknown[]).filter(isRecord) : [];
    for (const r of refs) {
      if (r['referenceType'] !== 'purl') continue;
      const purl = stringAt(r, 'referenceLocator');
      if (purl) candidates.push({ purl, ...(stringAt(p, 'SPDXID') ? { bomRef: stringAt(p, 'SPDXID') as string } : {}) });
    }
  }
  const name = stringAt(doc, 'name');
  return { candidates, ...(os ? { os } : {}), ...(name ? { name } : {}) };
}

export async function readSbom(path: string): Promise<ScanResult> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) throw new StockadeError('not_found', path, 'no such file');
  if (st.size > MAX_SBOM_BYTES) throw new StockadeError('limit_exceeded', path, `SBOM is ${st.size} bytes, over the ${MAX_SBOM_BYTES}-byte limit`);
  const doc = parseJsonObject(path, await readFile(path));
  let parsed: { candidates: Candidate[]; os?: OsInfo; name?: string };
  let format: string;
  if (doc['bomFormat'] === 'CycloneDX') {
    parsed = readCycloneDx(doc, path);
    format = `CycloneDX ${String(doc['specVersion'] ?? '')}`.trim();
  } else if (typeof doc['spdxVersion'] === 'string') {
    parsed = readSpdx(doc, path);
    format = String(doc['spdxVersion']);
  } else {
    throw new StockadeError('unsupported_format', path, 'not a CycloneDX or SPDX JSON document (XML and tag-value SBOMs are not read)');
  }
  const os = parsed.os ?? osFromDistro(parsed.candidates.map((c) => c.purl));
  const packages: Package[] = [];
  const seen = new Set<string>();
  for (const c of parsed.candidates) {
    const base = packageFromPurl(c.purl);
    if (!base) continue;
    const key = `${c.purl}\0${c.location ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const pkg: Package = { ...base, id: c.bomRef ?? c.purl, locations: c.location ? [c.location] : [], foundBy: `sbom:${format}` };
    if (c.source && c.source.name) pkg.source = { name: c.source.name, version: c.source.version || pkg.version };
    packages.push(pkg);
  }
  // Ids must be unique within a result.
  const counts = new Map<string, number>();
  for (const p of packages) {
    const n = (counts.get(p.id) ?? 0) + 1;
    counts.set(p.id, n);
    if (n > 1) p.id = `${p.id}#${n}`;
  }
  const target: ImageInfo = { name: parsed.name ?? path, sourceKind: 'sbom', repoTags: [], repoDigests: [], layers: [] };
  return {
    schemaVersion: 1,
    tool: { name: 'stockade', version: TOOL_VERSION },
    createdAt: new Date().toISOString(),
    target,
    ...(os ? { os } : {}),
    packages,
    warnings: [],
  };
}
