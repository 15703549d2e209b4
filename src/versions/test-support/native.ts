/**
 * Running the ecosystems' own comparators in batches: one process reads
 * `a<TAB>b` lines on stdin and prints one answer per line, so thousands of pairs
 * cost one process start. Programs that need compiling (Go, Rust, Java) are
 * built once into the fixture cache, keyed by a hash of their source.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCacheDir } from '../../testing/corpus.js';

export interface BatchResult {
  /** One output line per input pair. */
  lines: string[];
}

/** True when `command` can be started (it answers `--version` or similar without ENOENT). */
export function hasCommand(command: string, probeArgs: string[] = ['--version']): boolean {
  const r = spawnSync(command, probeArgs, { stdio: 'ignore', timeout: 20_000 });
  return r.error === undefined;
}

/**
 * Feeds `pairs` as `a<TAB>b` lines to `command args` and returns its output lines,
 * checking there is exactly one per pair.
 */
export function runPairs(command: string, args: string[], pairs: ReadonlyArray<readonly [string, string]>, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): string[] {
  for (const [a, b] of pairs) {
    if (/[\t\n\r]/.test(a + b)) throw new Error(`pair cannot be sent line-wise: ${JSON.stringify([a, b])}`);
  }
  const input = pairs.map(([a, b]) => `${a}\t${b}\n`).join('');
  const r = spawnSync(command, args, {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
    env: { PYTHONIOENCODING: 'utf-8', ...(options.env ?? process.env) },
    cwd: options.cwd,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  const lines = r.stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== pairs.length) throw new Error(`${command}: ${lines.length} answers for ${pairs.length} pairs; stderr: ${r.stderr.slice(0, 2000)}`);
  return lines;
}

/** A directory in the fixture cache for a program built from `source`, keyed by its hash. */
function buildDir(kind: string, source: string): string {
  const key = createHash('sha256').update(source).digest('hex').slice(0, 16);
  return join(fixtureCacheDir(), 'version-oracles', `${kind}-${key}`);
}

/** Builds into a temporary sibling and renames, so an interrupted build never looks finished. */
function buildOnce(dir: string, product: string, build: (tmp: string) => void): string {
  const target = join(dir, product);
  if (existsSync(target)) return target;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  build(tmp);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return target;
}

function mustRun(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): void {
  const r = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', timeout: 300_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr.slice(0, 4000)}`);
}

/** Where Debian's golang-golang-x-mod-dev puts golang.org/x/mod (GOPATH layout). */
const DEBIAN_GOPATH = '/usr/share/gocode';

/**
 * A binary of `source` (package main importing golang.org/x/mod/semver) built in
 * GOPATH mode against Debian's golang-golang-x-mod-dev; a reason string when Go or
 * the package is missing. No network: the module cache is never consulted.
 */
export function goOracle(source: string): { binary: string } | { skip: string } {
  if (!existsSync(join(DEBIAN_GOPATH, 'src', 'golang.org', 'x', 'mod', 'semver'))) return { skip: 'golang.org/x/mod not found (apt-get install golang-golang-x-mod-dev)' };
  if (!hasCommand('go', ['version'])) return { skip: 'go not installed' };
  const dir = buildDir('go-semver', source);
  const binary = buildOnce(dir, 'oracle', (tmp) => {
    writeFileSync(join(tmp, 'main.go'), source);
    const env = { ...process.env, GO111MODULE: 'off', GOPATH: DEBIAN_GOPATH, GOFLAGS: '', GOCACHE: join(tmp, '.gocache'), GOPROXY: 'off' };
    mustRun('go', ['build', '-o', 'oracle', 'main.go'], { cwd: tmp, env });
    rmSync(join(tmp, '.gocache'), { recursive: true, force: true });
  });
  return { binary };
}

/** Debian's librust-semver-dev source of the `semver` crate, if installed. */
function debianSemverCrate(): string | undefined {
  const registry = '/usr/share/cargo/registry';
  if (!existsSync(registry)) return undefined;
  const crates = readdirSync(registry).filter((d) => /^semver-1\.\d+\.\d+$/.test(d)).sort();
  const newest = crates[crates.length - 1];
  return newest ? join(registry, newest) : undefined;
}

/**
 * A binary of `source` (a Rust main using the `semver` crate) built offline with
 * cargo against Debian's librust-semver-dev; a reason string when missing.
 */
export function rustSemverOracle(source: string): { binary: string; crate: string } | { skip: string } {
  const crate = debianSemverCrate();
  if (!crate) return { skip: 'Rust semver crate source not found (apt-get install librust-semver-dev)' };
  if (!hasCommand('cargo')) return { skip: 'cargo not installed' };
  const manifest = `[package]\nname = "semver-oracle"\nversion = "0.1.0"\nedition = "2018"\n\n[dependencies]\nsemver = { path = "${crate}" }\n`;
  const dir = buildDir('rust-semver', manifest + source);
  const binary = buildOnce(dir, 'oracle', (tmp) => {
    mkdirSync(join(tmp, 'src'));
    writeFileSync(join(tmp, 'Cargo.toml'), manifest);
    writeFileSync(join(tmp, 'src', 'main.rs'), source);
    mustRun('cargo', ['build', '--release', '--offline', '--quiet'], { cwd: tmp, env: { ...process.env, CARGO_TARGET_DIR: join(tmp, 'target') } });
    renameSync(join(tmp, 'target', 'release', 'semver-oracle'), join(tmp, 'oracle'));
    rmSync(join(tmp, 'target'), { recursive: true, force: true });
  });
  return { binary, crate };
}

/** Compiles a single Java class `className` from `source` against `classpath`; returns the class directory. */
export function javaOracle(className: string, source: string, classpath: string): { classDir: string } | { skip: string } {
  if (!hasCommand('javac', ['-version'])) return { skip: 'javac not installed' };
  const dir = buildDir(`java-${className}`, source + classpath);
  buildOnce(dir, `${className}.class`, (tmp) => {
    writeFileSync(join(tmp, `${className}.java`), source);
    mustRun('javac', ['-cp', classpath, '-d', tmp, `${className}.java`], { cwd: tmp });
  });
  return { classDir: dir };
}
