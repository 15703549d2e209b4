/**
 * npm lockfiles: `package-lock.json` and `npm-shrinkwrap.json`.
 *
 * - lockfileVersion 1: a nested `dependencies` tree, one entry per installed copy,
 *   dependency names under `requires`.
 * - lockfileVersion 2 and 3: a flat `packages` map keyed by install path
 *   (`node_modules/a/node_modules/@s/b`); v2 also carries the v1 tree for old npm
 *   clients, which we ignore when `packages` is present.
 *
 * What is left out, on purpose: the root entry (`""`, the project itself), `link: true`
 * entries and entries outside any `node_modules` (workspace members and `file:`
 * directories: the project's own code, recorded under their own keys), and lockfiles
 * that sit inside `node_modules` (a dependency's own lockfile is not what was installed).
 * The same name@version installed at several paths is reported once; it counts as
 * dev (or optional) only when every copy is.
 */
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { npmPurl, packageJsonLicenses } from './npm-package-json.js';
import { type JsonRecord, MAX_VERSION_LENGTH, isRecord, objectKeys, parseJsonObject, stringField } from '../parse-input.js';

const NODE_MODULES_SEGMENT = 'node_modules/';

/** What one lockfile entry says, before copies of the same package are merged. */
interface LockEntry {
  name: string;
  version: string;
  dev: boolean;
  optional: boolean;
  devOptional: boolean;
  peer: boolean;
  bundled: boolean;
  commit?: string;
  licenses: string[];
  dependsOn: string[];
}

/** `node_modules/a/node_modules/@s/b` -> `@s/b`. */
export function nameFromInstallPath(key: string): string {
  const at = key.lastIndexOf(NODE_MODULES_SEGMENT);
  return at === -1 ? key : key.slice(at + NODE_MODULES_SEGMENT.length);
}

/** Splits `name@version` at the version's `@`, allowing a leading scope `@`. */
function splitNameAtVersion(spec: string): { name: string; version: string } | undefined {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return undefined;
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}

/** Commit of a git-hosted dependency (`git+ssh://…#<sha>`, `github:u/r#<sha>`). */
function gitCommit(spec: string): string | undefined {
  const hash = spec.lastIndexOf('#');
  if (hash === -1) return undefined;
  const commit = spec.slice(hash + 1);
  return /^[0-9a-f]{7,64}$/i.test(commit) ? commit : undefined;
}

function isGitSpec(spec: string): boolean {
  return (
    spec.startsWith('git') || // git:, git+ssh:, git+https:, github:, gitlab:
    spec.startsWith('bitbucket:') ||
    spec.startsWith('gist:') ||
    ((spec.startsWith('http:') || spec.startsWith('https:')) && spec.includes('.git'))
  );
}

/** A local directory or tarball: the project's own code, not a registry package. */
function isLocalSpec(spec: string): boolean {
  return spec.startsWith('file:') || spec.startsWith('link:');
}

/**
 * A v1 `version` field: a plain version, `npm:<real-name>@<version>` for an alias, a
 * git spec, or a local path. Returns name/version/commit, or a reason to skip.
 */
function readV1Version(
  key: string,
  raw: string,
): { name: string; version: string; commit?: string } | { skip: 'local' | 'bad' } {
  if (raw.startsWith('npm:')) {
    const aliased = splitNameAtVersion(raw.slice(4));
    return aliased && aliased.version !== '' ? aliased : { skip: 'bad' };
  }
  if (isLocalSpec(raw)) return { skip: 'local' };
  if (isGitSpec(raw)) {
    // The lock records where the code came from, not a registry version; the commit
    // is the only identity it has.
    const commit = gitCommit(raw);
    return commit ? { name: key, version: '', commit } : { name: key, version: '' };
  }
  return { name: key, version: raw };
}

function flag(entry: JsonRecord, key: string): boolean {
  return entry[key] === true;
}

/** v1: walk the nested `dependencies` tree with an explicit stack (no recursion). */
function readV1Tree(root: JsonRecord, warnings: string[]): LockEntry[] {
  const out: LockEntry[] = [];
  const stack: Array<{ tree: JsonRecord; where: string }> = [{ tree: root, where: '' }];
  while (stack.length > 0) {
    const { tree, where } = stack.pop()!;
    for (const [key, value] of Object.entries(tree)) {
      const label = where ? `${where} > ${key}` : key;
      if (!isRecord(value)) {
        warnings.push(`dependency "${label}" is not an object; skipped`);
        continue;
      }
      const nested = value['dependencies'];
      if (isRecord(nested)) stack.push({ tree: nested, where: label });
      const rawVersion = stringField(value, 'version');
      if (!rawVersion || rawVersion.length > MAX_VERSION_LENGTH) {
        warnings.push(`dependency "${label}" has no usable version; skipped`);
        continue;
      }
      const read = readV1Version(key, rawVersion);
      if ('skip' in read) {
        if (read.skip === 'bad') warnings.push(`dependency "${label}" has an unreadable alias "${rawVersion}"; skipped`);
        continue;
      }
      const entry: LockEntry = {
        name: read.name,
        version: read.version,
        dev: flag(value, 'dev'),
        optional: flag(value, 'optional'),
        devOptional: false,
        peer: flag(value, 'peer'),
        bundled: flag(value, 'bundled'),
        licenses: [],
        dependsOn: objectKeys(value, 'requires'),
      };
      if (read.commit) entry.commit = read.commit;
      out.push(entry);
    }
  }
  return out;
}

/** v2/v3: the flat `packages` map. */
function readPackagesMap(packages: JsonRecord, warnings: string[]): LockEntry[] {
  const out: LockEntry[] = [];
  for (const [key, value] of Object.entries(packages)) {
    if (key === '') continue; // the project itself
    if (!isRecord(value)) {
      warnings.push(`package "${key}" is not an object; skipped`);
      continue;
    }
    if (value['link'] === true) continue; // its target has (or is) its own entry
    // Outside node_modules: a workspace member or a `file:` directory of the project.
    if (!key.startsWith(NODE_MODULES_SEGMENT) && !key.includes('/' + NODE_MODULES_SEGMENT)) continue;
    const name = stringField(value, 'name') ?? nameFromInstallPath(key);
    const version = stringField(value, 'version');
    const resolved = stringField(value, 'resolved');
    if (resolved && isLocalSpec(resolved)) continue;
    if (!version || version.length > MAX_VERSION_LENGTH) {
      warnings.push(`package "${key}" has no usable version; skipped`);
      continue;
    }
    const entry: LockEntry = {
      name,
      version,
      dev: flag(value, 'dev'),
      optional: flag(value, 'optional'),
      devOptional: flag(value, 'devOptional'),
      peer: flag(value, 'peer'),
      bundled: flag(value, 'inBundle'),
      licenses: packageJsonLicenses(value),
      dependsOn: [...objectKeys(value, 'dependencies'), ...objectKeys(value, 'optionalDependencies')],
    };
    const commit = resolved && isGitSpec(resolved) ? gitCommit(resolved) : undefined;
    if (commit) entry.commit = commit;
    out.push(entry);
  }
  return out;
}

/** Merges copies of one name@version and turns them into packages. */
function toPackages(entries: LockEntry[], warnings: string[]): ExtractedPackage[] {
  const merged = new Map<string, LockEntry>();
  for (const e of entries) {
    const id = `${e.name}@${e.version}#${e.commit ?? ''}`;
    const seen = merged.get(id);
    if (!seen) {
      merged.set(id, { ...e, dependsOn: [...e.dependsOn], licenses: [...e.licenses] });
      continue;
    }
    // A package is dev/optional/peer only if every installed copy is.
    seen.dev &&= e.dev;
    seen.optional &&= e.optional;
    seen.devOptional &&= e.devOptional;
    seen.peer &&= e.peer;
    seen.bundled &&= e.bundled;
    for (const d of e.dependsOn) if (!seen.dependsOn.includes(d)) seen.dependsOn.push(d);
  }
  const out: ExtractedPackage[] = [];
  for (const e of merged.values()) {
    const purl = npmPurl(e.name, e.version);
    if (!purl) {
      warnings.push(`package name "${e.name}" is not a valid npm name; skipped`);
      continue;
    }
    const pkg: ExtractedPackage = { ecosystem: 'npm', name: e.name, version: e.version, purl };
    if (e.licenses.length > 0) pkg.licenses = e.licenses;
    if (e.dependsOn.length > 0) pkg.dependsOn = e.dependsOn;
    const metadata: Record<string, string | boolean> = {};
    if (e.dev) metadata['dev'] = true;
    if (e.optional) metadata['optional'] = true;
    if (e.devOptional) metadata['devOptional'] = true;
    if (e.peer) metadata['peer'] = true;
    if (e.bundled) metadata['bundled'] = true;
    if (e.commit) metadata['commit'] = e.commit;
    if (Object.keys(metadata).length > 0) pkg.metadata = metadata;
    out.push(pkg);
  }
  return out;
}

/** Parses lockfile bytes. Exported for the tests. */
export function parsePackageLock(path: string, bytes: Buffer): Extraction {
  const doc = parseJsonObject(path, bytes);
  const warnings: string[] = [];
  let entries: LockEntry[];
  const packages = doc['packages'];
  const dependencies = doc['dependencies'];
  if (packages !== undefined) {
    if (!isRecord(packages)) throw new StockadeError('malformed_input', path, '"packages" is not an object');
    entries = readPackagesMap(packages, warnings);
  } else if (dependencies !== undefined) {
    if (!isRecord(dependencies)) throw new StockadeError('malformed_input', path, '"dependencies" is not an object');
    entries = readV1Tree(dependencies, warnings);
  } else {
    entries = [];
  }
  const result: Extraction = { packages: toPackages(entries, warnings) };
  if (warnings.length > 0) result.warnings = warnings;
  return result;
}

const LOCK_NAMES = ['package-lock.json', 'npm-shrinkwrap.json'] as const;

export const npmPackageLockExtractor: BufferExtractor = {
  id: 'npm-package-lock',
  version: 1,
  kind: 'buffer',
  wants(path: string, _meta: FileMeta): boolean {
    for (const name of LOCK_NAMES) {
      if (!path.endsWith(name)) continue;
      const start = path.length - name.length;
      if (start !== 0 && path.charCodeAt(start - 1) !== 0x2f /* / */) return false;
      // A dependency's own lockfile, shipped in its tarball, is not the install.
      return !path.startsWith(NODE_MODULES_SEGMENT) && !path.includes('/' + NODE_MODULES_SEGMENT);
    }
    return false;
  },
  extract({ path, bytes }): Extraction {
    return parsePackageLock(path, bytes);
  },
};
