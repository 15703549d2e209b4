/**
 * dpkg's package database, `var/lib/dpkg/status`: one deb822 stanza per package
 * (deb-control(5) / deb822(5) syntax), as dpkg itself keeps it.
 *
 * Which stanzas are packages on disk follows dpkg's Status semantics
 * (dpkg-query(1), "Status"): the third word is the state of the files. Everything
 * except `not-installed` and `config-files` has (some of) its files unpacked, so we
 * report it; `dpkg-query -W` without a pattern draws the same line.
 *
 * The distroless variant (`status.d/<pkg>`, one stanza file per package, no Status
 * field) lives in dpkg-status-d.ts and shares the parsing here.
 */
import type { ExtractedPackage } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { buildPurl } from '../purl.js';

/** One deb822 paragraph: lower-cased field names -> value (continuation lines joined with `\n`). */
export interface ControlStanza {
  fields: Map<string, string>;
  /** 1-based line number where the stanza starts, for warnings. */
  line: number;
}

export interface ControlParse {
  stanzas: ControlStanza[];
  warnings: string[];
  /** Lines that were neither a field, a continuation nor a separator. */
  badLines: number;
}

/** A garbage file must not flood the report: past this many, bad lines are only counted. */
const MAX_LINE_WARNINGS = 10;
/** The same for the file's warnings as a whole. */
const MAX_WARNINGS = 50;

/**
 * Splits deb822 text into stanzas. Lenient in the way dpkg is not: a malformed line
 * costs a warning for its stanza instead of failing the whole database, because one
 * damaged record must not hide every other package in an image.
 */
export function parseControlStanzas(text: string): ControlParse {
  const stanzas: ControlStanza[] = [];
  const warnings: string[] = [];
  let badLines = 0;
  let current: ControlStanza | undefined;
  let lastField: string | undefined;

  const noteBadLine = (message: string): void => {
    badLines++;
    if (badLines <= MAX_LINE_WARNINGS) warnings.push(message);
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] ?? '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') {
      current = undefined;
      lastField = undefined;
      continue;
    }
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      // Continuation of the previous field (multi-line values such as Description).
      if (current && lastField !== undefined) {
        const prev = current.fields.get(lastField) ?? '';
        current.fields.set(lastField, `${prev}\n${line.trim()}`);
      } else {
        noteBadLine(`line ${i + 1}: continuation line outside a field`);
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      noteBadLine(`line ${i + 1}: not a "Field: value" line`);
      continue;
    }
    if (!current) {
      current = { fields: new Map(), line: i + 1 };
      stanzas.push(current);
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    current.fields.set(name, line.slice(colon + 1).trim());
    lastField = name;
  }
  if (badLines > MAX_LINE_WARNINGS) warnings.push(`${badLines - MAX_LINE_WARNINGS} more malformed line(s)`);
  return { stanzas, warnings, badLines };
}

/** dpkg states in which a package's files are (at least partly) on disk. */
const PRESENT_STATES = new Set([
  'installed',
  'half-configured',
  'unpacked',
  'half-installed',
  'triggers-awaited',
  'triggers-pending',
]);
const ABSENT_STATES = new Set(['not-installed', 'config-files']);

/**
 * The file state from a `Status: want flag state` value: 'present', 'absent', or
 * undefined when the field is malformed.
 */
export function dpkgFileState(status: string): 'present' | 'absent' | undefined {
  const words = status.split(/\s+/).filter((w) => w !== '');
  if (words.length !== 3) return undefined;
  const state = words[2] ?? '';
  if (PRESENT_STATES.has(state)) return 'present';
  if (ABSENT_STATES.has(state)) return 'absent';
  return undefined;
}

/** `Source: name` or `Source: name (version)`; absent means the binary's own name and version. */
export function parseDebSource(
  source: string | undefined,
  name: string,
  version: string,
): { name: string; version: string } {
  if (!source) return { name, version };
  const open = source.indexOf('(');
  if (open < 0) return { name: source.trim(), version };
  const close = source.indexOf(')', open);
  const srcName = source.slice(0, open).trim();
  const srcVersion = source.slice(open + 1, close < 0 ? undefined : close).trim();
  return { name: srcName || name, version: srcVersion || version };
}

/**
 * Package names from Depends/Pre-Depends values: every alternative counts, version
 * constraints, architecture restrictions, build profiles and `:arch` qualifiers go.
 */
export function debDependencyNames(...values: Array<string | undefined>): string[] {
  const names = new Set<string>();
  for (const value of values) {
    if (!value) continue;
    for (const group of value.split(',')) {
      for (const alternative of group.split('|')) {
        const name = leadingPackageName(alternative.trim());
        if (name) names.add(name);
      }
    }
  }
  return [...names];
}

function leadingPackageName(relation: string): string {
  let end = 0;
  while (end < relation.length) {
    const c = relation[end];
    if (c === ' ' || c === '\t' || c === '\n' || c === '(' || c === '[' || c === '<' || c === ':') break;
    end++;
  }
  return relation.slice(0, end);
}

/** Splits a dpkg version into epoch and the rest (`1:2.3-4` -> 1, `2.3-4`). */
export function splitDebEpoch(version: string): { epoch?: number; rest: string } {
  const colon = version.indexOf(':');
  if (colon <= 0) return { rest: version };
  const epochText = version.slice(0, colon);
  if (!/^[0-9]+$/.test(epochText)) return { rest: version };
  return { epoch: Number(epochText), rest: version.slice(colon + 1) };
}

export function debPurl(name: string, version: string, arch: string | undefined): string {
  const { epoch, rest } = splitDebEpoch(version);
  return buildPurl({
    type: 'deb',
    name,
    version: rest,
    qualifiers: { arch, epoch: epoch === undefined ? undefined : String(epoch) },
  });
}

export interface DebStanzaOptions {
  /** status.d files carry no Status field: a stanza there without one is installed. */
  missingStatusMeansInstalled: boolean;
}

/**
 * Turns parsed stanzas into packages. Stanzas without files on disk are skipped
 * silently; stanzas that claim files but lack a name or a version are skipped with a
 * warning.
 */
export function debPackagesFromStanzas(
  stanzas: ControlStanza[],
  options: DebStanzaOptions,
): { packages: ExtractedPackage[]; warnings: string[] } {
  const packages: ExtractedPackage[] = [];
  const warnings: string[] = [];
  for (const stanza of stanzas) {
    const f = stanza.fields;
    const name = f.get('package');
    const status = f.get('status');
    let state: 'present' | 'absent' | undefined;
    if (status === undefined) {
      state = options.missingStatusMeansInstalled ? 'present' : 'absent';
    } else {
      state = dpkgFileState(status);
      if (state === undefined) {
        warnings.push(`stanza at line ${stanza.line}${name ? ` (${name})` : ''}: unrecognised Status "${status}"`);
        continue;
      }
    }
    if (state === 'absent') continue;
    if (!name) {
      warnings.push(`stanza at line ${stanza.line}: no Package field`);
      continue;
    }
    const version = f.get('version');
    if (!version) {
      warnings.push(`stanza at line ${stanza.line} (${name}): no Version field`);
      continue;
    }
    const arch = f.get('architecture') || undefined;
    const pkg: ExtractedPackage = {
      ecosystem: 'deb',
      name,
      version,
      purl: debPurl(name, version, arch),
      source: parseDebSource(f.get('source'), name, version),
    };
    if (arch) pkg.arch = arch;
    const deps = debDependencyNames(f.get('pre-depends'), f.get('depends'));
    if (deps.length > 0) pkg.dependsOn = deps;
    const fileState = status?.split(/\s+/)[2];
    if (fileState && fileState !== 'installed') pkg.metadata = { status: fileState };
    packages.push(pkg);
  }
  return { packages, warnings };
}

/** Shared by status and status.d: bytes -> Extraction, throwing only when nothing is parseable. */
export function extractDebStanzaFile(bytes: Buffer, path: string, options: DebStanzaOptions): Extraction {
  const hasNul = bytes.includes(0);
  const parsed = parseControlStanzas(bytes.toString('utf8'));
  const anyPackage = parsed.stanzas.some((s) => s.fields.has('package'));
  // Binary junk can contain a stray "x: y"; NUL bytes and no Package field anywhere mean it is not a database.
  if ((parsed.stanzas.length === 0 && parsed.badLines > 0) || (hasNul && !anyPackage)) {
    throw new StockadeError('malformed_input', path, 'no "Field: value" stanza found: not a dpkg database');
  }
  if (hasNul) parsed.warnings.push('file contains NUL bytes (damaged?); readable stanzas kept');
  const { packages, warnings } = debPackagesFromStanzas(parsed.stanzas, options);
  const allWarnings = [...parsed.warnings, ...warnings];
  if (allWarnings.length > MAX_WARNINGS) {
    const more = allWarnings.length - MAX_WARNINGS;
    allWarnings.splice(MAX_WARNINGS, more, `${more} more problem(s) in this database`);
  }
  return allWarnings.length > 0 ? { packages, warnings: allWarnings } : { packages };
}

export const dpkgStatusExtractor: BufferExtractor = {
  id: 'dpkg-status',
  version: 1,
  kind: 'buffer',
  wants(path) {
    return path === 'var/lib/dpkg/status';
  },
  extract({ path, bytes }) {
    return extractDebStanzaFile(bytes, path, { missingStatusMeansInstalled: false });
  },
};
