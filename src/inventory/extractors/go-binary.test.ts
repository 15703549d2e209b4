/**
 * go-binary against Go's own reader: every expectation about a real binary comes from
 * `go version -m` run on the same file. Binaries are built here with the installed Go
 * toolchain (a module with a versioned dependency from a file:// proxy, a versioned
 * replacement and a local-directory replacement; several OS/arch targets), taken from
 * Debian packages when installed, and from the shared corpus. Synthetic files cover
 * the cases no toolchain writes: the pre-1.18 pointer format in 32-bit big-endian, and
 * hostile headers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import type { Extraction } from '../extractor.js';
import { corpusPath, fixtureCacheDir } from '../../testing/corpus.js';
import { goBinary } from './go-binary.js';
import { parseModInfo } from '../binary/go-buildinfo.js';

// ---------------------------------------------------------------- helpers

function meta(size: number, mode = 0o755, path = 'usr/bin/app'): FileMeta {
  return { path, size, mode };
}

/** Streams `bytes` through a fresh sink in chunks of `chunkSize`. */
async function extract(bytes: Buffer, chunkSize = 64 * 1024, declaredSize = bytes.length): Promise<Extraction> {
  const sink = goBinary.open({ path: 'usr/bin/app', meta: meta(declaredSize) });
  for (let i = 0; i < bytes.length; i += chunkSize) sink.write(bytes.subarray(i, i + chunkSize));
  return sink.finish();
}

function packageKeys(packages: ExtractedPackage[] | undefined): string[] {
  return (packages ?? []).map((p) => `${p.name}@${p.version}`).sort();
}

function hasGo(): boolean {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
}

interface OracleModule {
  path: string;
  version: string;
  replace?: { path: string; version: string };
}

interface Oracle {
  goVersion: string;
  path?: string;
  main?: OracleModule;
  deps: OracleModule[];
  build: Map<string, string>;
}

/** `go version -m <file>`, parsed; undefined when Go finds no build info. */
function goVersionM(file: string): Oracle | undefined {
  const run = spawnSync('go', ['version', '-m', file], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
  // Go reports "could not read Go build info" on stderr and still exits 0.
  if (run.status !== 0 || run.stdout.trim() === '') return undefined;
  const lines = run.stdout.split('\n');
  const first = lines[0] ?? '';
  const oracle: Oracle = { goVersion: first.slice(first.indexOf(': ') + 2).trim(), deps: [], build: new Map() };
  let last: OracleModule | undefined;
  for (const line of lines.slice(1)) {
    const fields = line.split('\t').slice(1);
    const [kind, a = '', b = ''] = fields;
    if (kind === 'path') oracle.path = a;
    else if (kind === 'mod') oracle.main = last = { path: a, version: b };
    else if (kind === 'dep') oracle.deps.push((last = { path: a, version: b }));
    else if (kind === '=>' && last) last.replace = { path: a, version: b };
    else if (kind === 'build') {
      const eq = a.indexOf('=');
      oracle.build.set(a.slice(0, eq), a.slice(eq + 1));
    }
  }
  return oracle;
}

/**
 * What we should report for a binary, from Go's own listing plus our documented
 * naming convention: replacement wins unless it is a local directory (then the
 * original module, no version), `(devel)` main module has no version, stdlib is the
 * Go version without its `go` prefix and any ` X:...` suffix.
 */
function expectedKeys(oracle: Oracle): string[] {
  const keys: string[] = [];
  if (oracle.main?.path) keys.push(`${oracle.main.path}@${oracle.main.version === '(devel)' ? '' : oracle.main.version}`);
  for (const dep of oracle.deps) {
    const r = dep.replace;
    if (r && (r.path.startsWith('.') || r.path.startsWith('/'))) keys.push(`${dep.path}@`);
    else if (r) keys.push(`${r.path}@${r.version}`);
    else keys.push(`${dep.path}@${dep.version}`);
  }
  const release = oracle.goVersion.split(' ')[0] ?? '';
  if (/^go\d/.test(release)) keys.push(`stdlib@${release.slice(2)}`);
  return keys.sort();
}

async function assertMatchesGo(file: string, label: string): Promise<void> {
  const oracle = goVersionM(file);
  const result = await extract(readFileSync(file));
  if (!oracle) {
    assert.deepEqual(result.packages ?? [], [], `${label}: Go finds no build info, neither should we`);
    return;
  }
  assert.deepEqual(packageKeys(result.packages), expectedKeys(oracle), `${label}: packages`);
  const top = result.packages?.find((p) => p.name === oracle.main?.path) ?? result.packages?.find((p) => p.name === 'stdlib');
  assert.ok(top, `${label}: a main module or stdlib package`);
  assert.equal(top.metadata?.['goVersion'], oracle.goVersion, `${label}: goVersion`);
  if (oracle.path) assert.equal(top.metadata?.['mainPackage'], oracle.path, `${label}: main package path`);
  for (const [setting, key] of [
    ['GOOS', 'goos'],
    ['GOARCH', 'goarch'],
  ] as const) {
    assert.equal(top.metadata?.[key], oracle.build.get(setting), `${label}: ${setting}`);
  }
  if (oracle.build.has('CGO_ENABLED')) assert.equal(top.metadata?.['cgoEnabled'], oracle.build.get('CGO_ENABLED') === '1');
  assert.equal(top.metadata?.['trimpath'], oracle.build.get('-trimpath') === 'true' ? true : undefined, `${label}: trimpath`);
  for (const p of result.packages ?? []) {
    assert.ok(p.purl.startsWith('pkg:golang/'), p.purl);
    if (p.version) assert.ok(p.purl.endsWith(`@${p.version}`), `${p.purl} carries ${p.version}`);
  }
}

// ---------------------------------------------------------------- fixtures built with Go

const FIXTURE_FILES: Record<string, string> = {
  'src/greet/go.mod': 'module example.com/greet\n\ngo 1.18\n',
  'src/greet/greet.go': 'package greet\n\nfunc Hello() string { return "hello" }\n',
  'src/fork/go.mod': 'module example.com/other\n\ngo 1.18\n',
  'src/fork/other.go': 'package other\n\nfunc Fork() string { return "fork" }\n',
  'lib/go.mod': 'module example.com/lib\n\ngo 1.18\n',
  'lib/lib.go': 'package lib\n\nfunc Name() string { return "lib" }\n',
  'app/go.mod': [
    'module example.com/app',
    '',
    'go 1.18',
    '',
    'require (',
    '\texample.com/greet v0.3.1',
    '\texample.com/lib v1.2.3',
    '\texample.com/other v0.1.0',
    ')',
    '',
    'replace example.com/lib => ../lib',
    '',
    'replace example.com/other v0.1.0 => example.com/fork v0.2.0',
    '',
  ].join('\n'),
  'app/main.go': [
    'package main',
    '',
    'import (',
    '\t"fmt"',
    '',
    '\t"example.com/greet"',
    '\t"example.com/lib"',
    '\t"example.com/other"',
    ')',
    '',
    'func main() { fmt.Println(greet.Hello(), lib.Name(), other.Fork()) }',
    '',
  ].join('\n'),
};

/** Module zips for a file:// GOPROXY: [module path, version, source dir, module path inside]. */
const PROXY_MODULES = [
  ['example.com/greet', 'v0.3.1', 'src/greet'],
  ['example.com/fork', 'v0.2.0', 'src/fork'],
] as const;

const TARGETS: Array<{ out: string; env: Record<string, string>; args: string[]; optional?: boolean }> = [
  { out: 'linux-amd64', env: {}, args: [] },
  { out: 'linux-amd64-trimpath', env: {}, args: ['-trimpath', '-ldflags=-s -w'] },
  { out: 'linux-arm64', env: { GOARCH: 'arm64', CGO_ENABLED: '0' }, args: [] },
  { out: 'linux-386', env: { GOARCH: '386', CGO_ENABLED: '0' }, args: [] },
  { out: 'linux-s390x', env: { GOARCH: 's390x', CGO_ENABLED: '0' }, args: [] },
  { out: 'darwin-arm64', env: { GOOS: 'darwin', GOARCH: 'arm64', CGO_ENABLED: '0' }, args: [] },
  { out: 'windows-amd64.exe', env: { GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0' }, args: [] },
  { out: 'linux-amd64-pie', env: { CGO_ENABLED: '1' }, args: ['-buildmode=pie', '-ldflags=-linkmode=external'], optional: true },
];

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

/** Builds (once, cached by toolchain and sources) the test module for every target. */
function builtBinaries(): Map<string, string> {
  const goVersion = spawnSync('go', ['version'], { encoding: 'utf8' }).stdout.trim();
  const key = createHash('sha256')
    .update(JSON.stringify([goVersion, FIXTURE_FILES, PROXY_MODULES, TARGETS]))
    .digest('hex')
    .slice(0, 16);
  const dir = join(fixtureCacheDir(), `go-binary-${key}`);
  const out = new Map<string, string>();
  if (!existsSync(join(dir, 'done'))) {
    const work = `${dir}.tmp-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    for (const [rel, text] of Object.entries(FIXTURE_FILES)) {
      mkdirSync(join(work, rel, '..'), { recursive: true });
      writeFileSync(join(work, rel), text);
    }
    for (const [mod, version, src] of PROXY_MODULES) {
      const at = join(work, 'proxy', mod, '@v');
      mkdirSync(at, { recursive: true });
      writeFileSync(join(at, 'list'), `${version}\n`);
      writeFileSync(join(at, `${version}.info`), JSON.stringify({ Version: version, Time: '2023-01-01T00:00:00Z' }));
      copyFileSync(join(work, src, 'go.mod'), join(at, `${version}.mod`));
      const script = [
        'import sys, zipfile, os',
        'src, prefix, dest = sys.argv[1:4]',
        'with zipfile.ZipFile(dest, "w") as z:',
        '    for name in sorted(os.listdir(src)):',
        '        z.write(os.path.join(src, name), prefix + "/" + name)',
      ].join('\n');
      run('python3', ['-c', script, join(work, src), `${mod}@${version}`, join(at, `${version}.zip`)], work, process.env);
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GOPROXY: `file://${join(work, 'proxy')}`,
      GOSUMDB: 'off',
      GOFLAGS: '-mod=mod',
      GOTOOLCHAIN: 'local',
      GOPATH: join(work, 'gopath'),
      GOMODCACHE: join(work, 'modcache'),
      GOCACHE: join(work, 'gocache'),
    };
    mkdirSync(join(work, 'bin'));
    for (const t of TARGETS) {
      try {
        run('go', ['build', ...t.args, '-o', join(work, 'bin', t.out), '.'], join(work, 'app'), { ...env, ...t.env });
      } catch (e) {
        if (!t.optional) throw e;
      }
    }
    // The module cache is read-only by design; make it removable.
    run('chmod', ['-R', 'u+w', join(work, 'modcache')], work, process.env);
    rmSync(join(work, 'modcache'), { recursive: true, force: true });
    rmSync(join(work, 'gocache'), { recursive: true, force: true });
    writeFileSync(join(work, 'done'), '');
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  }
  for (const t of TARGETS) {
    const file = join(dir, 'bin', t.out);
    if (existsSync(file)) out.set(t.out, file);
  }
  return out;
}

/** Corpus files are read-only without exec bits, which `go version -m` refuses: copy them. */
function executableCopy(source: string, name: string): string {
  const dir = join(fixtureCacheDir(), 'go-binary-corpus');
  mkdirSync(dir, { recursive: true });
  const target = join(dir, name);
  if (!existsSync(target)) {
    copyFileSync(source, target);
    chmodSync(target, 0o755);
  }
  return target;
}

const built = hasGo() ? builtBinaries() : new Map<string, string>();

// ---------------------------------------------------------------- real binaries vs go version -m

test('binaries built here match go version -m for every target (ELF 64/32, big-endian, Mach-O, PE)', async (t) => {
  if (!hasGo()) return t.skip('go toolchain not installed');
  for (const name of TARGETS.filter((x) => !x.optional).map((x) => x.out)) {
    assert.ok(built.has(name), `target ${name} was built`);
  }
  for (const [name, file] of built) await assertMatchesGo(file, name);
});

test('the fixture has the three dependency shapes Go records', async (t) => {
  const file = built.get('linux-amd64');
  if (!file) return t.skip('go toolchain not installed');
  const oracle = goVersionM(file);
  assert.ok(oracle);
  // Guard the guard: if Go stopped recording one of these, the comparisons above would test less.
  assert.ok(oracle.deps.some((d) => d.replace?.path.startsWith('../')), 'local replacement');
  assert.ok(oracle.deps.some((d) => d.replace && !d.replace.path.startsWith('.')), 'module replacement');
  assert.ok(oracle.deps.some((d) => !d.replace && d.version.startsWith('v')), 'plain versioned dependency');
  const result = await extract(readFileSync(file));
  const replaced = oracle.deps.find((d) => d.replace && !d.replace.path.startsWith('.'));
  const pkg = result.packages?.find((p) => p.name === replaced?.replace?.path);
  assert.equal(pkg?.metadata?.['replaces'], `${replaced?.path}@${replaced?.version}`);
  const local = oracle.deps.find((d) => d.replace?.path.startsWith('.'));
  const localPkg = result.packages?.find((p) => p.name === local?.path);
  assert.equal(localPkg?.metadata?.['replacedBy'], local?.replace?.path);
  const main = result.packages?.find((p) => p.name === oracle.main?.path);
  assert.equal(main?.purl, 'pkg:golang/example.com/app');
  assert.equal(main?.metadata?.['moduleVersion'], oracle.main?.version);
  assert.deepEqual([...(main?.dependsOn ?? [])].sort(), [...new Set([...expectedKeys(oracle).map((k) => k.slice(0, k.lastIndexOf('@')))])].filter((n) => n !== oracle.main?.path).sort());
});

test('corpus Go binaries (Go 1.15 pointer format, 1.22 inline, arm64, GOEXPERIMENT, not-Go) match go version -m', async (t) => {
  if (!hasGo()) return t.skip('go toolchain not installed');
  const files = [
    ['osv-scalibr', 'binary_with_module_replacement-linux-amd64'],
    ['osv-scalibr', 'dummy'],
    ['trivy', 'test.elf'],
    ['trivy', 'main-version-via-ldflags.elf'],
    ['trivy', 'goexperiment'],
  ] as const;
  let seen = 0;
  for (const [dir, name] of files) {
    const source = corpusPath('scanner', 'lang', 'go-binaries', dir, name);
    if (!source) continue;
    seen += 1;
    await assertMatchesGo(executableCopy(source, name), name);
  }
  if (seen === 0) return t.skip('corpus scanner/lang/go-binaries absent');
});

test('Go programs shipped in Debian packages match go version -m', async (t) => {
  if (!hasGo()) return t.skip('go toolchain not installed');
  const candidates = ['/usr/bin/restic', '/usr/bin/gh', '/usr/bin/hugo', '/usr/lib/go-1.19/bin/go', '/usr/lib/go-1.19/bin/gofmt'];
  const present = candidates.filter((f) => existsSync(f));
  if (present.length === 0) return t.skip('no Debian Go binaries installed (apt-get install restic gh hugo golang-go)');
  for (const file of present) await assertMatchesGo(file, file);
});

test('chunk size does not change the result: 1, 7 and 65536 bytes', async (t) => {
  const files = [built.get('linux-386'), corpusPath('scanner', 'lang', 'go-binaries', 'trivy', 'test.elf')].filter(
    (f): f is string => f !== undefined,
  );
  if (files.length === 0) return t.skip('no Go binary available (toolchain and corpus absent)');
  for (const file of files) {
    const bytes = readFileSync(file);
    const whole = await extract(bytes, 64 * 1024);
    assert.ok((whole.packages ?? []).length > 0, `${file} has packages`);
    assert.deepEqual(await extract(bytes, 7), whole, `${file} in 7-byte chunks`);
    assert.deepEqual(await extract(bytes, 1), whole, `${file} in 1-byte chunks`);
  }
});

// ---------------------------------------------------------------- size limits

test('pointer-format build info in a file over 64 MiB gives a warning, not a crash', async (t) => {
  const source = corpusPath('scanner', 'lang', 'go-binaries', 'trivy', 'test.elf');
  if (!source) return t.skip('corpus trivy/test.elf absent');
  const padded = Buffer.concat([readFileSync(source), Buffer.alloc(65 * 1024 * 1024)]);
  const declared = await extract(padded, 1024 * 1024);
  assert.equal(declared.packages, undefined);
  assert.ok(declared.warnings?.some((w) => w.includes('larger than')), JSON.stringify(declared.warnings));
  // A declared size that lies (small) must not make us keep the whole stream either.
  const lying = await extract(padded, 1024 * 1024, 1000);
  assert.equal(lying.packages, undefined);
  assert.ok(lying.warnings?.some((w) => w.includes('larger than')));
});

/** A Go >= 1.18 header and its two strings, as the linker lays them out. */
function inlineBlob(goVersion: string, modinfo: string): Buffer {
  const header = Buffer.alloc(32);
  Buffer.from('\xff Go buildinf:', 'latin1').copy(header);
  header[14] = 8;
  header[15] = 2;
  const framed = modinfo === '' ? '' : `${'0'.repeat(16)}${modinfo}${'1'.repeat(16)}`;
  return Buffer.concat([header, varint(Buffer.byteLength(goVersion)), Buffer.from(goVersion), varint(Buffer.byteLength(framed)), Buffer.from(framed)]);
}

function varint(n: number | bigint): Buffer {
  const out: number[] = [];
  let v = BigInt(n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

const MODINFO = 'path\texample.com/x\nmod\texample.com/x\tv1.0.0\t\ndep\tgolang.org/x/text\tv0.3.7\th1:abc=\nbuild\tGOOS=linux\n';

test('inline build info past 64 MiB is still found (the scan is not capped)', async () => {
  const offset = 70 * 1024 * 1024;
  const file = Buffer.alloc(offset + 4096);
  file.write('MZ', 0, 'latin1');
  inlineBlob('go1.21.5', MODINFO).copy(file, offset);
  const result = await extract(file, 1024 * 1024);
  assert.deepEqual(packageKeys(result.packages), ['example.com/x@v1.0.0', 'golang.org/x/text@v0.3.7', 'stdlib@1.21.5']);
});

// ---------------------------------------------------------------- hostile input

/** A little PE-like file (no address translation needed) holding `blob` at `at`. */
function peWith(blob: Buffer, at = 4096, size = at + blob.length + 64): Buffer {
  const file = Buffer.alloc(Math.max(size, at + blob.length));
  file.write('MZ', 0, 'latin1');
  blob.copy(file, at);
  return file;
}

test('synthetic inline blob: found at an aligned offset, ignored at an unaligned one', async () => {
  const aligned = await extract(peWith(inlineBlob('go1.20.1', MODINFO), 4096), 5);
  assert.deepEqual(packageKeys(aligned.packages), ['example.com/x@v1.0.0', 'golang.org/x/text@v0.3.7', 'stdlib@1.20.1']);
  const unaligned = await extract(peWith(inlineBlob('go1.20.1', MODINFO), 4104));
  assert.deepEqual(unaligned, {});
});

test('a magic at the very end of the file, or a header cut short, gives nothing and does not hang', async () => {
  const magic = Buffer.from('\xff Go buildinf:', 'latin1');
  assert.deepEqual(await extract(peWith(magic, 4096, 4096 + magic.length)), {});
  const blob = inlineBlob('go1.20.1', MODINFO);
  for (const cut of [20, 32, 33, 40, blob.length - 1]) {
    const file = peWith(blob.subarray(0, cut), 4096, 4096 + cut);
    assert.equal((await extract(file, 3)).packages, undefined, `cut at ${cut}`);
  }
});

test('a varint length of 2^60 is refused with a warning, not allocated', async () => {
  const header = inlineBlob('go1.20.1', '').subarray(0, 32);
  const hugeVersion = Buffer.concat([header, varint(2n ** 60n), Buffer.from('go1.20.1')]);
  const r1 = await extract(peWith(hugeVersion));
  assert.equal(r1.packages, undefined);
  assert.ok(r1.warnings?.some((w) => w.includes('length')), JSON.stringify(r1));
  const hugeModinfo = Buffer.concat([header, varint(8), Buffer.from('go1.20.1'), varint(2n ** 60n), Buffer.alloc(64)]);
  const r2 = await extract(peWith(hugeModinfo));
  assert.equal(r2.packages, undefined);
  assert.ok(r2.warnings?.some((w) => w.includes('module info length')), JSON.stringify(r2));
});

test('a false magic with a bad header is skipped and the real one after it is found', async () => {
  const fake = Buffer.concat([Buffer.from('\xff Go buildinf:', 'latin1'), Buffer.from([0, 0])]);
  const file = peWith(inlineBlob('go1.22.3', MODINFO), 8192);
  fake.copy(file, 4096);
  // A candidate whose version is not a Go version is skipped too.
  inlineBlob('hello', 'x').copy(file, 6144);
  assert.deepEqual(packageKeys((await extract(file, 1)).packages), ['example.com/x@v1.0.0', 'golang.org/x/text@v0.3.7', 'stdlib@1.22.3']);
});

test('a file full of bad headers: bounded warnings and bounded time', async () => {
  const unit = inlineBlob('go1.20.1', '').subarray(0, 32);
  const body = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 16; i + 32 <= body.length; i += 32) unit.copy(body, i);
  body.write('MZ', 0, 'latin1');
  const started = Date.now();
  const result = await extract(body);
  assert.equal(result.packages, undefined);
  assert.ok((result.warnings?.length ?? 0) <= 5, `${result.warnings?.length} warnings`);
  assert.ok(Date.now() - started < 10_000);
});

/** A minimal ELF executable with the given loadable segments, laid out after the program headers. */
function elf(opts: { bits: 32 | 64; little: boolean; segments: Array<{ vaddr: number; flags: number; data: Buffer }> }): Buffer {
  const { bits, little, segments } = opts;
  const ehsize = bits === 64 ? 64 : 52;
  const phentsize = bits === 64 ? 56 : 32;
  let offset = ehsize + phentsize * segments.length;
  const placed = segments.map((s) => {
    offset = Math.ceil(offset / 16) * 16;
    const at = offset;
    offset += s.data.length;
    return { ...s, at };
  });
  const file = Buffer.alloc(Math.ceil(offset / 16) * 16 + 16);
  const u16 = (v: number, at: number) => (little ? file.writeUInt16LE(v, at) : file.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (little ? file.writeUInt32LE(v, at) : file.writeUInt32BE(v, at));
  const word = (v: number, at: number) =>
    bits === 64 ? (little ? file.writeBigUInt64LE(BigInt(v), at) : file.writeBigUInt64BE(BigInt(v), at)) : u32(v, at);
  file.set([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, little ? 1 : 2, 1], 0);
  u16(2, 16);
  u16(bits === 64 ? 62 : 3, 18);
  word(ehsize, bits === 64 ? 32 : 28); // e_phoff
  u16(phentsize, bits === 64 ? 54 : 42);
  u16(segments.length, bits === 64 ? 56 : 44);
  placed.forEach((s, i) => {
    const p = ehsize + i * phentsize;
    u32(1, p);
    if (bits === 64) {
      u32(s.flags, p + 4);
      word(s.at, p + 8);
      word(s.vaddr, p + 16);
      word(s.data.length, p + 32);
      word(s.data.length, p + 40);
    } else {
      word(s.at, p + 4);
      word(s.vaddr, p + 8);
      word(s.data.length, p + 16);
      word(s.data.length, p + 20);
      u32(s.flags, p + 24);
    }
    s.data.copy(file, s.at);
  });
  return file;
}

/** A pre-1.18 layout: strings and their headers in read-only data, the header in writable data. */
function pointerFormatElf(bits: 32 | 64, little: boolean, goVersion: string, modinfo: string): Buffer {
  const ptr = bits / 8;
  const rodataAddr = 0x400000;
  const framed = `${'0'.repeat(16)}${modinfo}${'1'.repeat(16)}`;
  const versionBytes = Buffer.from(goVersion);
  const modBytes = Buffer.from(framed);
  const rodata = Buffer.alloc(4 * ptr + versionBytes.length + modBytes.length);
  const put = (v: number, at: number, buf: Buffer) => {
    if (ptr === 8) little ? buf.writeBigUInt64LE(BigInt(v), at) : buf.writeBigUInt64BE(BigInt(v), at);
    else little ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at);
  };
  const versionDataAddr = rodataAddr + 4 * ptr;
  const modDataAddr = versionDataAddr + versionBytes.length;
  put(versionDataAddr, 0, rodata);
  put(versionBytes.length, ptr, rodata);
  put(modDataAddr, 2 * ptr, rodata);
  put(modBytes.length, 3 * ptr, rodata);
  versionBytes.copy(rodata, 4 * ptr);
  modBytes.copy(rodata, 4 * ptr + versionBytes.length);
  const data = Buffer.alloc(64);
  Buffer.from('\xff Go buildinf:', 'latin1').copy(data);
  data[14] = ptr;
  data[15] = little ? 0 : 1;
  put(rodataAddr, 16, data);
  put(rodataAddr + 2 * ptr, 16 + ptr, data);
  return elf({
    bits,
    little,
    segments: [
      { vaddr: rodataAddr, flags: 4, data: rodata },
      { vaddr: 0x600000, flags: 6, data },
    ],
  });
}

test('pre-1.18 pointer format resolves through ELF program headers: 64-bit LE and 32-bit BE', async () => {
  for (const [bits, little] of [
    [64, true],
    [32, false],
  ] as const) {
    const file = pointerFormatElf(bits, little, 'go1.16.15', MODINFO);
    for (const chunk of [1, 64 * 1024]) {
      const result = await extract(file, chunk);
      assert.deepEqual(packageKeys(result.packages), ['example.com/x@v1.0.0', 'golang.org/x/text@v0.3.7', 'stdlib@1.16.15'], `${bits}-bit ${little ? 'LE' : 'BE'}`);
      assert.equal(result.packages?.[0]?.metadata?.['buildInfoFormat'], 'pointer');
    }
  }
});

test('pointers past the end, or program headers past the end, give a warning', async () => {
  const file = pointerFormatElf(64, true, 'go1.16.15', MODINFO);
  // Aim the version string header pointer far outside every segment.
  const headerAt = file.indexOf(Buffer.from('\xff Go buildinf:', 'latin1'));
  const broken = Buffer.from(file);
  broken.writeBigUInt64LE(0x7fff_ffffn, headerAt + 16);
  const r1 = await extract(broken);
  assert.equal(r1.packages, undefined);
  assert.ok(r1.warnings?.some((w) => w.includes('do not resolve')), JSON.stringify(r1));
  const badPhoff = Buffer.from(file);
  badPhoff.writeBigUInt64LE(0xffff_ffff_0n, 32);
  const r2 = await extract(badPhoff);
  assert.equal(r2.packages, undefined);
  assert.ok(r2.warnings?.some((w) => w.includes('outside the file')), JSON.stringify(r2));
});

test('a magic in a read-only ELF segment is not build info (Go looks only in writable data)', async () => {
  const file = elf({ bits: 64, little: true, segments: [{ vaddr: 0x400000, flags: 5, data: inlineBlob('go1.21.0', MODINFO) }] });
  assert.deepEqual(await extract(file), {});
  const writable = elf({ bits: 64, little: true, segments: [{ vaddr: 0x400000, flags: 6, data: inlineBlob('go1.21.0', MODINFO) }] });
  assert.equal(packageKeys((await extract(writable)).packages).length, 3);
});

test('truncated and corrupted real ELF binaries do not crash', async (t) => {
  const file = built.get('linux-amd64');
  if (!file) return t.skip('go toolchain not installed');
  const bytes = readFileSync(file);
  const oracle = goVersionM(file);
  assert.ok(oracle);
  assert.deepEqual(await extract(bytes.subarray(0, 4096)), {});
  const at = bytes.indexOf(Buffer.from('\xff Go buildinf:', 'latin1'));
  assert.equal((await extract(bytes.subarray(0, at + 40))).packages, undefined);
  // Program header offset past the end: the writable-segment check cannot run, the scan still finds the info.
  const badPhoff = Buffer.from(bytes);
  badPhoff.writeBigUInt64LE(0xffff_ffff_0n, 32);
  assert.deepEqual(packageKeys((await extract(badPhoff)).packages), expectedKeys(oracle));
});

test('files that are not executables stop after four bytes', async () => {
  const script = Buffer.concat([Buffer.from('#!/bin/sh\n'), inlineBlob('go1.20.1', MODINFO), Buffer.alloc(64)]);
  assert.deepEqual(await extract(script, 1), {});
});

// ---------------------------------------------------------------- wants and the modinfo text

test('wants: executable regular files of some size, outside document trees', () => {
  assert.equal(goBinary.wants('usr/local/bin/app', meta(2_000_000)), true);
  assert.equal(goBinary.wants('app/node_modules/@esbuild/linux-x64/bin/esbuild', meta(9_000_000)), true);
  assert.equal(goBinary.wants('usr/local/bin/app', meta(2_000_000, 0o644)), false, 'no execute bit');
  assert.equal(goBinary.wants('usr/local/bin/app', meta(2_000_000, 0o100)), true, 'owner execute bit alone');
  assert.equal(goBinary.wants('usr/local/bin/tiny', meta(100)), false, 'too small');
  assert.equal(goBinary.wants('usr/share/doc/x/run', meta(2_000_000)), false);
  assert.equal(goBinary.wants('etc/init.d/thing', meta(20_000)), false);
  assert.equal(goBinary.wants('usr/bin/tool.sh', meta(20_000)), false);
});

test('modinfo text: quoted build settings, CRLF, stray replacement, unknown records', () => {
  const text = [
    'path\tcmd/x',
    'mod\tcmd/x\t(devel)\t',
    'dep\ta.example/m\tv1.0.0\th1:x=',
    '=>\tb.example/m\tv1.1.0\th1:y=',
    '=>\tc.example/m\tv9.9.9\t',
    'build\t-ldflags="-X \\"main.v=1\\""',
    'build\t"key with space"=v',
    'future\twhatever',
    'dep\tbroken',
    'build\tnoequals\r',
    '',
  ].join('\n');
  const info = parseModInfo(text);
  assert.equal(info.path, 'cmd/x');
  assert.equal(info.main?.version, '(devel)');
  assert.deepEqual(info.deps.map((d) => [d.path, d.version, d.replace?.path]), [
    ['a.example/m', 'v1.0.0', 'b.example/m'],
  ]);
  assert.deepEqual(info.settings, [
    { key: '-ldflags', value: '-X "main.v=1"' },
    { key: 'key with space', value: 'v' },
  ]);
  assert.equal(info.problems.length, 3, JSON.stringify(info.problems));
});
