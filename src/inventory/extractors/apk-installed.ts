/**
 * Alpine's package database, `lib/apk/db/installed` (also used by Wolfi and
 * Chainguard images): blank-line separated records of `X:value` lines, one letter
 * per field, as apk-tools writes its index format.
 *
 * Fields used: P name, V version, A arch, o origin (source package), L license,
 * D dependencies, p provides, F directory, R file in the last F directory.
 */
import type { ExtractedPackage } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { buildPurl } from '../purl.js';

interface ApkRecord {
  line: number;
  name?: string;
  version?: string;
  arch?: string;
  origin?: string;
  license?: string;
  depends: string[];
  provides: string[];
  files: string[];
}

/** A garbage file must not flood the report: past this many, bad lines are only counted. */
const MAX_LINE_WARNINGS = 10;

function newRecord(line: number): ApkRecord {
  return { line, depends: [], provides: [], files: [] };
}

function words(value: string): string[] {
  return value.split(' ').filter((w) => w !== '');
}

/** Joins a directory from `F:` (relative to the root, possibly empty) and a name from `R:`. */
function filePath(dir: string, name: string): string {
  return dir === '' ? `/${name}` : `/${dir}/${name}`;
}

export function parseApkInstalled(text: string): { records: ApkRecord[]; warnings: string[]; badLines: number } {
  const records: ApkRecord[] = [];
  const warnings: string[] = [];
  let badLines = 0;
  let current: ApkRecord | undefined;
  let dir = '';

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] ?? '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') {
      current = undefined;
      continue;
    }
    if (line.length < 2 || line[1] !== ':') {
      badLines++;
      if (badLines <= MAX_LINE_WARNINGS) warnings.push(`line ${i + 1}: not an "X:value" line`);
      continue;
    }
    if (!current) {
      current = newRecord(i + 1);
      records.push(current);
      dir = '';
    }
    const value = line.slice(2);
    switch (line[0]) {
      case 'P':
        current.name = value;
        break;
      case 'V':
        current.version = value;
        break;
      case 'A':
        current.arch = value;
        break;
      case 'o':
        current.origin = value;
        break;
      case 'L':
        current.license = value;
        break;
      case 'D':
        current.depends.push(...words(value));
        break;
      case 'p':
        current.provides.push(...words(value));
        break;
      case 'F':
        dir = value;
        break;
      case 'R':
        current.files.push(filePath(dir, value));
        break;
      default:
        // Checksums, sizes, ACLs, maintainer ...: nothing we report.
        break;
    }
  }
  if (badLines > MAX_LINE_WARNINGS) warnings.push(`${badLines - MAX_LINE_WARNINGS} more malformed line(s)`);
  return { records, warnings, badLines };
}

/**
 * The name part of a dependency or provides entry: apk writes `name`, `name=1.2`,
 * `name>=1.2`, `name~1.2`, `name><1.2` (and `name@tag` in world files).
 */
export function apkConstraintName(entry: string): string {
  let end = 0;
  while (end < entry.length) {
    const c = entry[end];
    if (c === '<' || c === '>' || c === '=' || c === '~' || c === '@') break;
    end++;
  }
  return entry.slice(0, end);
}

/**
 * Resolves D: entries to installed package names. Real package names stand for
 * themselves; virtual names (`so:`, `cmd:`, `pc:`, paths, plain provides) resolve to
 * the installed packages that provide them, all of them when several do (as with
 * alternatives in dpkg). Conflicts (`!name`) are not dependencies; virtual names no
 * installed package provides are dropped.
 */
function resolveDependencies(records: ApkRecord[]): Map<ApkRecord, string[]> {
  const packageNames = new Set<string>();
  for (const r of records) if (r.name) packageNames.add(r.name);
  const providers = new Map<string, Set<string>>();
  for (const r of records) {
    if (!r.name) continue;
    for (const p of r.provides) {
      const name = apkConstraintName(p);
      if (!name) continue;
      let set = providers.get(name);
      if (!set) providers.set(name, (set = new Set()));
      set.add(r.name);
    }
  }
  const out = new Map<ApkRecord, string[]>();
  for (const r of records) {
    const names = new Set<string>();
    for (const d of r.depends) {
      if (d.startsWith('!')) continue;
      const name = apkConstraintName(d);
      if (!name) continue;
      if (packageNames.has(name)) {
        names.add(name);
        continue;
      }
      const provided = providers.get(name);
      if (provided) {
        for (const p of provided) names.add(p);
      } else if (isPlainPackageName(name)) {
        names.add(name);
      }
    }
    if (r.name) names.delete(r.name);
    out.set(r, [...names]);
  }
  return out;
}

/** Not a virtual name: no `so:`/`cmd:`/`pc:` style prefix and not a path. */
function isPlainPackageName(name: string): boolean {
  return !name.includes(':') && !name.startsWith('/');
}

export const apkInstalledExtractor: BufferExtractor = {
  id: 'apk-installed',
  version: 1,
  kind: 'buffer',
  wants(path) {
    return path === 'lib/apk/db/installed';
  },
  extract({ path, bytes }): Extraction {
    const hasNul = bytes.includes(0);
    const parsed = parseApkInstalled(bytes.toString('utf8'));
    const anyPackage = parsed.records.some((r) => r.name !== undefined);
    // Binary junk can contain a stray "x:y"; NUL bytes and no P: line anywhere mean it is not a database.
    if ((parsed.records.length === 0 && parsed.badLines > 0) || (hasNul && !anyPackage)) {
      throw new StockadeError('malformed_input', path, 'no "X:value" record found: not an apk database');
    }
    const warnings = [...parsed.warnings];
    if (hasNul) warnings.push('file contains NUL bytes (damaged?); readable records kept');
    const deps = resolveDependencies(parsed.records);
    const packages: ExtractedPackage[] = [];
    for (const r of parsed.records) {
      if (!r.name || !r.version) {
        warnings.push(`record at line ${r.line}${r.name ? ` (${r.name})` : ''}: no ${r.name ? 'V' : 'P'}: field`);
        continue;
      }
      const pkg: ExtractedPackage = {
        ecosystem: 'apk',
        name: r.name,
        version: r.version,
        purl: buildPurl({ type: 'apk', name: r.name, version: r.version, qualifiers: { arch: r.arch } }),
      };
      if (r.arch) pkg.arch = r.arch;
      if (r.origin) pkg.source = { name: r.origin, version: r.version };
      if (r.license) pkg.licenses = [r.license];
      if (r.files.length > 0) pkg.files = r.files;
      const dependsOn = deps.get(r) ?? [];
      if (dependsOn.length > 0) pkg.dependsOn = dependsOn;
      packages.push(pkg);
    }
    return warnings.length > 0 ? { packages, warnings: capRecordWarnings(warnings) } : { packages };
  },
};

/** Past this many, further warnings are only counted. */
const MAX_WARNINGS = 50;

function capRecordWarnings(warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [...warnings.slice(0, MAX_WARNINGS), `${warnings.length - MAX_WARNINGS} more problem(s) in this database`];
}
