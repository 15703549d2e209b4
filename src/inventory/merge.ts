/**
 * Layer analyses -> the image's inventory. Pure: no I/O. Applies layers in order
 * (whiteouts, overwrites), keeps only what the final filesystem still holds, finds
 * the layer that introduced each package, picks the OS, links language packages to
 * the OS package that installed them, and resolves dependency names to ids.
 */
import type { Ecosystem, ExtractedPackage, LayerRef, OsInfo, Package, ScanWarning } from '../core/types.js';
import { FilesystemView } from '../image/filesystem-view.js';
import type { ExtractionRecord, LayerAnalysis } from '../image/layer-analysis.js';
import { withDistro } from './purl.js';
import { pushTo } from '../core/multimap.js';

export interface Inventory {
  os?: OsInfo;
  packages: Package[];
  warnings: ScanWarning[];
  view: FilesystemView;
}

interface LiveRecord {
  record: ExtractionRecord;
  layer: number;
}

const OS_ECOSYSTEMS: ReadonlySet<Ecosystem> = new Set(['deb', 'apk', 'rpm']);

function identity(p: ExtractedPackage): string {
  return `${p.ecosystem}|${p.name}|${p.version}|${p.arch ?? ''}`;
}

/** Lower rank wins: os-release is the standard; release files are fallbacks. */
function osSourceRank(source: string): number {
  const s = source.replace(/^\//, '');
  if (s === 'etc/os-release') return 0;
  if (s === 'usr/lib/os-release') return 1;
  return 2;
}

export function mergeLayers(layers: LayerAnalysis[], layerRefs: LayerRef[] | undefined): Inventory {
  const view = new FilesystemView();
  const live = new Map<string, LiveRecord>(); // key: extractor \0 path
  const history = new Map<string, Array<{ layer: number; ids: Set<string> }>>();
  const warnings: ScanWarning[] = [];

  layers.forEach((analysis, index) => {
    view.apply(analysis, index);
    warnings.push(...analysis.warnings.map((w) => (layerRefs ? { ...w, input: w.input.startsWith('/') ? `${w.input} (layer ${index})` : w.input } : w)));
    for (const record of analysis.extractions) {
      const key = `${record.extractor}\0${record.path}`;
      live.set(key, { record, layer: index });
      const ids = new Set((record.result.packages ?? []).map(identity));
      const h = history.get(key) ?? [];
      h.push({ layer: index, ids });
      history.set(key, h);
    }
    // Drop results for files this layer deleted or overwrote.
    for (const [key, value] of live) {
      const node = view.nodes.get(value.record.path);
      if (!node || node.layer !== value.layer) {
        if (!(node && value.layer === index)) live.delete(key);
      }
    }
  });

  const records = [...live.values()].sort((a, b) => (a.record.path < b.record.path ? -1 : a.record.path > b.record.path ? 1 : a.record.extractor.localeCompare(b.record.extractor)));

  // OS identity.
  let os: OsInfo | undefined;
  for (const { record } of records) {
    const candidate = record.result.os;
    if (candidate && (!os || osSourceRank(candidate.source) < osSourceRank(os.source))) os = candidate;
  }

  // Packages with their introducing layer.
  const packages: Package[] = [];
  for (const { record, layer } of records) {
    for (const w of record.result.warnings ?? []) warnings.push({ input: `/${record.path}`, message: `${record.extractor}: ${w}` });
    const key = `${record.extractor}\0${record.path}`;
    const chain = history.get(key) ?? [];
    for (const extracted of record.result.packages ?? []) {
      const id = identity(extracted);
      let introduced = layer;
      for (let i = chain.length - 1; i >= 0; i--) {
        const step = chain[i] as { layer: number; ids: Set<string> };
        if (step.layer > layer) continue;
        if (!step.ids.has(id)) break;
        introduced = step.layer;
      }
      const { files: _files, ...rest } = extracted;
      const pkg: Package = {
        ...rest,
        purl: OS_ECOSYSTEMS.has(extracted.ecosystem) ? withDistro(extracted.purl, os) : extracted.purl,
        id: '',
        locations: [`/${record.path}`],
        foundBy: record.extractor,
      };
      const ref = layerRefs?.[introduced];
      if (ref) pkg.layer = ref;
      packages.push(pkg);
    }
  }

  const kept = preferInstalledTree(packages, view);
  packages.length = 0;
  packages.push(...kept);
  assignIds(packages);
  linkOwnership(records, packages, view);
  resolveDependencies(records, packages);
  return { ...(os ? { os } : {}), packages, warnings, view };
}

/**
 * Lockfiles say what *would* be installed; an image's node_modules says what *is*.
 * When a lockfile's directory has an installed tree in the final filesystem, the
 * installed packages are the truth: the lockfile's own entries are dropped (a stale
 * lock would otherwise report versions that are not there), and the lockfile is
 * added as a location of the installed packages it agrees with.
 */
const LOCKFILE_TREES: Record<string, string> = {
  'npm-package-lock': 'node_modules',
  'yarn-lock': 'node_modules',
  'pnpm-lock': 'node_modules',
};

function preferInstalledTree(packages: Package[], view: FilesystemView): Package[] {
  const installed = new Map<string, Package[]>();
  for (const p of packages) {
    if (LOCKFILE_TREES[p.foundBy]) continue;
    const key = `${p.ecosystem}|${p.name}|${p.version}`;
    pushTo(installed, key, p);
  }
  return packages.filter((p) => {
    const tree = LOCKFILE_TREES[p.foundBy];
    const lock = p.locations[0] ?? '';
    if (!tree) return true;
    const dir = lock.slice(1, lock.lastIndexOf('/'));
    const treeDir = dir ? `${dir}/${tree}` : tree;
    if (!view.isDirectory(treeDir)) return true;
    const twin = installed.get(`${p.ecosystem}|${p.name}|${p.version}`)?.find((i) => (i.locations[0] ?? '').startsWith(`/${treeDir}/`));
    if (twin && !twin.locations.includes(lock)) twin.locations.push(lock);
    return false;
  });
}

function assignIds(packages: Package[]): void {
  packages.sort((a, b) => cmp(a.ecosystem, b.ecosystem) || cmp(a.name, b.name) || cmp(a.version, b.version) || cmp(a.locations[0] ?? '', b.locations[0] ?? ''));
  const seen = new Map<string, number>();
  for (const p of packages) {
    const n = (seen.get(p.purl) ?? 0) + 1;
    seen.set(p.purl, n);
    p.id = n === 1 ? p.purl : `${p.purl}#${n}`;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Maps every file an OS package installed (canonical path, symlinked directories such
 * as usr-merge's /lib -> usr/lib resolved) to that package, then marks language
 * packages found at one of those paths as owned by it.
 */
function linkOwnership(records: LiveRecord[], packages: Package[], view: FilesystemView): void {
  const osPackages = new Map<string, Package[]>(); // `${ecosystem}|${name}` -> packages
  for (const p of packages) {
    if (!OS_ECOSYSTEMS.has(p.ecosystem)) continue;
    for (const key of [`${p.ecosystem}|${p.name}`, `${p.ecosystem}|${p.name}:${p.arch ?? ''}`]) {
      const list = osPackages.get(key) ?? [];
      list.push(p);
      osPackages.set(key, list);
    }
  }
  const dirCache = new Map<string, string>();
  const canonical = (absPath: string): string => {
    const rel = absPath.replace(/^\/+/, '');
    const slash = rel.lastIndexOf('/');
    if (slash === -1) return rel;
    const dir = rel.slice(0, slash);
    let resolved = dirCache.get(dir);
    if (resolved === undefined) {
      resolved = view.resolve(dir) ?? dir;
      dirCache.set(dir, resolved);
    }
    return resolved ? `${resolved}/${rel.slice(slash + 1)}` : rel.slice(slash + 1);
  };

  // The package each OS record became, found by where it came from (one map, not a search per record).
  const byOrigin = new Map<string, Package>();
  for (const p of packages) if (OS_ECOSYSTEMS.has(p.ecosystem)) byOrigin.set(`${p.foundBy}\0${p.locations[0] ?? ''}\0${identity(p)}`, p);
  const owner = new Map<string, string>();
  const claim = (files: string[], pkg: Package) => {
    for (const f of files) owner.set(canonical(f), pkg.id);
  };
  for (const { record } of records) {
    for (const o of record.result.ownership ?? []) {
      const pkg = osPackages.get(`${o.ecosystem}|${o.packageName}`)?.[0];
      if (pkg) claim(o.files, pkg);
    }
    for (const extracted of record.result.packages ?? []) {
      if (!OS_ECOSYSTEMS.has(extracted.ecosystem) || !extracted.files?.length) continue;
      const pkg = byOrigin.get(`${record.extractor}\0/${record.path}\0${identity(extracted)}`);
      if (pkg) claim(extracted.files, pkg);
    }
  }
  if (owner.size === 0) return;
  for (const p of packages) {
    if (OS_ECOSYSTEMS.has(p.ecosystem)) continue;
    for (const loc of p.locations) {
      const rel = loc.replace(/^\/+/, '');
      const parent = rel.slice(0, Math.max(0, rel.lastIndexOf('/')));
      const candidates = [rel];
      // dist-info / egg-info directories are listed by the OS package, sometimes not their files.
      if (/\.(dist-info|egg-info)$/.test(parent)) candidates.push(parent);
      const hit = candidates.map((c) => owner.get(c)).find((x) => x !== undefined);
      if (hit) {
        p.ownedBy = hit;
        break;
      }
    }
  }
}

/**
 * Turns dependency names into package ids: prefer a package from the same manifest,
 * then (npm installed trees) the nearest enclosing node_modules, then a unique
 * package of that name in the same ecosystem.
 */
function resolveDependencies(records: LiveRecord[], packages: Package[]): void {
  const byName = new Map<string, Package[]>();
  for (const p of packages) {
    const key = `${p.ecosystem}|${p.name}`;
    const list = byName.get(key) ?? [];
    list.push(p);
    byName.set(key, list);
  }
  void records;
  for (const p of packages) {
    if (!p.dependsOn?.length) continue;
    const ids = new Set<string>();
    for (const name of p.dependsOn) {
      const candidates = byName.get(`${p.ecosystem}|${name}`);
      if (!candidates?.length) continue;
      const here = p.locations[0] ?? '';
      let match = candidates.find((c) => c.locations[0] === here);
      if (!match && p.ecosystem === 'npm') match = nearestNodeModules(here, name, candidates);
      if (!match && candidates.length === 1) match = candidates[0];
      if (match && match.id !== p.id) ids.add(match.id);
    }
    if (ids.size > 0) p.dependencies = [...ids].sort();
  }
}

function nearestNodeModules(from: string, name: string, candidates: Package[]): Package | undefined {
  // from: /app/node_modules/a/package.json -> look in /app/node_modules/a/node_modules/<name>, then up.
  let dir = from.slice(0, from.lastIndexOf('/'));
  while (dir.length > 0) {
    const want = `${dir}/node_modules/${name}/package.json`;
    const hit = candidates.find((c) => c.locations[0] === want);
    if (hit) return hit;
    const i = dir.lastIndexOf('/node_modules/');
    if (i === -1) {
      const top = `${dir}/node_modules/${name}/package.json`;
      return candidates.find((c) => c.locations[0] === top);
    }
    dir = dir.slice(0, i);
    if (dir === '') break;
  }
  return undefined;
}
