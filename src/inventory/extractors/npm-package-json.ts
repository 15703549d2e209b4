/**
 * npm packages installed on disk: the `package.json` at the root of every package
 * directory under a `node_modules` folder (`node_modules/<name>/package.json` and
 * `node_modules/@scope/<name>/package.json`, at any depth of nesting).
 *
 * Only a package root counts: `node_modules/x/test/package.json` is a fixture or a
 * sub-module marker inside package x, not an installed package.
 *
 * The npm-name helpers here are shared with the lockfile extractors.
 */
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { buildPurl } from '../purl.js';
import { type JsonRecord, MAX_VERSION_LENGTH, isRecord, stringField, objectKeys, parseJsonObject } from '../parse-input.js';

const PACKAGE_JSON = '/package.json';
const NODE_MODULES = 'node_modules';

/** npm refuses names longer than this; anything longer is not a real package name. */
const MAX_NPM_NAME_LENGTH = 214;
/**
 * A lockfile named `name` at a project root: its own file name (not `x-name`), and not
 * inside node_modules, where a dependency's own lockfile says nothing about what was installed.
 */
export function isProjectLockfile(path: string, name: string): boolean {
  if (!path.endsWith(name)) return false;
  const start = path.length - name.length;
  if (start !== 0 && path.charCodeAt(start - 1) !== 0x2f /* / */) return false;
  return !path.startsWith('node_modules/') && !path.includes('/node_modules/');
}

/**
 * Splits `@scope/name` into purl namespace and name; undefined when the string is
 * not a plausible npm package name (empty parts, too long, a path).
 */
export function splitNpmName(fullName: string): { namespace?: string; name: string } | undefined {
  if (fullName === '' || fullName.length > MAX_NPM_NAME_LENGTH) return undefined;
  if (fullName.startsWith('@')) {
    const slash = fullName.indexOf('/');
    if (slash <= 1 || slash === fullName.length - 1 || fullName.indexOf('/', slash + 1) !== -1) return undefined;
    return { namespace: fullName.slice(0, slash), name: fullName.slice(slash + 1) };
  }
  if (fullName.includes('/')) return undefined;
  return { name: fullName };
}

/** `pkg:npm/...` for a full npm name, or undefined when the name is not valid. */
export function npmPurl(fullName: string, version: string): string | undefined {
  const parts = splitNpmName(fullName);
  if (!parts) return undefined;
  return buildPurl({ type: 'npm', namespace: parts.namespace, name: parts.name, version });
}

function licenseName(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (isRecord(value)) return stringField(value, 'type');
  return undefined;
}

/**
 * package.json licenses: the SPDX string, the deprecated `{type, url}` object, or the
 * older `licenses: [...]` array of either.
 */
export function packageJsonLicenses(doc: JsonRecord): string[] {
  const single = licenseName(doc['license']);
  if (single) return [single];
  const list = doc['licenses'];
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const item of list) {
    const name = licenseName(item);
    if (name) out.push(name);
  }
  return out;
}

/**
 * True for `…node_modules/<name>/package.json` and `…node_modules/@scope/<name>/package.json`.
 * Index arithmetic only: this runs for every file in every layer.
 */
export function isInstalledPackageJson(path: string): boolean {
  if (!path.endsWith(PACKAGE_JSON)) return false;
  const dirEnd = path.length - PACKAGE_JSON.length; // end of `<name>`
  const nameStart = path.lastIndexOf('/', dirEnd - 1) + 1;
  if (nameStart === 0 || nameStart >= dirEnd) return false;
  if (path.charCodeAt(nameStart) === 0x40 /* @ */) return false; // a scope dir is not a package
  let parentEnd = nameStart - 1; // index of the '/' before `<name>`
  let parentStart = path.lastIndexOf('/', parentEnd - 1) + 1;
  if (path.charCodeAt(parentStart) === 0x40) {
    // `@scope/<name>`: the folder above the scope must be node_modules.
    if (parentStart === 0) return false;
    parentEnd = parentStart - 1;
    parentStart = path.lastIndexOf('/', parentEnd - 1) + 1;
  }
  return parentEnd - parentStart === NODE_MODULES.length && path.startsWith(NODE_MODULES, parentStart);
}

/** One installed package.json -> at most one package. Exported for the tests. */
export function packageFromPackageJson(doc: JsonRecord): ExtractedPackage | undefined {
  const name = stringField(doc, 'name');
  const version = stringField(doc, 'version');
  if (!name || !version || version.length > MAX_VERSION_LENGTH) return undefined;
  const purl = npmPurl(name, version);
  if (!purl) return undefined;
  const pkg: ExtractedPackage = { ecosystem: 'npm', name, version, purl };
  const licenses = packageJsonLicenses(doc);
  if (licenses.length > 0) pkg.licenses = licenses;
  const dependsOn = objectKeys(doc, 'dependencies');
  if (dependsOn.length > 0) pkg.dependsOn = dependsOn;
  if (doc['private'] === true) pkg.metadata = { private: true };
  return pkg;
}

export const npmPackageJsonExtractor: BufferExtractor = {
  id: 'npm-package-json',
  version: 1,
  kind: 'buffer',
  // A package.json is small; a multi-megabyte one is not a manifest we can use.
  maxBytes: 8 * 1024 * 1024,
  wants(path: string, _meta: FileMeta): boolean {
    return isInstalledPackageJson(path);
  },
  extract({ path, bytes }): Extraction {
    const doc = parseJsonObject(path, bytes);
    const pkg = packageFromPackageJson(doc);
    if (pkg) return { packages: [pkg] };
    // No name or version: a placeholder or a build artefact, not a package; say
    // nothing. A name and version we cannot use is worth a warning.
    if (stringField(doc, 'name') && stringField(doc, 'version')) {
      return { warnings: ["unusable npm package name or version"] };
    }
    return {};
  },
};
