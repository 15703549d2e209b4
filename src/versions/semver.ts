/**
 * npm versions, parsed and ordered by npm's own `semver` library, so the answer is
 * the one npm gives. Also the scheme for OSV `SEMVER` ranges in ecosystems that use
 * plain SemVer 2.0 (Hex).
 *
 * What we accept is node-semver's *strict* grammar: `MAJOR.MINOR.PATCH`, optional
 * `-prerelease` and `+build`, no leading zeros, each number at most 2^53-1 and the
 * whole string at most 256 characters; node-semver also allows a leading `v`
 * (`v1.2.3` equals `1.2.3`), and so do we. We do not accept its *loose* forms
 * (`=1.2.3`, `1.2.3beta`, `01.2.3`) nor surrounding whitespace (which node-semver
 * trims): npm has refused to publish them for years and OSV data does not use
 * them, so accepting them would mean reinterpreting a string, i.e. guessing.
 *
 * Build metadata is ignored when ordering (SemVer 2.0 §10): `1.0.0+a` equals
 * `1.0.0+b`.
 */
import { createRequire } from 'node:module';
import { defineScheme, hasSpaceOrControl } from './scheme.js';

/** The part of node-semver's SemVer class we use (the package ships no types). */
export interface NodeSemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: ReadonlyArray<string | number>;
  readonly build: readonly string[];
  readonly version: string;
  compare(other: NodeSemVer): -1 | 0 | 1;
}

type SemVerConstructor = new (version: string, options?: { loose?: boolean }) => NodeSemVer;

// node-semver is CommonJS without type declarations; load the class directly.
const require = createRequire(import.meta.url);
const SemVer = require('semver/classes/semver') as SemVerConstructor;

export function parseNpmSemver(v: string): NodeSemVer | undefined {
  // node-semver trims before matching; we treat surrounding whitespace as malformed.
  if (v.length === 0 || hasSpaceOrControl(v)) return undefined;
  try {
    return new SemVer(v, { loose: false });
  } catch {
    return undefined;
  }
}

export const semverScheme = defineScheme<NodeSemVer>({
  id: 'semver',
  displayName: 'SemVer (npm)',
  osvEcosystems: ['npm', 'Hex'],
  parse: parseNpmSemver,
  compareParsed: (a, b) => a.compare(b),
});
