/**
 * Rust crates from `Cargo.lock` (TOML): one `[[package]]` per resolved crate, with
 * `name`, `version`, `source` and `dependencies` (`"name"`, `"name version"` or
 * `"name version (source)"` — the extra parts only when the name alone is ambiguous).
 *
 * Packages without `source` are the workspace's own crates (members and `path`
 * dependencies). They are left out rather than marked: they are the application, not
 * a dependency; no advisory database can name them; and a crate of the same name on
 * crates.io is a different crate, so reporting it as `pkg:cargo/<name>` would invite
 * false matches. Their dependencies still appear, as packages of their own.
 */
import type * as smolToml from 'smol-toml';
import { lazy } from '../../core/lazy.js';

const loadToml = lazy<typeof smolToml>('smol-toml');
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { buildPurl } from '../purl.js';
import { MAX_VERSION_LENGTH, isRecord, stringField } from '../parse-input.js';

/** Lockfiles are flat; anything nested deeper is not a lockfile. */
const MAX_TOML_DEPTH = 16;

function dependencyName(spec: string): string {
  const space = spec.indexOf(' ');
  return space === -1 ? spec : spec.slice(0, space);
}

/** `git+https://…?rev=x#<commit>` -> the commit. */
function gitCommit(source: string): string | undefined {
  if (!source.startsWith('git+')) return undefined;
  const hash = source.lastIndexOf('#');
  return hash === -1 ? undefined : source.slice(hash + 1) || undefined;
}

function isCrateName(name: string): boolean {
  return name.length > 0 && name.length <= 64 && /^[A-Za-z0-9_-]+$/.test(name);
}

/** Reads a Cargo.lock. Exported for the tests. */
export function parseCargoLock(path: string, bytes: Buffer): Extraction {
  let doc: unknown;
  try {
    doc = loadToml().parse(bytes.toString('utf8'), { maxDepth: MAX_TOML_DEPTH });
  } catch (e) {
    throw new StockadeError('malformed_input', path, 'not valid TOML', { cause: e });
  }
  if (!isRecord(doc)) throw new StockadeError('malformed_input', path, 'Cargo.lock root is not a table');
  const list = doc['package'] ?? [];
  if (!Array.isArray(list)) throw new StockadeError('malformed_input', path, '"package" is not an array of tables');
  const packages: ExtractedPackage[] = [];
  const warnings: string[] = [];
  list.forEach((item: unknown, index: number) => {
    if (!isRecord(item)) {
      warnings.push(`package[${index}] is not a table; skipped`);
      return;
    }
    const name = stringField(item, 'name');
    const version = stringField(item, 'version');
    if (!name || !isCrateName(name) || !version || version.length > MAX_VERSION_LENGTH) {
      warnings.push(`package[${index}] has no usable name and version; skipped`);
      return;
    }
    const source = stringField(item, 'source');
    if (!source) return; // the workspace's own crate (see the header)
    const pkg: ExtractedPackage = { ecosystem: 'cargo', name, version, purl: buildPurl({ type: 'cargo', name, version }) };
    const deps = item['dependencies'];
    if (Array.isArray(deps)) {
      const names: string[] = [];
      for (const d of deps) {
        if (typeof d !== 'string') continue;
        const depName = dependencyName(d);
        if (isCrateName(depName) && !names.includes(depName)) names.push(depName);
      }
      if (names.length > 0) pkg.dependsOn = names;
    }
    const metadata: Record<string, string> = { source: source.slice(0, 512) };
    const commit = gitCommit(source);
    if (commit) metadata['commit'] = commit;
    pkg.metadata = metadata;
    packages.push(pkg);
  });
  const result: Extraction = { packages };
  if (warnings.length > 0) result.warnings = warnings;
  return result;
}

const LOCK_NAME = 'Cargo.lock';

export const cargoLockExtractor: BufferExtractor = {
  id: 'cargo-lock',
  version: 1,
  kind: 'buffer',
  wants(path: string, _meta: FileMeta): boolean {
    if (!path.endsWith(LOCK_NAME)) return false;
    const start = path.length - LOCK_NAME.length;
    return start === 0 || path.charCodeAt(start - 1) === 0x2f; /* / */
  },
  extract({ path, bytes }): Extraction {
    return parseCargoLock(path, bytes);
  },
};
