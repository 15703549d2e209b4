import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cargoScheme } from './cargo.js';
import { VersionParseError } from './scheme.js';
import { checkAgainstNative, checkVectors, parseAnswer, summary } from './test-support/agreement.js';
import { runPairs, rustSemverOracle } from './test-support/native.js';
import { mutate, rng, versionPairs, type Rng } from './test-support/prng.js';
import { readScalibrVectors } from './test-support/vectors.js';

/**
 * The `semver` crate Cargo uses: E when Version::parse refuses either side, else
 * the order of the two versions with build metadata cleared (SemVer precedence).
 */
const RUST_COMPARE = `use std::io::{self, BufRead, Write};

fn main() {
    let stdin = io::stdin();
    let mut out = io::BufWriter::new(io::stdout());
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let mut parts = line.splitn(2, '\\t');
        let a = semver::Version::parse(parts.next().unwrap_or(""));
        let b = semver::Version::parse(parts.next().unwrap_or(""));
        match (a, b) {
            (Ok(mut a), Ok(mut b)) => {
                a.build = semver::BuildMetadata::EMPTY;
                b.build = semver::BuildMetadata::EMPTY;
                writeln!(out, "{}", a.cmp(&b) as i8).unwrap();
            }
            _ => writeln!(out, "E").unwrap(),
        }
    }
}
`;

function ident(r: Rng): string {
  return r.chance(0.95) ? r.pick(['alpha', 'beta', 'rc', String(r.int(0, 20)), '0', 'a1', 'x-y', 'Beta', String(r.int(100, 99999)), '-', '1a', '99999999999999999999999']) : r.pick(['01', '', '00', 'é']);
}

function cargoVersion(r: Rng): string {
  const n = (): string => (r.chance(0.97) ? r.pick([String(r.int(0, 12)), String(r.int(0, 300)), '0']) : r.pick(['01', '18446744073709551615', '18446744073709551616', '']));
  let s = `${n()}.${n()}.${n()}`;
  if (r.chance(0.05)) s = r.pick([`v${s}`, `${n()}.${n()}`, `${s}.${n()}`, ` ${s}`, `=${s}`]);
  if (r.chance(0.35)) s += `-${Array.from({ length: r.int(1, 3) }, () => ident(r)).join('.')}`;
  if (r.chance(0.15)) s += `+${Array.from({ length: r.int(1, 2) }, () => r.pick(['build', '001', 'sha.abc', 'x', ''])).join('.')}`;
  return s;
}

const neighbour = (r: Rng, v: string): string => mutate(r, v, '0123456789.-+ab', ['-0', '-alpha', '.1', '+b', '-rc.1', '.0', '-1', '1', '0']);

test('cargo: ordering and validity agree with the semver crate on generated pairs', (t) => {
  const oracle = rustSemverOracle(RUST_COMPARE);
  if ('skip' in oracle) return t.skip(oracle.skip);
  const pairs = versionPairs(rng(0xca7), 30_000, cargoVersion, neighbour);
  const answers = runPairs(oracle.binary, [], pairs).map(parseAnswer);
  const check = checkAgainstNative(cargoScheme, pairs, answers);
  t.diagnostic(summary(`semver crate (${oracle.crate.split('/').pop()}) pairs`, check));
  assert.deepEqual(check.disagreements, []);
});

test('cargo: osv-scalibr SemVer vectors; the refused ones are refused by the semver crate too', (t) => {
  const vectors = readScalibrVectors('semver-versions.txt');
  if (!vectors) return t.skip('shared corpus (scanner/version-vectors) not present');
  const r = checkVectors(cargoScheme, vectors);
  t.diagnostic(`${summary('semver-versions.txt', r)}, ${r.rejected.length} refused (v prefixes, huge numbers, 5 parts)`);
  assert.deepEqual(r.disagreements, []);
  const oracle = rustSemverOracle(RUST_COMPARE);
  if ('skip' in oracle) return t.diagnostic(`refusals not cross-checked: ${oracle.skip}`);
  const verdicts = runPairs(oracle.binary, [], r.rejected.map((v) => [v.a, v.b] as const));
  assert.deepEqual(r.rejected.filter((_, i) => verdicts[i] !== 'E').map((v) => v.where), []);
});

test('cargo: compare() throws a malformed_input VersionParseError', () => {
  assert.throws(
    () => cargoScheme.compare('v1.0.0', '1.0.0'),
    (e: unknown) => e instanceof VersionParseError && e.code === 'malformed_input' && e.scheme === 'cargo' && e.version === 'v1.0.0',
  );
});
