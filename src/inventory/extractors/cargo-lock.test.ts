/**
 * Oracle: Cargo itself, offline. The test lays out a workspace whose crates.io
 * dependencies are replaced by a local directory source of small crates we write
 * (two majors of one crate, a dash in a name, a path dependency), has
 * `cargo generate-lockfile --offline` write a real Cargo.lock, and compares our
 * reading with `cargo metadata --offline` (packages with a source, and the resolve
 * graph's dependency names).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCacheDir } from '../../testing/corpus.js';
import { isStockadeError } from '../../core/errors.js';
import { cargoLockExtractor, parseCargoLock } from './cargo-lock.js';

/** [name, version, [dependencies] section body] */
const CRATES: Array<[string, string, string]> = [
  ['alpha', '1.0.0', ''],
  ['alpha', '2.0.0', ''],
  ['beta', '0.3.1', 'alpha = "1"'],
  ['gamma-rs', '0.1.0', 'beta = "0.3"'],
];
const APP_DEPS = 'alpha = "2"\ngamma-rs = "0.1"\nlocal = { path = "../local" }';
const LOCAL_DEPS = 'beta = "0.3"';

function cargoAvailable(): boolean {
  try {
    execFileSync('cargo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function cargo(cwd: string, home: string, args: string[]): string {
  return execFileSync('cargo', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, env: { ...process.env, CARGO_HOME: home } });
}

function manifest(name: string, version: string, deps: string): string {
  return `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n\n[dependencies]\n${deps}\n`;
}

function cargoProject(): string | undefined {
  const key = createHash('sha256').update(JSON.stringify([CRATES, APP_DEPS, LOCAL_DEPS])).digest('hex').slice(0, 16);
  const dir = join(fixtureCacheDir(), `cargo-${key}`);
  if (existsSync(join(dir, 'app', 'Cargo.lock'))) return dir;
  mkdirSync(fixtureCacheDir(), { recursive: true });
  const tmp = mkdtempSync(join(fixtureCacheDir(), 'cargo-tmp-'));
  try {
    for (const [name, version, deps] of CRATES) {
      const crate = join(tmp, 'vendor', `${name}-${version}`);
      mkdirSync(join(crate, 'src'), { recursive: true });
      writeFileSync(join(crate, 'Cargo.toml'), manifest(name, version, deps));
      writeFileSync(join(crate, 'src', 'lib.rs'), '');
      // Directory sources need a checksum file; an empty file map skips per-file checks.
      const sum = createHash('sha256').update(`${name}-${version}`).digest('hex');
      writeFileSync(join(crate, '.cargo-checksum.json'), JSON.stringify({ files: {}, package: sum }));
    }
    for (const [sub, name, version, deps] of [['app', 'app', '0.1.0', APP_DEPS], ['local', 'local', '0.2.0', LOCAL_DEPS]] as const) {
      mkdirSync(join(tmp, sub, 'src'), { recursive: true });
      writeFileSync(join(tmp, sub, 'Cargo.toml'), manifest(name, version, deps));
      writeFileSync(join(tmp, sub, 'src', 'lib.rs'), '');
    }
    mkdirSync(join(tmp, '.cargo'));
    writeFileSync(join(tmp, '.cargo', 'config.toml'), '[source.crates-io]\nreplace-with = "vendored"\n\n[source.vendored]\ndirectory = "vendor"\n');
    cargo(join(tmp, 'app'), join(tmp, 'cargo-home'), ['generate-lockfile', '--offline']);
    renameSync(tmp, dir);
    return dir;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    // Another test process may have built the same fixture meanwhile.
    return existsSync(dir) ? dir : undefined;
  }
}

interface Metadata {
  packages: Array<{ id: string; name: string; version: string; source: string | null }>;
  resolve: { nodes: Array<{ id: string; deps: Array<{ pkg: string }> }> };
}

test('Cargo.lock written by cargo matches cargo metadata', (t) => {
  if (!cargoAvailable()) return t.skip('cargo not installed');
  const dir = cargoProject();
  if (!dir) return t.skip('cargo could not lock the offline fixture workspace');
  const meta = JSON.parse(cargo(join(dir, 'app'), join(dir, 'cargo-home'), ['metadata', '--offline', '--format-version', '1'])) as Metadata;
  const byId = new Map(meta.packages.map((p) => [p.id, p]));
  const withSource = meta.packages.filter((p) => p.source !== null);
  assert.ok(meta.packages.some((p) => p.source === null && p.name === 'local'), 'fixture has a path crate');
  const result = parseCargoLock('app/Cargo.lock', readFileSync(join(dir, 'app', 'Cargo.lock')));
  const ours = result.packages ?? [];
  assert.deepEqual(ours.map((p) => `${p.name}@${p.version}`).sort(), withSource.map((p) => `${p.name}@${p.version}`).sort());
  for (const node of meta.resolve.nodes) {
    const p = byId.get(node.id)!;
    if (p.source === null) continue;
    const mine = ours.find((o) => o.name === p.name && o.version === p.version);
    assert.deepEqual((mine?.dependsOn ?? []).slice().sort(), node.deps.map((d) => byId.get(d.pkg)!.name).sort(), `${p.name} deps`);
    assert.equal(mine?.purl, `pkg:cargo/${p.name}@${p.version}`);
    assert.equal(mine?.metadata?.['source'], p.source);
  }
  assert.equal(result.warnings, undefined);
});

test('older lockfile forms and git sources', () => {
  // Version-1 style dependency strings "name version (source)" and a git source,
  // as documented in cargo's src/cargo/core/resolver/encode.rs.
  const lock = [
    '[[package]]',
    'name = "app"',
    'version = "0.1.0"',
    'dependencies = [',
    ' "serde 1.0.100 (registry+https://github.com/rust-lang/crates.io-index)",',
    ' "mygit 0.1.0 (git+https://example.com/mygit#0123456789abcdef0123456789abcdef01234567)",',
    ']',
    '',
    '[[package]]',
    'name = "serde"',
    'version = "1.0.100"',
    'source = "registry+https://github.com/rust-lang/crates.io-index"',
    '',
    '[[package]]',
    'name = "mygit"',
    'version = "0.1.0"',
    'source = "git+https://example.com/mygit#0123456789abcdef0123456789abcdef01234567"',
    'dependencies = ["serde 1.0.100 (registry+https://github.com/rust-lang/crates.io-index)"]',
    '',
    '[metadata]',
    '"checksum serde 1.0.100 (registry+https://github.com/rust-lang/crates.io-index)" = "abc"',
  ].join('\n');
  const result = parseCargoLock('Cargo.lock', Buffer.from(lock));
  assert.deepEqual(result.packages?.map((p) => `${p.name}@${p.version}`), ['serde@1.0.100', 'mygit@0.1.0']);
  const git = result.packages?.[1];
  assert.equal(git?.metadata?.['commit'], '0123456789abcdef0123456789abcdef01234567');
  assert.deepEqual(git?.dependsOn, ['serde']);
});

test('wants Cargo.lock', () => {
  const meta = { path: '', size: 1, mode: 0o644 };
  assert.equal(cargoLockExtractor.wants('Cargo.lock', meta), true);
  assert.equal(cargoLockExtractor.wants('src/app/Cargo.lock', meta), true);
  assert.equal(cargoLockExtractor.wants('src/app/MyCargo.lock', meta), false);
  assert.equal(cargoLockExtractor.wants('src/app/cargo.lock', meta), false);
});

test('malformed lockfiles throw, malformed entries warn', () => {
  const malformed = (e: unknown) => isStockadeError(e) && e.code === 'malformed_input';
  for (const bad of ['[[package]\n', 'package = 5', 'a = ' + '['.repeat(50_000), 'x = "unterminated']) {
    assert.throws(() => parseCargoLock('Cargo.lock', Buffer.from(bad)), malformed, bad.slice(0, 20));
  }
  const mixed = '[[package]]\nname = "ok"\nversion = "1.0.0"\nsource = "registry+x"\n\n[[package]]\nname = 7\n\n[[package]]\nname = "bad name"\nversion = "1"\nsource = "registry+x"\n';
  const r = parseCargoLock('Cargo.lock', Buffer.from(mixed));
  assert.deepEqual(r.packages?.map((p) => p.name), ['ok']);
  assert.equal(r.warnings?.length, 2);
  assert.deepEqual(parseCargoLock('Cargo.lock', Buffer.from('version = 3\n')).packages, []);
});
