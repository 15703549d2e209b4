/**
 * Semantic versions as the Kubernetes CEL library reads them: blang/semver v4 `Parse`
 * (strict: MAJOR.MINOR.PATCH, no leading zeros, no `v`, no spaces) and the library's
 * `normalizeAndParse` for `semver(s, true)` (drops a leading `v`, leading zeros, fills a
 * missing minor or patch with 0). Ordering is semver.org's: numbers, then a release above
 * its pre-releases, pre-release identifiers numeric below alphanumeric; build metadata is
 * ignored, also by equality.
 */

export class SemverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SemverError';
  }
}

const UINT64_MAX = (1n << 64n) - 1n;
export const MAX_SEMVER_LENGTH = 1024;

type PreIdent = { num: bigint } | { str: string };

export class Semver {
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly pre: readonly PreIdent[],
    readonly build: readonly string[],
  ) {}

  compare(o: Semver): number {
    for (const [a, b] of [
      [this.major, o.major],
      [this.minor, o.minor],
      [this.patch, o.patch],
    ] as const) {
      if (a !== b) return a < b ? -1 : 1;
    }
    if (this.pre.length === 0 && o.pre.length === 0) return 0;
    if (this.pre.length === 0) return 1;
    if (o.pre.length === 0) return -1;
    for (let i = 0; ; i++) {
      const a = this.pre[i];
      const b = o.pre[i];
      if (a === undefined && b === undefined) return 0;
      if (a === undefined) return -1;
      if (b === undefined) return 1;
      const c = comparePre(a, b);
      if (c !== 0) return c;
    }
  }

  toString(): string {
    let s = `${this.major}.${this.minor}.${this.patch}`;
    if (this.pre.length) s += `-${this.pre.map((p) => ('num' in p ? p.num.toString() : p.str)).join('.')}`;
    if (this.build.length) s += `+${this.build.join('.')}`;
    return s;
  }
}

function comparePre(a: PreIdent, b: PreIdent): number {
  if ('num' in a && 'num' in b) return a.num === b.num ? 0 : a.num < b.num ? -1 : 1;
  if ('num' in a) return -1;
  if ('num' in b) return 1;
  return a.str === b.str ? 0 : a.str < b.str ? -1 : 1;
}

const NUMBERS = /^[0-9]*$/;
const ALPHANUM = /^[0-9A-Za-z-]*$/;

function parseNumber(s: string, what: string): bigint {
  if (!NUMBERS.test(s)) throw new SemverError(`Invalid character(s) found in ${what} number ${JSON.stringify(s)}`);
  if (s.length > 1 && s[0] === '0') throw new SemverError(`${what[0]?.toUpperCase()}${what.slice(1)} number must not contain leading zeroes ${JSON.stringify(s)}`);
  if (s === '') throw new SemverError(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const v = BigInt(s);
  if (v > UINT64_MAX) throw new SemverError(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return v;
}

/** blang/semver v4 Parse. */
export function parseSemver(s: string): Semver {
  if (s.length === 0) throw new SemverError('Version string empty');
  if (s.length > MAX_SEMVER_LENGTH) throw new SemverError(`version longer than ${MAX_SEMVER_LENGTH} characters`);
  const first = s.indexOf('.');
  const second = first < 0 ? -1 : s.indexOf('.', first + 1);
  if (first < 0 || second < 0) throw new SemverError('No Major.Minor.Patch elements found');
  const major = parseNumber(s.slice(0, first), 'major');
  const minor = parseNumber(s.slice(first + 1, second), 'minor');
  let patchStr = s.slice(second + 1);
  let build: string[] = [];
  let pre: string[] = [];
  const plus = patchStr.indexOf('+');
  if (plus !== -1) {
    build = patchStr.slice(plus + 1).split('.');
    patchStr = patchStr.slice(0, plus);
  }
  const dash = patchStr.indexOf('-');
  if (dash !== -1) {
    pre = patchStr.slice(dash + 1).split('.');
    patchStr = patchStr.slice(0, dash);
  }
  const patch = parseNumber(patchStr, 'patch');
  const preIdents: PreIdent[] = pre.map((p) => {
    if (p === '') throw new SemverError('Prerelease is empty');
    if (NUMBERS.test(p)) {
      if (p.length > 1 && p[0] === '0') throw new SemverError(`Numeric PreRelease version must not contain leading zeroes ${JSON.stringify(p)}`);
      return { num: BigInt(p) };
    }
    if (!ALPHANUM.test(p)) throw new SemverError(`Invalid character(s) found in prerelease ${JSON.stringify(p)}`);
    return { str: p };
  });
  for (const b of build) {
    if (b === '') throw new SemverError('Build meta data is empty');
    if (!ALPHANUM.test(b)) throw new SemverError(`Invalid character(s) found in build meta data ${JSON.stringify(b)}`);
  }
  return new Semver(major, minor, patch, preIdents, build);
}

/** The library's normalizeAndParse (for `semver(s, true)` and `isSemver(s, true)`). */
export function parseSemverNormalized(input: string): Semver {
  const s = input.startsWith('v') ? input.slice(1) : input;
  const parts: string[] = [];
  const a = s.indexOf('.');
  const b = a < 0 ? -1 : s.indexOf('.', a + 1);
  if (a < 0) parts.push(s);
  else if (b < 0) parts.push(s.slice(0, a), s.slice(a + 1));
  else parts.push(s.slice(0, a), s.slice(a + 1, b), s.slice(b + 1));
  for (let i = 0; i < parts.length; i++) {
    let p = parts[i] as string;
    if (p.length > 1) {
      p = p.replace(/^0+/, '');
      if (p.length === 0 || !/[0-9]/.test(p[0] as string)) p = `0${p}`;
      parts[i] = p;
    }
  }
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1] as string)) throw new SemverError('short version cannot contain PreRelease/Build meta data');
    while (parts.length < 3) parts.push('0');
  }
  return parseSemver(parts.join('.'));
}

export function isSemver(s: string, normalize = false): boolean {
  try {
    if (normalize) parseSemverNormalized(s);
    else parseSemver(s);
    return true;
  } catch (e) {
    if (e instanceof SemverError) return false;
    throw e;
  }
}
