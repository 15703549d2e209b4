/**
 * pnpm lockfiles, `pnpm-lock.yaml`, in the three key styles pnpm has written:
 *
 * - lockfileVersion 5.x (pnpm 5-7): `/name/1.0.0`, `/@scope/name/1.0.0`, peer
 *   resolutions appended after `_` (`/react-dom/18.2.0_react@18.2.0`);
 * - 6.x (pnpm 8): `/name@1.0.0`, peers in parentheses (`/react-dom@18.2.0(react@18.2.0)`);
 * - 9.x (pnpm 9+): no leading slash; `packages` holds one entry per name@version and
 *   `snapshots` one per peer variant, with the dependency lists.
 *
 * Entries for non-registry sources (git, tarball URLs) carry `name`/`version` fields,
 * which win over the key. Local directories (`file:` / `link:`) are the project's own
 * code and are left out. 5.x and 6.x record `dev: true|false` per package; 9.x does
 * not, so there the flag is absent. Peer variants of one name@version are one package.
 */
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { npmPurl, isProjectLockfile } from './npm-package-json.js';
import { MAX_VERSION_LENGTH, isRecord, objectKeys, parseYamlDocument, stringField, type JsonRecord } from '../parse-input.js';

interface NameVersion {
  name: string;
  version: string;
}

/**
 * Name and version from a package key. `slashStyle` is lockfile 5.x
 * (`/name/version_peers`); otherwise `name@version(peers)` with an optional leading `/`.
 */
export function parsePnpmKey(key: string, slashStyle: boolean): NameVersion | undefined {
  let k = key.startsWith('/') ? key.slice(1) : key;
  if (!slashStyle) {
    const paren = k.indexOf('(');
    if (paren !== -1) k = k.slice(0, paren);
    const at = k.indexOf('@', 1); // skip a scope's leading @
    if (at <= 0 || at === k.length - 1) return undefined;
    return { name: k.slice(0, at), version: k.slice(at + 1) };
  }
  const parts = k.split('/');
  const nameParts = k.startsWith('@') ? 2 : 1;
  // More segments than name/version: a registry-host or git key; the entry's own
  // name/version fields say what it is.
  if (parts.length !== nameParts + 1) return undefined;
  const name = parts.slice(0, nameParts).join('/');
  let version = parts[nameParts]!;
  const peers = version.indexOf('_'); // 5.x appends peer resolutions after `_`
  if (peers !== -1) version = version.slice(0, peers);
  if (name === '' || version === '') return undefined;
  return { name, version };
}

function isLocalEntry(key: string, entry: JsonRecord): boolean {
  const resolution = entry['resolution'];
  if (isRecord(resolution) && typeof resolution['directory'] === 'string') return true;
  return key.startsWith('file:') || key.includes('@file:') || key.startsWith('link:') || key.includes('@link:');
}

interface Collected {
  pkg: ExtractedPackage;
  dev: boolean | undefined;
  optional: boolean;
  /** Set once a 9.x snapshot of this package is seen. */
  snapshotOptional?: boolean;
}

/** Reads a pnpm lockfile. Exported for the tests. */
export function parsePnpmLock(path: string, bytes: Buffer): Extraction {
  const doc = parseYamlDocument(path, bytes.toString('utf8'));
  if (!isRecord(doc)) throw new StockadeError('malformed_input', path, 'pnpm-lock.yaml root is not a mapping');
  const lockfileVersion = stringField(doc, 'lockfileVersion');
  if (!lockfileVersion) throw new StockadeError('malformed_input', path, 'pnpm-lock.yaml has no lockfileVersion');
  const major = Number.parseInt(lockfileVersion, 10);
  if (!Number.isFinite(major)) throw new StockadeError('malformed_input', path, `unknown lockfileVersion "${lockfileVersion}"`);
  const slashStyle = major <= 5;
  const packages = doc['packages'] ?? {};
  if (!isRecord(packages)) throw new StockadeError('malformed_input', path, '"packages" is not a mapping');
  const snapshots = doc['snapshots'] ?? {};
  if (!isRecord(snapshots)) throw new StockadeError('malformed_input', path, '"snapshots" is not a mapping');

  const warnings: string[] = [];
  const byId = new Map<string, Collected>();
  const idOf = (key: string, entry: JsonRecord): NameVersion | undefined => {
    const fromKey = parsePnpmKey(key, slashStyle);
    const name = stringField(entry, 'name') ?? fromKey?.name;
    const version = stringField(entry, 'version') ?? fromKey?.version;
    return name && version ? { name, version } : undefined;
  };

  for (const [key, value] of Object.entries(packages)) {
    if (!isRecord(value)) {
      warnings.push(`package "${key}" is not a mapping; skipped`);
      continue;
    }
    if (isLocalEntry(key, value)) continue;
    const nv = idOf(key, value);
    if (!nv || nv.version.length > MAX_VERSION_LENGTH) {
      warnings.push(`package "${key}" has no readable name and version; skipped`);
      continue;
    }
    const deps = [...objectKeys(value, 'dependencies'), ...objectKeys(value, 'optionalDependencies')];
    // failsafe YAML: booleans are the strings "true"/"false".
    const dev = value['dev'] === 'true' ? true : value['dev'] === 'false' ? false : undefined;
    const optional = value['optional'] === 'true';
    const id = `${nv.name}@${nv.version}`;
    const seen = byId.get(id);
    if (seen) {
      // Peer variants: dev only if every variant is; dependencies are the union.
      seen.dev = seen.dev === undefined || dev === undefined ? undefined : seen.dev && dev;
      seen.optional &&= optional;
      for (const d of deps) if (!seen.pkg.dependsOn?.includes(d)) (seen.pkg.dependsOn ??= []).push(d);
      continue;
    }
    const purl = npmPurl(nv.name, nv.version);
    if (!purl) {
      warnings.push(`package "${key}" names no valid npm package; skipped`);
      continue;
    }
    const pkg: ExtractedPackage = { ecosystem: 'npm', name: nv.name, version: nv.version, purl };
    if (deps.length > 0) pkg.dependsOn = [...new Set(deps)];
    byId.set(id, { pkg, dev, optional });
  }

  // 9.x: dependency lists live in snapshots, one per peer variant.
  for (const [key, value] of Object.entries(snapshots)) {
    if (!isRecord(value)) {
      warnings.push(`snapshot "${key}" is not a mapping; skipped`);
      continue;
    }
    const nv = parsePnpmKey(key, false);
    const seen = nv ? byId.get(`${nv.name}@${nv.version}`) : undefined;
    if (!seen) continue; // local or already warned about
    for (const d of [...objectKeys(value, 'dependencies'), ...objectKeys(value, 'optionalDependencies')]) {
      if (!seen.pkg.dependsOn?.includes(d)) (seen.pkg.dependsOn ??= []).push(d);
    }
    // 9.x marks optional per snapshot: optional only if every variant is.
    const variantOptional = value['optional'] === 'true';
    seen.snapshotOptional = seen.snapshotOptional === undefined ? variantOptional : seen.snapshotOptional && variantOptional;
  }

  const out: ExtractedPackage[] = [];
  for (const { pkg, dev, optional, snapshotOptional } of byId.values()) {
    const metadata: Record<string, boolean> = {};
    if (dev === true) metadata['dev'] = true;
    if (snapshotOptional ?? optional) metadata['optional'] = true;
    if (Object.keys(metadata).length > 0) pkg.metadata = metadata;
    out.push(pkg);
  }
  const result: Extraction = { packages: out };
  if (warnings.length > 0) result.warnings = warnings;
  return result;
}

const LOCK_NAME = 'pnpm-lock.yaml';

export const pnpmLockExtractor: BufferExtractor = {
  id: 'pnpm-lock',
  version: 1,
  kind: 'buffer',
  wants(path: string, _meta: FileMeta): boolean {
    return isProjectLockfile(path, LOCK_NAME);
  },
  extract({ path, bytes }): Extraction {
    return parsePnpmLock(path, bytes);
  },
};
