/**
 * NuGet versions, ordered as NuGet.Versioning's default `VersionComparer` orders
 * `NuGetVersion`s (what NuGet and OSV's NuGet ecosystem use).
 *
 * Grammar (`NuGetVersion.TryParse`): one to four dot-separated numbers (a missing
 * minor, patch or revision is 0; leading zeros allowed: `1.01 = 1.1`; each at
 * most 2^31-1), then optionally `-` and dot-separated release labels from
 * `[0-9A-Za-z-]` (numeric labels without leading zeros), then optionally `+` and
 * metadata (same characters, leading zeros allowed).
 *
 * Ordering: major, minor, patch, revision as numbers; then a release sorts after
 * any prerelease; labels compare pairwise, numeric ones (those .NET's int.TryParse
 * reads) as numbers and before alphanumeric ones, which compare case-insensitively;
 * fewer labels sort first. Metadata is ignored.
 *
 * NuGet also trims surrounding whitespace and lets .NET's number parser accept
 * signs and inner whitespace in the numbers; we accept digits only.
 */
import { compareStrings, defineScheme, isAsciiAlnum, isAsciiDigit } from './scheme.js';

export interface NuGetVersion {
  /** Major, minor, patch, revision. */
  readonly numbers: readonly [number, number, number, number];
  /** Release labels; empty for a release. */
  readonly labels: readonly string[];
  /** Upper-cased labels (what OrdinalIgnoreCase compares), parallel to `labels`. */
  readonly foldedLabels: readonly string[];
  /** The int32 value of each label .NET reads as a number, else undefined. */
  readonly numericLabels: ReadonlyArray<number | undefined>;
}

const INT32_MAX = 2_147_483_647;

function parseNumberPart(s: string): number | undefined {
  if (s.length === 0 || s.length > 10) return undefined;
  for (let i = 0; i < s.length; i++) if (!isAsciiDigit(s.charCodeAt(i))) return undefined;
  const n = Number(s);
  return n <= INT32_MAX ? n : undefined;
}

/** A label or metadata part: non-empty `[0-9A-Za-z-]`, numeric ones without leading zeros when asked. */
function isValidPart(s: string, allowLeadingZeros: boolean): boolean {
  if (s.length === 0) return false;
  let digitsOnly = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isAsciiAlnum(c) && c !== 0x2d) return false;
    if (!isAsciiDigit(c)) digitsOnly = false;
  }
  return allowLeadingZeros || !(digitsOnly && s.length > 1 && s.charCodeAt(0) === 0x30);
}

/** The value .NET's int.TryParse gives a label (an optional '-' then digits, in int32 range). */
function labelNumber(label: string): number | undefined {
  const negative = label.charCodeAt(0) === 0x2d;
  const digits = negative ? label.slice(1) : label;
  if (digits.length === 0) return undefined;
  for (let i = 0; i < digits.length; i++) if (!isAsciiDigit(digits.charCodeAt(i))) return undefined;
  const n = Number(label);
  return n >= -INT32_MAX - 1 && n <= INT32_MAX ? n : undefined;
}

export function parseNuGetVersion(v: string): NuGetVersion | undefined {
  let rest = v;
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    const metadata = rest.slice(plus + 1).split('.');
    if (!metadata.every((m) => isValidPart(m, true))) return undefined;
    rest = rest.slice(0, plus);
  }
  let labels: string[] = [];
  const hyphen = rest.indexOf('-');
  if (hyphen >= 0) {
    labels = rest.slice(hyphen + 1).split('.');
    if (!labels.every((l) => isValidPart(l, false))) return undefined;
    rest = rest.slice(0, hyphen);
  }
  const parts = rest.split('.');
  if (parts.length > 4) return undefined;
  const numbers: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < parts.length; i++) {
    const n = parseNumberPart(parts[i] as string);
    if (n === undefined) return undefined;
    numbers[i] = n;
  }
  return {
    numbers,
    labels,
    foldedLabels: labels.map((l) => l.toUpperCase()),
    numericLabels: labels.map(labelNumber),
  };
}

export function compareNuGetVersions(a: NuGetVersion, b: NuGetVersion): number {
  for (let i = 0; i < 4; i++) {
    const x = a.numbers[i] as number;
    const y = b.numbers[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  if (a.labels.length === 0 || b.labels.length === 0) return b.labels.length - a.labels.length;
  const n = Math.min(a.labels.length, b.labels.length);
  for (let i = 0; i < n; i++) {
    const x = a.numericLabels[i];
    const y = b.numericLabels[i];
    if (x !== undefined && y !== undefined) {
      if (x !== y) return x < y ? -1 : 1;
    } else if (x !== undefined || y !== undefined) {
      return x !== undefined ? -1 : 1;
    } else {
      const r = compareStrings(a.foldedLabels[i] as string, b.foldedLabels[i] as string);
      if (r !== 0) return r;
    }
  }
  return a.labels.length - b.labels.length;
}

export const nugetScheme = defineScheme<NuGetVersion>({
  id: 'nuget',
  displayName: 'NuGet',
  osvEcosystems: ['NuGet'],
  parse: parseNuGetVersion,
  compareParsed: compareNuGetVersions,
});
