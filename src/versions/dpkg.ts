/**
 * Debian package versions, ordered as Debian Policy §5.6.12 describes and dpkg
 * implements: `[epoch:]upstream_version[-debian_revision]`.
 *
 * - The epoch is an unsigned integer before the first colon (absent = 0).
 * - The revision is everything after the last hyphen (absent = "", which orders
 *   like "0"); the upstream version is what lies between.
 * - Upstream and revision compare part by part: a run of non-digits compares by a
 *   modified ASCII order (tilde first, before even the end of the run; then the
 *   end; then letters; then everything else), then a run of digits compares as a
 *   number.
 *
 * What is valid: what `dpkg --compare-versions` parses without an *error*: a
 * non-empty epoch of digits no larger than 2^31-1, something after the colon, a
 * non-empty upstream version, and a non-empty revision when there is a hyphen.
 * dpkg only *warns* about an upstream that does not start with a digit or about
 * unusual punctuation, and still orders them; so do we, since the ordering is
 * exactly defined. We are stricter than dpkg in three ways, all input no Debian
 * tool produces: whitespace anywhere (dpkg trims the ends), characters outside
 * printable ASCII (their order would depend on the byte encoding), and an epoch
 * with a sign (dpkg's strtol reads "+1" as 1).
 */
import { defineScheme, isAsciiDigit, isAsciiLetter, isDigits, isPrintableAsciiNoSpace } from './scheme.js';

export interface DpkgVersion {
  readonly epoch: number;
  readonly upstream: string;
  /** "" when the version has no Debian revision. */
  readonly revision: string;
}

const MAX_EPOCH = 2_147_483_647;

export function parseDpkgVersion(v: string): DpkgVersion | undefined {
  if (v.length === 0 || !isPrintableAsciiNoSpace(v)) return undefined;
  let epoch = 0;
  let rest = v;
  const colon = v.indexOf(':');
  if (colon >= 0) {
    const epochText = v.slice(0, colon);
    if (!isDigits(epochText)) return undefined;
    epoch = Number(epochText);
    if (!(epoch <= MAX_EPOCH)) return undefined;
    rest = v.slice(colon + 1);
  }
  let upstream = rest;
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision.length === 0) return undefined;
  }
  if (upstream.length === 0) return undefined;
  return { epoch, upstream, revision };
}

/**
 * Weight of a character in a non-digit run: `~` below the end of the run (0),
 * letters by ASCII code, every other character after all letters.
 */
function weight(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (isAsciiDigit(c)) return 0;
  if (isAsciiLetter(c)) return c;
  if (c === 0x7e /* ~ */) return -1;
  return c + 256;
}

/** Policy §5.6.12 comparison of one upstream version or one revision. */
export function compareDpkgPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit run: walk both sides together until both reach a digit (or end).
    while ((i < a.length && !isAsciiDigit(a.charCodeAt(i))) || (j < b.length && !isAsciiDigit(b.charCodeAt(j)))) {
      const wa = weight(a, i);
      const wb = weight(b, j);
      if (wa !== wb) return wa - wb;
      i++;
      j++;
    }
    // Digit run: compare as numbers of any length (leading zeros skipped).
    while (i < a.length && a.charCodeAt(i) === 0x30) i++;
    while (j < b.length && b.charCodeAt(j) === 0x30) j++;
    let firstDifference = 0;
    while (i < a.length && j < b.length && isAsciiDigit(a.charCodeAt(i)) && isAsciiDigit(b.charCodeAt(j))) {
      if (firstDifference === 0) firstDifference = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isAsciiDigit(a.charCodeAt(i))) return 1;
    if (j < b.length && isAsciiDigit(b.charCodeAt(j))) return -1;
    if (firstDifference !== 0) return firstDifference;
  }
  return 0;
}

export function compareDpkgVersions(a: DpkgVersion, b: DpkgVersion): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return compareDpkgPart(a.upstream, b.upstream) || compareDpkgPart(a.revision, b.revision);
}

export const dpkgScheme = defineScheme<DpkgVersion>({
  id: 'dpkg',
  displayName: 'Debian',
  osvEcosystems: ['Debian', 'Ubuntu'],
  parse: parseDpkgVersion,
  compareParsed: compareDpkgVersions,
});
