/**
 * .NET application dependencies: `<app>.deps.json`, written by the SDK beside every
 * built app (format: dotnet/runtime docs/design/features/host-probing and the
 * DependencyModel reader).
 *
 * `libraries` maps `Name/Version` to `{type, serviceable, sha512, path}`; entries of
 * type `package` are NuGet packages and become `pkg:nuget/<Name>@<Version>`. `project`
 * (the app and its project references) is the application's own code and is left
 * out, as are `reference` / `referenceassembly` (framework assemblies) and anything
 * else. Dependency names come from `targets.<framework>.<Name/Version>.dependencies`.
 */
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { buildPurl } from '../purl.js';
import { MAX_VERSION_LENGTH, isRecord, objectKeys, parseJsonObject, stringField } from '../parse-input.js';

/** `Name/Version` -> parts; NuGet ids never contain `/`. */
function splitLibraryKey(key: string): { name: string; version: string } | undefined {
  const slash = key.indexOf('/');
  if (slash <= 0 || slash === key.length - 1 || key.indexOf('/', slash + 1) !== -1) return undefined;
  const name = key.slice(0, slash);
  const version = key.slice(slash + 1);
  if (name.length > 256 || version.length > MAX_VERSION_LENGTH) return undefined;
  return { name, version };
}

/** Dependency names of each `Name/Version`, across every target framework. */
function targetDependencies(doc: Record<string, unknown>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const targets = doc['targets'];
  if (!isRecord(targets)) return out;
  for (const framework of Object.values(targets)) {
    if (!isRecord(framework)) continue;
    for (const [key, entry] of Object.entries(framework)) {
      if (!isRecord(entry)) continue;
      const deps = objectKeys(entry, 'dependencies');
      if (deps.length === 0) continue;
      const list = out.get(key) ?? [];
      for (const d of deps) if (!list.includes(d)) list.push(d);
      out.set(key, list);
    }
  }
  return out;
}

/** Reads a deps.json. Exported for the tests. */
export function parseDepsJson(path: string, bytes: Buffer): Extraction {
  const doc = parseJsonObject(path, bytes);
  const libraries = doc['libraries'];
  if (libraries === undefined) return { packages: [] };
  if (!isRecord(libraries)) throw new StockadeError('malformed_input', path, '"libraries" is not an object');
  const deps = targetDependencies(doc);
  const packages: ExtractedPackage[] = [];
  const warnings: string[] = [];
  for (const [key, entry] of Object.entries(libraries)) {
    if (!isRecord(entry)) {
      warnings.push(`library "${key}" is not an object; skipped`);
      continue;
    }
    if (stringField(entry, 'type') !== 'package') continue; // project, reference, …
    const parts = splitLibraryKey(key);
    if (!parts) {
      warnings.push(`library "${key}" is not Name/Version; skipped`);
      continue;
    }
    const pkg: ExtractedPackage = {
      ecosystem: 'nuget',
      name: parts.name,
      version: parts.version,
      purl: buildPurl({ type: 'nuget', name: parts.name, version: parts.version }),
    };
    const dependsOn = deps.get(key);
    if (dependsOn && dependsOn.length > 0) pkg.dependsOn = dependsOn;
    const sha512 = stringField(entry, 'sha512');
    if (sha512 && sha512.length <= 200) pkg.metadata = { sha512 };
    packages.push(pkg);
  }
  const result: Extraction = { packages };
  if (warnings.length > 0) result.warnings = warnings;
  return result;
}

const SUFFIX = '.deps.json';

export const dotnetDepsJsonExtractor: BufferExtractor = {
  id: 'dotnet-deps-json',
  version: 1,
  kind: 'buffer',
  wants(path: string, _meta: FileMeta): boolean {
    // `.deps.json` alone (a file named just that) is not an app's deps file.
    return path.endsWith(SUFFIX) && path.length > SUFFIX.length && path.charCodeAt(path.length - SUFFIX.length - 1) !== 0x2f;
  },
  extract({ path, bytes }): Extraction {
    return parseDepsJson(path, bytes);
  },
};
