/**
 * Yarn lockfiles, `yarn.lock`:
 *
 * - Yarn 1 ("classic"): its own indentation format, read with @yarnpkg/lockfile.
 *   Keys are descriptors `name@range` (several share an entry), values carry
 *   `version`, `resolved`, `dependencies`.
 * - Yarn 2+ ("berry"): YAML with a `__metadata` entry. Each entry has a
 *   `resolution` (`name@npm:1.2.3`, `name@patch:name@npm%3A1.2.3#…`,
 *   `app@workspace:.`) and a `version`.
 *
 * The project's own packages (workspace, `link:`, `portal:`, `file:` resolutions)
 * are left out: they are not third-party code. Aliases (`alias@npm:real@range`) are
 * reported under the real package name. Yarn records no dev/prod split.
 */
import type lockfileModule from '@yarnpkg/lockfile';
import { lazy } from '../../core/lazy.js';

const loadLockfile = lazy<typeof lockfileModule>('@yarnpkg/lockfile');
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { npmPurl, isProjectLockfile } from './npm-package-json.js';
import { type JsonRecord, MAX_VERSION_LENGTH, isRecord, parseYamlDocument, stringField } from '../parse-input.js';

/** Index of the `@` that ends the package name in `name@…` (a scope's `@` is skipped). */
function nameEnd(descriptor: string): number {
  return descriptor.indexOf('@', 1);
}

/** Resolutions that point at the project's own code, not at a published package. */
const LOCAL_PROTOCOLS = ['workspace:', 'link:', 'portal:', 'file:'];

function isLocal(rangeOrResolution: string): boolean {
  return LOCAL_PROTOCOLS.some((p) => rangeOrResolution.startsWith(p));
}

/**
 * The package a descriptor or resolution names: for `alias@npm:real@range` the real
 * name; for `name@patch:name@npm%3A…` the patched package; otherwise the name part.
 */
export function packageNameOf(descriptor: string): { name: string; range: string } | undefined {
  const at = nameEnd(descriptor);
  if (at <= 0) return undefined;
  const name = descriptor.slice(0, at);
  const range = descriptor.slice(at + 1);
  if (range.startsWith('npm:')) {
    const target = range.slice(4);
    const innerAt = nameEnd(target);
    // `npm:real@range` is an alias; `npm:^1.2.0` is a plain registry range.
    if (innerAt > 0 && !/^[\^~<>=*\d]/.test(target)) return { name: target.slice(0, innerAt), range: target.slice(innerAt + 1) };
  }
  return { name, range };
}

/** Dependency names, with `alias: npm:real@range` mapped to the real name. */
function dependencyNames(entry: JsonRecord): string[] {
  const out: string[] = [];
  for (const field of ['dependencies', 'optionalDependencies']) {
    const deps = entry[field];
    if (!isRecord(deps)) continue;
    for (const [depName, spec] of Object.entries(deps)) {
      const real = typeof spec === 'string' ? packageNameOf(`${depName}@${spec}`)?.name ?? depName : depName;
      if (!out.includes(real)) out.push(real);
    }
  }
  return out;
}

function commitOf(resolved: string | undefined): string | undefined {
  if (!resolved) return undefined;
  const hash = resolved.lastIndexOf('#');
  if (hash === -1) return undefined;
  const tail = resolved.slice(hash + 1);
  // `#commit=<sha>` (berry git) or `#<sha>` (classic git); registry URLs end `#<sha1 of tarball>`.
  const sha = tail.startsWith('commit=') ? tail.slice(7) : tail;
  return /^[0-9a-f]{40}$/i.test(sha) && !resolved.includes('.tgz') ? sha : undefined;
}

class PackageSet {
  readonly byId = new Map<string, ExtractedPackage>();
  readonly warnings: string[] = [];

  add(key: string, name: string, version: string, entry: JsonRecord, commit: string | undefined): void {
    if (version === '' || version.length > MAX_VERSION_LENGTH) {
      this.warnings.push(`entry "${key}" has no usable version; skipped`);
      return;
    }
    const id = `${name}@${version}`;
    const dependsOn = dependencyNames(entry);
    const seen = this.byId.get(id);
    if (seen) {
      for (const d of dependsOn) if (!seen.dependsOn?.includes(d)) (seen.dependsOn ??= []).push(d);
      return;
    }
    const purl = npmPurl(name, version);
    if (!purl) {
      this.warnings.push(`entry "${key}" names no valid npm package; skipped`);
      return;
    }
    const pkg: ExtractedPackage = { ecosystem: 'npm', name, version, purl };
    if (dependsOn.length > 0) pkg.dependsOn = dependsOn;
    if (commit) pkg.metadata = { commit };
    this.byId.set(id, pkg);
  }

  result(): Extraction {
    const out: Extraction = { packages: [...this.byId.values()] };
    if (this.warnings.length > 0) out.warnings = this.warnings;
    return out;
  }
}

/** Yarn 1. Every descriptor is its own key; several may share one entry object. */
function readClassic(path: string, text: string): Extraction {
  let parsed: ReturnType<typeof lockfileModule.parse>;
  try {
    parsed = loadLockfile().parse(text);
  } catch (e) {
    const why = e instanceof RangeError ? 'yarn.lock nested too deeply' : 'not a valid yarn.lock';
    throw new StockadeError('malformed_input', path, why, { cause: e });
  }
  // "merge"/"conflict": git conflict markers; the library already merged what it could.
  const root: unknown = parsed.object;
  if (!isRecord(root)) throw new StockadeError('malformed_input', path, 'yarn.lock has no entries object');
  const set = new PackageSet();
  for (const [key, value] of Object.entries(root)) {
    if (!isRecord(value)) {
      set.warnings.push(`entry "${key}" is not a mapping; skipped`);
      continue;
    }
    const named = packageNameOf(key);
    if (!named) {
      set.warnings.push(`entry "${key}" is not name@range; skipped`);
      continue;
    }
    const resolved = stringField(value, 'resolved');
    if (isLocal(named.range) || (resolved !== undefined && isLocal(resolved))) continue;
    set.add(key, named.name, stringField(value, 'version') ?? '', value, commitOf(resolved));
  }
  return set.result();
}

/** Yarn 2+. Names come from `resolution`, which is what was installed. */
function readBerry(doc: JsonRecord): Extraction {
  const set = new PackageSet();
  for (const [key, value] of Object.entries(doc)) {
    if (key === '__metadata') continue;
    if (!isRecord(value)) {
      set.warnings.push(`entry "${key}" is not a mapping; skipped`);
      continue;
    }
    const resolution = stringField(value, 'resolution');
    const named = resolution ? packageNameOf(resolution) : undefined;
    if (!resolution || !named) {
      set.warnings.push(`entry "${key}" has no usable resolution; skipped`);
      continue;
    }
    if (isLocal(named.range)) continue; // workspace:, link:, portal:, file:
    // `patch:` wraps the original descriptor; the name is already the patched package's.
    set.add(key, named.name, stringField(value, 'version') ?? '', value, commitOf(resolution));
  }
  return set.result();
}

/** Reads either generation of yarn.lock. Exported for the tests. */
export function parseYarnLock(path: string, bytes: Buffer): Extraction {
  const text = bytes.toString('utf8');
  // Berry files start with a comment header then `__metadata:`; classic ones never have it.
  if (/^__metadata:/m.test(text)) {
    const doc = parseYamlDocument(path, text);
    if (!isRecord(doc)) throw new StockadeError('malformed_input', path, 'yarn.lock root is not a mapping');
    return readBerry(doc);
  }
  return readClassic(path, text);
}

const LOCK_NAME = 'yarn.lock';

export const yarnLockExtractor: BufferExtractor = {
  id: 'yarn-lock',
  version: 1,
  kind: 'buffer',
  wants(path: string, _meta: FileMeta): boolean {
    return isProjectLockfile(path, LOCK_NAME);
  },
  extract({ path, bytes }): Extraction {
    return parseYarnLock(path, bytes);
  },
};
