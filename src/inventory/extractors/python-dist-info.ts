/**
 * Installed Python distributions, from their core metadata
 * (https://packaging.python.org/en/latest/specifications/core-metadata/):
 *
 * - `<name>-<ver>.dist-info/METADATA` (wheels, pip installs)
 * - `<name>-<ver>.egg-info/PKG-INFO` (setuptools, Debian's python3-* packages)
 * - `<name>-<ver>.egg-info` as a single file (distutils)
 * - `<name>.egg/EGG-INFO/PKG-INFO` (an unzipped egg directory)
 *
 * The format is email headers: `Key: value`, keys case-insensitive, continuation
 * lines start with whitespace, headers end at the first blank line (the body is the
 * long description, which we never read). Real files break the rules (lines that
 * are neither headers nor continuations): such lines are skipped, as Python's own
 * email parser tolerates them.
 */
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { buildPurl } from '../purl.js';

/** Headers we keep, lowercased. Everything else is skipped while scanning. */
const SINGLE_FIELDS = new Set(['name', 'version', 'license', 'license-expression']);
const MULTI_FIELDS = new Set(['classifier', 'requires-dist']);

/** Hard caps so a hostile file cannot make us hold or loop over too much. */
const MAX_FIELD_LENGTH = 64 * 1024;
const MAX_MULTI_VALUES = 10_000;
const MAX_NAME_LENGTH = 256;
const MAX_VERSION_LENGTH = 256;

export interface CoreMetadata {
  /** First occurrence of each single-valued header (as Python's email.message does). */
  fields: Map<string, string>;
  /** Every occurrence of multi-valued headers, in order. */
  multi: Map<string, string[]>;
}

/** Reads the header block of a core metadata file. Linear in the input. */
export function parseCoreMetadata(text: string): CoreMetadata {
  const fields = new Map<string, string>();
  const multi = new Map<string, string[]>();
  let currentKey: string | undefined; // a kept header that continuation lines extend
  let currentValue = '';
  const flush = () => {
    if (currentKey === undefined) return;
    if (MULTI_FIELDS.has(currentKey)) {
      const list = multi.get(currentKey) ?? [];
      if (list.length < MAX_MULTI_VALUES) list.push(currentValue);
      multi.set(currentKey, list);
    } else if (!fields.has(currentKey)) {
      fields.set(currentKey, currentValue);
    }
    currentKey = undefined;
  };
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') break; // end of headers
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      // Continuation of the previous header.
      if (currentKey !== undefined && currentValue.length < MAX_FIELD_LENGTH) {
        currentValue = (currentValue + '\n' + line.trim()).slice(0, MAX_FIELD_LENGTH);
      }
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a header: tolerated, skipped
    const key = line.slice(0, colon).trim().toLowerCase();
    if (!SINGLE_FIELDS.has(key) && !MULTI_FIELDS.has(key)) continue;
    currentKey = key;
    currentValue = line.slice(colon + 1).trim().slice(0, MAX_FIELD_LENGTH);
  }
  flush();
  return { fields, multi };
}

/** PEP 503: lowercase, and every run of `-`, `_`, `.` becomes one `-`. */
export function normalizePythonName(name: string): string {
  let out = '';
  let inRun = false;
  for (const ch of name.toLowerCase()) {
    if (ch === '-' || ch === '_' || ch === '.') {
      if (!inRun) out += '-';
      inRun = true;
    } else {
      out += ch;
      inRun = false;
    }
  }
  return out;
}

function isNameChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || // 0-9
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    code === 0x2d || code === 0x2e || code === 0x5f // - . _
  );
}

/**
 * The distribution name of a `Requires-Dist` value (PEP 508: the name is the leading
 * run of letters, digits, `-_.`), or undefined for a requirement that applies only
 * with an extra (`; extra == "test"`), which a plain install does not pull in.
 */
export function requirementName(requirement: string): string | undefined {
  const semi = requirement.indexOf(';');
  if (semi !== -1 && /\bextra\s*==/.test(requirement.slice(semi + 1))) return undefined;
  const text = requirement.trimStart();
  let end = 0;
  while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
  return end > 0 ? text.slice(0, end) : undefined;
}

/**
 * Licenses, most precise first: `License-Expression` (PEP 639, SPDX); else the
 * `License ::` classifiers (their last part, skipping the bare "OSI Approved"); else
 * the free-text `License` field's first line, unless it is setuptools' "UNKNOWN"
 * placeholder.
 */
export function pythonLicenses(meta: CoreMetadata): string[] {
  const expression = meta.fields.get('license-expression');
  if (expression) return [expression];
  const fromClassifiers: string[] = [];
  for (const classifier of meta.multi.get('classifier') ?? []) {
    const parts = classifier.split('::').map((s) => s.trim());
    if (parts[0] !== 'License' || parts.length < 2) continue;
    const last = parts[parts.length - 1]!;
    if (last === 'OSI Approved' || last === '') continue;
    if (!fromClassifiers.includes(last)) fromClassifiers.push(last);
  }
  if (fromClassifiers.length > 0) return fromClassifiers;
  const text = meta.fields.get('license');
  const firstLine = text?.split('\n', 1)[0]?.trim();
  if (firstLine && firstLine !== 'UNKNOWN') return [firstLine.slice(0, 200)];
  return [];
}

/**
 * One core metadata document -> one package. Throws malformed_input when the file
 * lacks a usable Name or Version: it describes nothing we can report.
 */
export function packageFromCoreMetadata(path: string, text: string): ExtractedPackage {
  const meta = parseCoreMetadata(text);
  const name = meta.fields.get('name');
  const version = meta.fields.get('version');
  if (!name || name.length > MAX_NAME_LENGTH || name.includes('\n')) {
    throw new StockadeError('malformed_input', path, 'core metadata has no usable Name');
  }
  if (!version || version.length > MAX_VERSION_LENGTH || version.includes('\n')) {
    throw new StockadeError('malformed_input', path, 'core metadata has no usable Version');
  }
  const normalized = normalizePythonName(name);
  const pkg: ExtractedPackage = {
    ecosystem: 'pypi',
    name,
    version,
    purl: buildPurl({ type: 'pypi', name: normalized, version }),
  };
  const licenses = pythonLicenses(meta);
  if (licenses.length > 0) pkg.licenses = licenses;
  const deps: string[] = [];
  for (const req of meta.multi.get('requires-dist') ?? []) {
    const depName = requirementName(req);
    // PEP 503 form, so a dependency matches however either side spells the name.
    const dep = depName ? normalizePythonName(depName) : undefined;
    if (dep && !deps.includes(dep)) deps.push(dep);
  }
  if (deps.length > 0) pkg.dependsOn = deps;
  return pkg;
}

const SUFFIXES = ['.dist-info/METADATA', '.egg-info/PKG-INFO', '/EGG-INFO/PKG-INFO', '.egg-info'] as const;

export const pythonDistInfoExtractor: BufferExtractor = {
  id: 'python-dist-info',
  version: 1,
  kind: 'buffer',
  // Headers come first; a file this large is a description, not metadata we need.
  maxBytes: 16 * 1024 * 1024,
  wants(path: string, _meta: FileMeta): boolean {
    for (const suffix of SUFFIXES) if (path.endsWith(suffix)) return true;
    return false;
  },
  extract({ path, bytes }): Extraction {
    return { packages: [packageFromCoreMetadata(path, bytes.toString('utf8'))] };
  },
};
