/**
 * Kubernetes resource quantities (`resource.Quantity` in k8s.io/apimachinery), exactly:
 * the same grammar, the same rounding (up to the nano unit, away from zero), the same cap
 * (BinarySI at 2^63-1), and the same two internal forms. The form matters to policies:
 * `isInteger()`/`asInteger()` succeed only for the fast int64 form with a non-negative
 * scale, so `quantity("1.0").isInteger()` is false in the API server and here, while
 * `quantity("50000000G").isInteger()` is true.
 *
 * A value is `unscaled × 10^exp` held in bigints. Arithmetic follows Quantity.Add/Sub/Mul
 * and int64Amount step by step so that the form (int64 or decimal) after each operation is
 * the one the API server would hold.
 */

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT32_MAX = 2147483647;
/** Exponents beyond this are refused (k8s would try to materialise 10^exp digits). */
export const MAX_QUANTITY_EXPONENT = 10_000;
/** Longest string parsed (bounded work on hostile input). */
export const MAX_QUANTITY_LENGTH = 4096;

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE}'`;
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_SUFFIX = "unable to parse quantity's suffix";

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

function inInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/**
 * A quantity. `form` is 'int' for the int64Amount fast path (value fits int64 at `exp`),
 * 'dec' for the inf.Dec form. `exp` is the base-10 exponent (k8s `Scale`, inf.Dec's scale negated).
 */
export class Quantity {
  constructor(
    readonly unscaled: bigint,
    readonly exp: number,
    readonly form: 'int' | 'dec',
    readonly format: QuantityFormat,
  ) {}

  sign(): number {
    return this.unscaled === 0n ? 0 : this.unscaled > 0n ? 1 : -1;
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  /** Exact comparison: -1, 0 or 1. */
  compare(other: Quantity): number {
    const e = Math.min(this.exp, other.exp);
    const a = this.unscaled * pow10(this.exp - e);
    const b = other.unscaled * pow10(other.exp - e);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  /** int64Amount.AsInt64 for the fast form; the decimal form never converts (as in k8s). */
  asInt64(): bigint | undefined {
    if (this.form !== 'int') return undefined;
    if (this.exp === 0) return this.unscaled;
    if (this.exp < 0) return undefined;
    return positiveScale(this.unscaled, this.exp);
  }

  /** AsApproximateFloat64: float64(mantissa) × Pow10(exponent), with Go's rounding steps. */
  asApproximateFloat(): number {
    const base = Number(this.unscaled);
    if (this.exp === 0) return base;
    return base * goPow10(this.exp);
  }

  add(y: Quantity): Quantity {
    let format = this.format;
    if (this.form === 'int' && y.form === 'int') {
      if (this.unscaled === 0n) format = y.format;
      const r = int64Add(this.unscaled, this.exp, y.unscaled, y.exp);
      if (r) return new Quantity(r[0], r[1], 'int', format);
    } else if (this.isZero()) {
      format = y.format;
    }
    return decAdd(this, y, 1n, format);
  }

  sub(y: Quantity): Quantity {
    let format = this.format;
    if (this.isZero()) format = y.format;
    if (this.form === 'int' && y.form === 'int' && y.unscaled !== INT64_MIN) {
      const r = int64Add(this.unscaled, this.exp, -y.unscaled, y.exp);
      if (r) return new Quantity(r[0], r[1], 'int', format);
    }
    return decAdd(this, y, -1n, format);
  }

  /** Quantity.Mul(int64). */
  mul(m: bigint): Quantity {
    if (this.form === 'int') {
      const v = this.unscaled;
      if (v === 0n) return this;
      if (m === 0n) return new Quantity(0n, 0, 'int', this.format);
      const c = v * m;
      if (inInt64(c)) {
        if (this.exp === 0) return new Quantity(c, 0, 'int', this.format);
        if (this.exp > 0) {
          if (positiveScale(c, this.exp) !== undefined) return new Quantity(c, this.exp, 'int', this.format);
        } else if (c % pow10(-this.exp) === 0n) {
          // int64Amount.Mul keeps the fast form when negativeScaleInt64 is exact.
          return new Quantity(c, this.exp, 'int', this.format);
        }
      }
    }
    return new Quantity(this.unscaled * m, this.exp, 'dec', this.format);
  }

  /** The canonical string (Quantity.String()), for messages and debugging. */
  toString(): string {
    return canonicalString(this);
  }
}

/** positiveScaleInt64: base × 10^scale if it fits int64. */
function positiveScale(base: bigint, scale: number): bigint | undefined {
  if (scale > 19 && base !== 0n) return undefined;
  const v = base * pow10(scale);
  return inInt64(v) ? v : undefined;
}

/** int64Amount.Add; undefined when it would overflow (the caller falls back to inf.Dec). */
function int64Add(av: bigint, as: number, bv: bigint, bs: number): [bigint, number] | undefined {
  if (bv === 0n) return [av, as];
  if (av === 0n) return [bv, bs];
  if (as === bs) {
    const c = av + bv;
    return inInt64(c) ? [c, as] : undefined;
  }
  if (as > bs) {
    const c = positiveScale(av, as - bs);
    if (c === undefined) return undefined;
    const s = c + bv;
    return inInt64(s) ? [s, bs] : undefined;
  }
  const c = positiveScale(bv, bs - as);
  if (c === undefined) return undefined;
  const s = av + c;
  return inInt64(s) ? [s, as] : undefined;
}

/** inf.Dec Add/Sub: the result keeps the finer of the two scales. */
function decAdd(a: Quantity, b: Quantity, sign: bigint, format: QuantityFormat): Quantity {
  const e = Math.min(a.exp, b.exp);
  const v = a.unscaled * pow10(a.exp - e) + sign * b.unscaled * pow10(b.exp - e);
  return new Quantity(v, e, 'dec', format);
}

// Go's math.Pow10: tables of correctly rounded powers, combined as Go combines them.
const POW10_TAB: number[] = Array.from({ length: 32 }, (_, i) => Number(`1e${i}`));
const POW10_POS32: number[] = Array.from({ length: 10 }, (_, i) => Number(`1e${i * 32}`));
const POW10_NEG32: number[] = Array.from({ length: 11 }, (_, i) => Number(`1e-${i * 32}`));
export function goPow10(n: number): number {
  if (n >= 0 && n <= 308) return (POW10_POS32[Math.floor(n / 32)] as number) * (POW10_TAB[n % 32] as number);
  if (n < 0 && n >= -323) {
    const m = -n;
    return (POW10_NEG32[Math.floor(m / 32)] as number) / (POW10_TAB[m % 32] as number);
  }
  return n > 0 ? Infinity : 0;
}

interface Parts {
  positive: boolean;
  value: string;
  num: string;
  denom: string;
  suffix: string;
}

/** parseQuantityString, step for step. */
function splitQuantity(str: string): Parts {
  let positive = true;
  let pos = 0;
  const end = str.length;
  const isDigit = (i: number): boolean => {
    const c = str.charCodeAt(i);
    return c >= 48 && c <= 57;
  };
  if (pos < end) {
    if (str[0] === '-') {
      positive = false;
      pos++;
    } else if (str[0] === '+') {
      pos++;
    }
  }
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
    if (str[i] === '0') pos++;
    else break;
  }
  let num = '';
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value: str, num: str.slice(pos), denom: '', suffix: '' };
    if (!isDigit(i)) {
      num = str.slice(pos, i);
      pos = i;
      break;
    }
  }
  if (num === '') num = '0';
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    for (let i = pos; ; i++) {
      if (i >= end) return { positive, value: str, num, denom: str.slice(pos), suffix: '' };
      if (!isDigit(i)) {
        denom = str.slice(pos, i);
        pos = i;
        break;
      }
    }
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
    if (!'eEinumkKMGTP'.includes(str[i] as string)) {
      pos = i;
      break;
    }
  }
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
    if (!isDigit(i)) break;
  }
  throw new QuantityError(ERR_FORMAT_WRONG);
}

const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** quantitySuffixer.interpret: base, exponent, format. */
function interpretSuffix(s: string): { base: 2 | 10; exponent: number; format: QuantityFormat } | undefined {
  if (Object.prototype.hasOwnProperty.call(BINARY_SUFFIXES, s)) return { base: 2, exponent: BINARY_SUFFIXES[s] as number, format: 'BinarySI' };
  if (Object.prototype.hasOwnProperty.call(DECIMAL_SUFFIXES, s)) return { base: 10, exponent: DECIMAL_SUFFIXES[s] as number, format: 'DecimalSI' };
  if (s.length > 1 && (s[0] === 'E' || s[0] === 'e')) {
    // strconv.ParseInt(s[1:], 10, 64), then the int32 scale bounds.
    if (!/^[+-]?[0-9]+$/.test(s.slice(1))) return undefined;
    const v = BigInt(s.slice(1));
    if (v < -BigInt(INT32_MAX) || v > BigInt(INT32_MAX)) return undefined;
    return { base: 10, exponent: Number(v), format: 'DecimalExponent' };
  }
  return undefined;
}

/** ParseQuantity. Throws QuantityError with the API server's messages. */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityError(ERR_FORMAT_WRONG);
  if (str.length > MAX_QUANTITY_LENGTH) throw new QuantityError(`quantity longer than ${MAX_QUANTITY_LENGTH} characters`);
  if (str === '0') return new Quantity(0n, 0, 'int', 'DecimalSI');
  const { positive, value, num, denom, suffix } = splitQuantity(str);
  const sfx = interpretSuffix(suffix);
  if (!sfx) throw new QuantityError(ERR_SUFFIX);
  const { base, exponent } = sfx;
  let format = sfx.format;
  if (Math.abs(exponent) > MAX_QUANTITY_EXPONENT) throw new QuantityError(`quantity exponent ${exponent} is outside the supported range (±${MAX_QUANTITY_EXPONENT})`);

  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      precision = 15 - num.length - Math.trunc(Math.fround(Math.fround(exponent) * 3) / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  }

  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= -9) {
      const shifted = num + denom;
      const v = BigInt(shifted); // at most 18 digits when precision >= 0: fits int64
      if (!inInt64(v)) throw new QuantityError(ERR_NUMERIC);
      const result = v * mantissa;
      if (inInt64(result)) return new Quantity(positive ? result : -result, scale, 'int', format);
    }
  }

  // The inf.Dec path: parse `value` (sign, digits, optional fraction), apply the suffix.
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(value);
  if (!m || ((m[2] ?? '') === '' && (m[3] ?? '') === '')) throw new QuantityError(ERR_NUMERIC);
  const frac = m[3] ?? '';
  let unscaled = BigInt(`${m[2] || '0'}${frac}`);
  if (m[1] === '-') unscaled = -unscaled;
  let exp = -frac.length;
  if (base === 10) exp += exponent;
  else unscaled *= 1n << BigInt(exponent);

  const negative = unscaled < 0n;
  let abs = negative ? -unscaled : unscaled;
  // Round up to the nano unit (away from zero); inf.Dec.Round sets the scale to 9 digits.
  if (abs !== 0n) {
    if (exp < -9) {
      const d = pow10(-9 - exp);
      abs = abs / d + (abs % d === 0n ? 0n : 1n);
    } else {
      abs *= pow10(exp + 9);
    }
    exp = -9;
  }
  if (format === 'BinarySI' && compareScaled(abs, exp, INT64_MAX, 0) > 0) {
    // maxAllowed: inf.Dec holding 2^63-1 at scale 0
    abs = INT64_MAX;
    exp = 0;
  }
  if (format === 'BinarySI' && abs !== 0n && compareScaled(abs, exp, 1n, 0) < 0) format = 'DecimalSI';
  return new Quantity(negative ? -abs : abs, exp, 'dec', format);
}

function compareScaled(a: bigint, ae: number, b: bigint, be: number): number {
  const e = Math.min(ae, be);
  const x = a * pow10(ae - e);
  const y = b * pow10(be - e);
  return x === y ? 0 : x < y ? -1 : 1;
}

/** ParseQuantity succeeds. */
export function isQuantity(str: string): boolean {
  try {
    parseQuantity(str);
    return true;
  } catch (e) {
    if (e instanceof QuantityError) return false;
    throw e;
  }
}

/** NewQuantity(v, DecimalExponent), as the CEL library builds it for `add(int)` / `sub(int)`. */
export function quantityFromInt(v: bigint): Quantity {
  return new Quantity(v, 0, 'int', 'DecimalExponent');
}

// ---- canonical string (for messages) ------------------------------------------------------------

const DECIMAL_SUFFIX_BY_EXP: Readonly<Record<number, string>> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIX_BY_EXP: Readonly<Record<number, string>> = { 0: '', 10: 'Ki', 20: 'Mi', 30: 'Gi', 40: 'Ti', 50: 'Pi', 60: 'Ei' };

function canonicalString(q: Quantity): string {
  if (q.isZero()) return '0';
  let format = q.format;
  const neg = q.unscaled < 0n;
  let abs = neg ? -q.unscaled : q.unscaled;
  let exp = q.exp;
  if (format === 'BinarySI') {
    const integral = exp >= 0 || abs % pow10(-exp) === 0n;
    if (compareScaled(abs, exp, 1024n, 0) < 0 || !integral) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let n = exp >= 0 ? abs * pow10(exp) : abs / pow10(-exp);
    let e = 0;
    while (n % 1024n === 0n && e < 60) {
      n /= 1024n;
      e += 10;
    }
    return `${neg ? '-' : ''}${n}${BINARY_SUFFIX_BY_EXP[e] ?? ''}`;
  }
  while (abs % 10n === 0n) {
    abs /= 10n;
    exp++;
  }
  while (exp % 3 !== 0) {
    abs *= 10n;
    exp--;
  }
  const sfx = format === 'DecimalExponent' ? (exp === 0 ? '' : `e${exp}`) : (DECIMAL_SUFFIX_BY_EXP[exp] ?? `e${exp}`);
  return `${neg ? '-' : ''}${abs}${sfx}`;
}
