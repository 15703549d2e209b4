import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goScheme } from './go.js';
import { VersionParseError } from './scheme.js';
import { checkAgainstNative, checkVectors, parseAnswer, summary } from './test-support/agreement.js';
import { goOracle, runPairs } from './test-support/native.js';
import { mutate, rng, versionPairs, type Rng } from './test-support/prng.js';
import { readScalibrVectors } from './test-support/vectors.js';

/** golang.org/x/mod/semver itself: E when either side is invalid, else Compare's sign. */
const GO_COMPARE = `package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		p := strings.SplitN(in.Text(), "\\t", 2)
		if len(p) != 2 || !semver.IsValid(p[0]) || !semver.IsValid(p[1]) {
			fmt.Fprintln(out, "E")
			continue
		}
		fmt.Fprintln(out, semver.Compare(p[0], p[1]))
	}
}
`;

function timestamp(r: Rng): string {
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  return `${r.int(2018, 2025)}${pad(r.int(1, 12), 2)}${pad(r.int(1, 28), 2)}${pad(r.int(0, 23), 2)}${pad(r.int(0, 59), 2)}${pad(r.int(0, 59), 2)}`;
}

const hash = (r: Rng): string => Array.from({ length: 12 }, () => '0123456789abcdef'[r.int(0, 15)]).join('');

function goVersion(r: Rng): string {
  const n = (): string => (r.chance(0.97) ? String(r.pick([0, 1, 2, 3, 10, r.int(0, 40)])) : r.pick(['01', '00', '123456789012345678901234']));
  const roll = r.next();
  let s: string;
  if (roll < 0.04) s = `v${n()}`;
  else if (roll < 0.08) s = `v${n()}.${n()}`;
  else s = `v${n()}.${n()}.${n()}`;
  if (s.split('.').length === 3) {
    const pre = r.next();
    if (pre < 0.15) s = `v0.0.0-${timestamp(r)}-${hash(r)}`;
    else if (pre < 0.3) s += `-0.${timestamp(r)}-${hash(r)}`;
    else if (pre < 0.4) s += `-${r.pick(['rc.1', 'beta', 'pre'])}.0.${timestamp(r)}-${hash(r)}`;
    else if (pre < 0.55) s += `-${r.pick(['alpha', 'beta.2', 'rc.1', 'rc.10', '1', '0', 'x-y', 'RC1', '01', 'a..b'])}`;
    if (r.chance(0.12)) s += r.pick(['+incompatible', '+build.1', '+001', '+']);
  }
  // OSV writes Go versions without the v; the scheme supplies it.
  return r.chance(0.2) ? s.slice(1) : s;
}

const neighbour = (r: Rng, v: string): string => mutate(r, v, '0123456789.-+abv', ['-0', '.1', '+incompatible', '-rc.1', '.0', '0', '1', '-pre']);

/** What Go is asked: the version with the `v` the scheme would supply (only when it is missing). */
const withV = (v: string): string => (v.startsWith('v') ? v : `v${v}`);

test('go: ordering and validity agree with golang.org/x/mod/semver on generated pairs (incl. pseudo-versions, +incompatible, shorthands)', (t) => {
  const oracle = goOracle(GO_COMPARE);
  if ('skip' in oracle) return t.skip(oracle.skip);
  const pairs = versionPairs(rng(0x60), 30_000, goVersion, neighbour);
  const answers = runPairs(oracle.binary, [], pairs.map(([a, b]) => [withV(a), withV(b)] as const)).map(parseAnswer);
  const check = checkAgainstNative(goScheme, pairs, answers);
  t.diagnostic(summary('x/mod/semver pairs', check));
  assert.deepEqual(check.disagreements, []);
});

test('go: osv-scalibr SemVer vectors (the ones Go accepts, v supplied)', (t) => {
  const vectors = readScalibrVectors('semver-versions.txt');
  if (!vectors) return t.skip('shared corpus (scanner/version-vectors) not present');
  const r = checkVectors(goScheme, vectors);
  t.diagnostic(`${summary('semver-versions.txt', r)}, ${r.rejected.length} refused`);
  assert.deepEqual(r.disagreements, []);
  const oracle = goOracle(GO_COMPARE);
  if ('skip' in oracle) return t.diagnostic(`refusals not cross-checked: ${oracle.skip}`);
  const verdicts = runPairs(oracle.binary, [], r.rejected.map((v) => [withV(v.a), withV(v.b)] as const));
  assert.deepEqual(r.rejected.filter((_, i) => verdicts[i] !== 'E').map((v) => v.where), [], 'refused vectors must be ones Go refuses');
});

test('go: compare() throws a malformed_input VersionParseError', () => {
  assert.throws(
    () => goScheme.compare('v1.02.0', 'v1.0.0'),
    (e: unknown) => e instanceof VersionParseError && e.code === 'malformed_input' && e.scheme === 'go' && e.version === 'v1.02.0',
  );
  assert.throws(() => goScheme.compare('v1.0.0', 'V1.0.0'), VersionParseError);
});
