/**
 * Parsing untrusted documents found in images: JSON and YAML with every failure
 * turned into one `malformed_input` error naming the file, and YAML alias expansion
 * bounded. Shared by the extractors; holds no format knowledge of its own.
 */
import { StockadeError } from '../core/errors.js';
import { lazy } from '../core/lazy.js';

const loadYaml = lazy<typeof import('yaml')>('yaml');

/** A version longer than this is not a version; it keeps hostile strings out of purls. */
export const MAX_VERSION_LENGTH = 256;

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string field, or undefined for any other type. */
export function stringField(record: JsonRecord, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The keys of an object-valued field (dependency maps), or none. */
export function objectKeys(record: JsonRecord, key: string): string[] {
  const value = record[key];
  return isRecord(value) ? Object.keys(value) : [];
}

/**
 * Parses a whole JSON document from untrusted bytes. Any parse failure (syntax, or a
 * RangeError from an engine that recurses on deep nesting) becomes one
 * `malformed_input` error naming the file; a non-object root is malformed too for
 * every format we read, except where the caller accepts arrays.
 */
export function parseJsonDocument(path: string, bytes: Buffer): unknown {
  let text = bytes.toString('utf8');
  // Windows editors leave a BOM that JSON.parse rejects; npm itself strips it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const why = e instanceof RangeError ? 'JSON nested too deeply' : 'not valid JSON';
    throw new StockadeError('malformed_input', path, why, { cause: e });
  }
}

/** parseJsonDocument for formats whose root must be an object. */
export function parseJsonObject(path: string, bytes: Buffer): JsonRecord {
  const doc = parseJsonDocument(path, bytes);
  if (!isRecord(doc)) throw new StockadeError('malformed_input', path, 'JSON root is not an object');
  return doc;
}

/** Aliases are legitimate YAML, but a lockfile has no need for many. */
const MAX_YAML_ALIASES = 100;

/**
 * Parses an untrusted YAML document with every scalar kept as a string (the failsafe
 * schema: `1.10` stays "1.10", not 1.1) and alias expansion bounded.
 */
export function parseYamlDocument(path: string, text: string): unknown {
  try {
    return loadYaml().parse(text, { schema: 'failsafe', maxAliasCount: MAX_YAML_ALIASES, uniqueKeys: false, logLevel: 'error' }) as unknown;
  } catch (e) {
    const why = e instanceof RangeError ? 'YAML nested too deeply' : 'not valid YAML';
    throw new StockadeError('malformed_input', path, why, { cause: e });
  }
}

