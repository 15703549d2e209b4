/**
 * Kubernetes JSON to CEL values and back. The API server hands CEL unstructured objects
 * whose integers are int64 and whose other numbers are float64; the library types a CEL
 * `int` as a JS bigint, so every integral number becomes a bigint here, once per object
 * (not per expression). Objects become null-prototype records (a key named `__proto__`
 * is data, not a prototype), arrays stay arrays. Depth and size are bounded: the input
 * may be a hostile AdmissionReview or manifest.
 *
 * Equality and ordering follow CEL: numbers compare across int, uint and double; lists
 * and maps compare element by element; values of different kinds are unequal.
 */
import { Optional } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { StockadeError } from '../../core/errors.js';
import { Quantity } from './quantity.js';
import { CIDR, IPAddr } from './net.js';
import { Semver } from './semver.js';
import { CelURL } from './url.js';

export const MAX_VALUE_DEPTH = 128;
export const MAX_VALUE_NODES = 2_000_000;

export type CelMap = Record<string, unknown>;

/** JSON-ish data (parsed YAML or JSON) to CEL values: integral numbers become bigint. */
export function toCelValue(value: unknown, input = 'object'): unknown {
  let nodes = 0;
  const convert = (v: unknown, depth: number): unknown => {
    if (++nodes > MAX_VALUE_NODES) throw new StockadeError('hostile_input', input, `more than ${MAX_VALUE_NODES} values`);
    if (typeof v === 'number') {
      if (Number.isInteger(v)) return BigInt(v);
      return v;
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
    if (v === undefined) return null;
    if (depth >= MAX_VALUE_DEPTH) throw new StockadeError('hostile_input', input, `nested deeper than ${MAX_VALUE_DEPTH} levels`);
    if (Array.isArray(v)) return v.map((x) => convert(x, depth + 1));
    if (v instanceof Date) return v;
    if (v instanceof Uint8Array) return v;
    if (typeof v === 'object') {
      const out: CelMap = Object.create(null) as CelMap;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === undefined) continue;
        out[k] = convert(x, depth + 1);
      }
      return out;
    }
    return String(v);
  };
  return convert(value, 0);
}

/** CEL values back to JSON-ready data (for audit annotations, messages, tests). */
export function fromCelValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof UnsignedInt) return fromCelValue(v.value);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(fromCelValue);
  if (v instanceof Set) return [...v].map(fromCelValue);
  if (v instanceof Optional) return v.hasValue() ? fromCelValue(v.value()) : null;
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), fromCelValue(x)]));
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Duration || v instanceof Quantity || v instanceof IPAddr || v instanceof CIDR || v instanceof Semver || v instanceof CelURL) return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  const proto = Object.getPrototypeOf(v);
  if (proto === null || proto === Object.prototype) {
    return Object.fromEntries(Object.entries(v as CelMap).map(([k, x]) => [k, fromCelValue(x)]));
  }
  return String(v);
}

/** The CEL type name of a runtime value, for error messages. */
export function celTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null_type';
  switch (typeof v) {
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
  }
  if (Array.isArray(v) || v instanceof Set) return 'list';
  if (v instanceof UnsignedInt) return 'uint';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Date) return 'google.protobuf.Timestamp';
  if (v instanceof Duration) return 'google.protobuf.Duration';
  if (v instanceof Optional) return 'optional_type';
  if (v instanceof Quantity) return 'kubernetes.Quantity';
  if (v instanceof IPAddr) return 'net.IP';
  if (v instanceof CIDR) return 'net.CIDR';
  if (v instanceof Semver) return 'kubernetes.Semver';
  if (v instanceof CelURL) return 'kubernetes.URL';
  const proto = Object.getPrototypeOf(v);
  if (v instanceof Map || proto === null || proto === Object.prototype) return 'map';
  return (v as object).constructor?.name ?? 'object';
}

function numeric(v: unknown): number | bigint | undefined {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (v instanceof UnsignedInt) return v.value;
  return undefined;
}

/** Exact comparison of two CEL numbers of any kind; NaN compares as undefined. */
function compareNumbers(a: number | bigint, b: number | bigint): number | undefined {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
    return a === b ? 0 : a < b ? -1 : 1;
  }
  // one bigint, one double: compare exactly
  const [big, dbl, flip] = typeof a === 'bigint' ? [a, b as number, 1] : [b as bigint, a as number, -1];
  if (Number.isNaN(dbl)) return undefined;
  if (dbl === Infinity) return -1 * flip;
  if (dbl === -Infinity) return 1 * flip;
  const floor = BigInt(Math.floor(dbl));
  let c: number;
  if (big < floor) c = -1;
  else if (big > floor) c = 1;
  else c = Math.floor(dbl) === dbl ? 0 : -1;
  return c * flip;
}

function isPlainMap(v: unknown): v is CelMap {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

function mapEntries(v: unknown): Array<[unknown, unknown]> | undefined {
  if (v instanceof Map) return [...v.entries()];
  if (isPlainMap(v)) return Object.entries(v);
  return undefined;
}

/** CEL `==` at runtime (heterogeneous numeric equality, deep lists and maps). */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) return na !== undefined && nb !== undefined && compareNumbers(na, nb) === 0;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => celEquals(x, b[i]));
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Duration || b instanceof Duration) return a instanceof Duration && b instanceof Duration && a.seconds === b.seconds && a.nanos === b.nanos;
  if (a instanceof Quantity || b instanceof Quantity) return a instanceof Quantity && b instanceof Quantity && a.compare(b) === 0;
  if (a instanceof IPAddr || b instanceof IPAddr) return a instanceof IPAddr && b instanceof IPAddr && a.equals(b);
  if (a instanceof CIDR || b instanceof CIDR) return a instanceof CIDR && b instanceof CIDR && a.equals(b);
  if (a instanceof Semver || b instanceof Semver) return a instanceof Semver && b instanceof Semver && a.compare(b) === 0;
  if (a instanceof CelURL || b instanceof CelURL) return a instanceof CelURL && b instanceof CelURL && String(a) === String(b);
  if (a instanceof Optional || b instanceof Optional) {
    if (!(a instanceof Optional && b instanceof Optional)) return false;
    if (a.hasValue() !== b.hasValue()) return false;
    return !a.hasValue() || celEquals(a.value(), b.value());
  }
  const ea = mapEntries(a);
  const eb = mapEntries(b);
  if (ea && eb) {
    if (ea.length !== eb.length) return false;
    const lookup = new Map(eb);
    for (const [k, v] of ea) {
      if (!lookup.has(k)) return false;
      if (!celEquals(v, lookup.get(k))) return false;
    }
    return true;
  }
  return false;
}

/** Code-point order (CEL compares strings by their UTF-8 bytes, which is code-point order). */
function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x < y ? -1 : 1;
    return xs ? 1 : -1; // a surrogate (astral) sorts after every BMP character
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export class CelCompareError extends Error {}

/** CEL ordering (`<`): numbers across kinds, strings, bools, bytes, timestamps, durations. */
export function celCompare(a: unknown, b: unknown): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) {
    const c = compareNumbers(na, nb);
    if (c === undefined) throw new CelCompareError('NaN is not comparable');
    return c;
  }
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  if (a instanceof Duration && b instanceof Duration) {
    if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
    return Math.sign(a.nanos - b.nanos);
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1;
    return Math.sign(a.length - b.length);
  }
  throw new CelCompareError(`no such overload: ${celTypeName(a)} < ${celTypeName(b)}`);
}
