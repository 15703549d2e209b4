/**
 * `string.format(list)` from cel-go's strings extension (version 2, the one Kubernetes
 * enables), and the Kubernetes `format` library of named string validations
 * (`format.dns1123Label().validate(s)`), with the API server's error messages.
 */
import { Optional } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { celTypeName } from './values.js';
import { isURL, parseURL } from './url.js';

export class FormatError extends Error {}

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go `fmt.Sprintf("%g", d)` (strconv 'g', shortest): shortest digits, %e when the exponent is < -4 or >= 6. */
export function goFormatG(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return '+Inf';
  if (d === -Infinity) return '-Inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const [mant, expStr] = d.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    return `${neg ? '-' : ''}${m}e${e}`;
  }
  // Plain notation with the shortest digits.
  let s: string;
  if (exp >= digits.length - 1) s = digits + '0'.repeat(exp - digits.length + 1);
  else if (exp >= 0) s = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  else s = `0.${'0'.repeat(-exp - 1)}${digits}`;
  return `${neg ? '-' : ''}${s}`;
}

/** CEL `string(double)`: cel-go prints doubles with %g. */
function doubleToString(d: number): string {
  return goFormatG(d);
}

function timestampString(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

function durationString(d: Duration): string {
  return String(d);
}

/** The string CEL's `string()` conversion gives (used by %s). */
function stringOf(v: unknown, clause: string): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return String(v);
    case 'bigint':
      return v.toString();
    case 'number':
      return doubleToString(v);
  }
  if (v instanceof UnsignedInt) return v.value.toString();
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (v instanceof Date) return timestampString(v);
  if (v instanceof Duration) return durationString(v);
  if (Array.isArray(v)) return formatList(v);
  if (isMap(v)) return formatMap(v);
  if (v instanceof Optional) throw new FormatError(`${clause}string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given optional_type`);
  const t = celTypeName(v);
  // A Type value prints as its name.
  if (typeof (v as { name?: unknown }).name === 'string' && (v as object).constructor?.name === 'Type') return (v as { name: string }).name;
  throw new FormatError(`${clause}string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ${t}`);
}

function isMap(v: unknown): v is Map<unknown, unknown> | Record<string, unknown> {
  if (v instanceof Map) return true;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

/** A member of a list or map inside %s: quoted as a CEL literal. */
function memberString(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (v instanceof Uint8Array) return `b${goQuote(new TextDecoder().decode(v))}`;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return goQuote(doubleToString(v).replace('+Inf', 'Infinity').replace('-Inf', '-Infinity'));
    return v.toFixed(6);
  }
  if (v instanceof Date) return `timestamp(${goQuote(timestampString(v))})`;
  if (v instanceof Duration) return `duration(${goQuote(durationString(v))})`;
  if (v === null || typeof v === 'boolean' || typeof v === 'bigint' || v instanceof UnsignedInt || Array.isArray(v) || isMap(v)) return stringOf(v, '');
  throw new FormatError(`no formatting function for ${celTypeName(v)}`);
}

function formatList(v: unknown[]): string {
  return `[${v.map(memberString).join(', ')}]`;
}

function formatMap(v: Map<unknown, unknown> | Record<string, unknown>): string {
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  const pairs = entries.map(([k, x]) => {
    let key: string;
    if (typeof k === 'string') key = goQuote(k);
    else if (typeof k === 'boolean' || typeof k === 'bigint' || k instanceof UnsignedInt) key = stringOf(k, '');
    else throw new FormatError(`no formatting function for map key of type ${celTypeName(k)}`);
    return [key, memberString(x)] as const;
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `{${pairs.map(([k, x]) => `${k}:${x}`).join(', ')}}`;
}

function asDouble(v: unknown, clauseName: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new FormatError(`error during formatting: ${clauseName} clause can only be used on doubles, was given ${celTypeName(v)}`);
}

function fixed(d: number, precision: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return '∞';
  if (d === -Infinity) return '-∞';
  return d.toFixed(Math.min(precision, 100));
}

const SUPERSCRIPT = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
/** %e as cel-go prints it through golang.org/x/text for en_US: 2.718280 × 10⁰⁰. */
function scientific(d: number, precision: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? '∞' : '-∞';
  const [m, e] = d.toExponential(Math.min(precision, 100)).split('e') as [string, string];
  const exp = Number(e);
  const digits = String(Math.abs(exp)).padStart(2, '0');
  const sup = [...digits].map((c) => SUPERSCRIPT[Number(c)]).join('');
  return `${m}\u202f×\u202f10${exp < 0 ? '⁻' : ''}${sup}`;
}

function integer(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (v instanceof UnsignedInt) return v.value;
  return undefined;
}

/** cel-go `<string>.format(<list>)`. */
export function formatString(format: string, args: readonly unknown[]): string {
  let out = '';
  let argIndex = 0;
  const next = (): unknown => {
    if (argIndex >= args.length) throw new FormatError(`index ${argIndex} out of range`);
    return args[argIndex++];
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c !== '%') {
      out += c;
      continue;
    }
    i++;
    if (i >= format.length) throw new FormatError('unexpected end of string');
    if (format[i] === '%') {
      out += '%';
      continue;
    }
    let precision: number | undefined;
    if (format[i] === '.') {
      const m = /^\.([0-9]+)/.exec(format.slice(i, i + 6));
      if (!m) throw new FormatError('could not parse formatting clause: error while parsing precision: unable to find end of precision specifier');
      precision = Number(m[1]);
      i += m[0].length;
    }
    const verb = format[i];
    if (verb === undefined) throw new FormatError('unexpected end of string');
    switch (verb) {
      case 's':
        out += stringOf(next(), 'error during formatting: ');
        break;
      case 'd': {
        const v = next();
        const n = integer(v);
        if (n === undefined) throw new FormatError(`error during formatting: decimal clause can only be used on integers, was given ${celTypeName(v)}`);
        out += n.toString();
        break;
      }
      case 'f':
        out += fixed(asDouble(next(), 'fixed-point'), precision ?? 6);
        break;
      case 'e':
        out += scientific(asDouble(next(), 'scientific'), precision ?? 6);
        break;
      case 'b': {
        const v = next();
        if (typeof v === 'boolean') out += v ? '1' : '0';
        else {
          const n = integer(v);
          if (n === undefined) throw new FormatError(`error during formatting: only integers and bools can be formatted as binary, was given ${celTypeName(v)}`);
          out += n < 0n ? `-${(-n).toString(2)}` : n.toString(2);
        }
        break;
      }
      case 'o': {
        const v = next();
        const n = integer(v);
        if (n === undefined) throw new FormatError(`error during formatting: octal clause can only be used on integers, was given ${celTypeName(v)}`);
        out += n < 0n ? `-${(-n).toString(8)}` : n.toString(8);
        break;
      }
      case 'x':
      case 'X': {
        const v = next();
        let hex: string;
        const n = integer(v);
        if (n !== undefined) hex = n < 0n ? `-${(-n).toString(16)}` : n.toString(16);
        else if (typeof v === 'string') hex = Buffer.from(v, 'utf8').toString('hex');
        else if (v instanceof Uint8Array) hex = Buffer.from(v).toString('hex');
        else throw new FormatError(`error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given ${celTypeName(v)}`);
        out += verb === 'X' ? hex.toUpperCase() : hex;
        break;
      }
      default:
        throw new FormatError(`could not parse formatting clause: unrecognized formatting clause ${goQuote(verb)}`);
    }
  }
  return out;
}

// ---- Kubernetes named formats (library.Format) ------------------------------------------

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let s = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) s += ' or ';
    s += `'${e}', `;
  });
  return `${s}regex used for validation is '${fmt}')`;
}
const maxLen = (n: number): string => `must be no more than ${n} characters`;

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QNAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QNAME_FMT})?`;

function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v)) errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  return errs;
}

function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(v)) errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(v)) errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

const QNAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0] as string;
  else if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [`a qualified name ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (!/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name)) errs.push(`name part ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

const maskTrailingDash = (s: string): string => (s.length > 1 && s.endsWith('-') ? `${s.slice(0, -1)}a` : s);

/** A named format (the library's `kubernetes.NamedFormat`). */
export class NamedFormat {
  constructor(
    readonly name: string,
    readonly validate: (s: string) => string[],
  ) {}
}

export const NAMED_FORMATS: ReadonlyMap<string, NamedFormat> = new Map(
  (
    [
      ['dns1123Label', 'DNS1123Label', (s: string) => isDNS1123Label(s)],
      ['dns1123Subdomain', 'DNS1123Subdomain', (s: string) => isDNS1123Subdomain(s)],
      ['dns1035Label', 'DNS1035Label', (s: string) => isDNS1035Label(s)],
      ['qualifiedName', 'QualifiedName', isQualifiedName],
      ['dns1123LabelPrefix', 'DNS1123LabelPrefix', (s: string) => isDNS1123Label(maskTrailingDash(s))],
      ['dns1123SubdomainPrefix', 'DNS1123SubdomainPrefix', (s: string) => isDNS1123Subdomain(maskTrailingDash(s))],
      ['dns1035LabelPrefix', 'DNS1035LabelPrefix', (s: string) => isDNS1035Label(maskTrailingDash(s))],
      ['labelValue', 'LabelValue', isValidLabelValue],
      [
        'uri',
        'URI',
        (s: string) => {
          if (isURL(s)) return [];
          try {
            parseURL(s);
            return [];
          } catch (e) {
            return [(e as Error).message.replace(/^URL parse error during conversion from string: /, '')];
          }
        },
      ],
      ['uuid', 'uuid', (s: string) => (/^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i.test(s) ? [] : ['does not match the UUID format'])],
      ['byte', 'byte', (s: string) => (/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s) ? [] : ['invalid base64'])],
      ['date', 'date', (s: string) => (validDate(s) ? [] : ['invalid date'])],
      ['datetime', 'datetime', (s: string) => (validDateTime(s) ? [] : ['invalid datetime'])],
    ] as const
  ).map(([key, name, fn]) => [key, new NamedFormat(name, fn)]),
);

function validDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function validDateTime(s: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/.exec(s);
  if (!m || !validDate(m[1] as string)) return false;
  return Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4]) < 61;
}

/** `<Format>.validate(s)`: optional.none() when valid, else optional.of(errors). */
export function validateNamedFormat(f: NamedFormat, s: string): Optional<string[]> {
  const errs = f.validate(s);
  return errs.length === 0 ? Optional.none() : Optional.of(errs);
}
