/**
 * rust-auditable against an independent reader: GNU objcopy dumps the `.dep-v0`
 * section and Python's zlib and json decode it. Corpus binaries come from osv-scalibr's
 * cargo-auditable test data; hostile payloads are put into a real ELF (a copy of
 * /usr/bin/true) with `objcopy --add-section`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileMeta } from '../../core/types.js';
import type { Extraction } from '../extractor.js';
import { corpusPath, fixtureCacheDir } from '../../testing/corpus.js';
import { rustAuditable } from './rust-auditable.js';

function meta(size: number, mode = 0o755): FileMeta {
  return { path: 'usr/bin/app', size, mode };
}

async function extract(bytes: Buffer, chunkSize = 64 * 1024, declaredSize = bytes.length): Promise<Extraction> {
  const sink = rustAuditable.open({ path: 'usr/bin/app', meta: meta(declaredSize) });
  for (let i = 0; i < bytes.length; i += chunkSize) sink.write(bytes.subarray(i, i + chunkSize));
  return sink.finish();
}

function hasTool(cmd: string, arg = '--version'): boolean {
  return spawnSync(cmd, [arg], { encoding: 'utf8' }).status === 0;
}

const fixtures = join(fixtureCacheDir(), 'rust-auditable');

interface OraclePackage {
  name: string;
  version: string;
  source?: string;
  kind?: string;
  dependencies?: number[];
  root?: boolean;
}

/** objcopy + python: the section's packages, or undefined when there is no such section. */
function oracle(file: string): OraclePackage[] | undefined {
  mkdirSync(fixtures, { recursive: true });
  const out = join(fixtures, `dump-${createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16)}`);
  const dump = spawnSync('objcopy', ['--dump-section', `.dep-v0=${out}`, file, join(fixtures, 'scratch')], { encoding: 'utf8' });
  if (dump.status !== 0) return undefined;
  const py = spawnSync(
    'python3',
    ['-c', 'import sys,zlib,json; print(json.dumps(json.loads(zlib.decompress(open(sys.argv[1],"rb").read()))["packages"]))', out],
    { encoding: 'utf8' },
  );
  assert.equal(py.status, 0, py.stderr);
  return JSON.parse(py.stdout) as OraclePackage[];
}

async function assertMatchesOracle(file: string): Promise<void> {
  const expected = oracle(file);
  const result = await extract(readFileSync(file));
  if (!expected) {
    assert.deepEqual(result.packages ?? [], [], `${file}: objcopy finds no .dep-v0`);
    return;
  }
  const got = result.packages ?? [];
  assert.deepEqual(
    got.map((p) => `${p.name}@${p.version}`).sort(),
    expected.map((p) => `${p.name}@${p.version}`).sort(),
    `${file}: packages`,
  );
  for (const want of expected) {
    const pkg = got.find((p) => p.name === want.name && p.version === want.version);
    assert.ok(pkg);
    assert.equal(pkg.purl, `pkg:cargo/${want.name}@${want.version}`);
    assert.equal(pkg.metadata?.['source'], want.source);
    assert.equal(pkg.metadata?.['root'], want.root ? true : undefined);
    const deps: Array<string | undefined> = [...new Set((want.dependencies ?? []).map((i): string | undefined => expected[i]?.name))].sort();
    assert.deepEqual([...(pkg.dependsOn ?? [])].sort(), deps, `${want.name} dependsOn`);
  }
  assert.equal(result.warnings, undefined);
}

const CORPUS = ['no_deps/no_deps', 'uses_serde_json/uses_serde_json', 'not_binary/not_binary'];

test('corpus cargo-auditable binaries match objcopy + python zlib/json', async (t) => {
  if (!hasTool('objcopy')) return t.skip('objcopy (binutils) not installed');
  let seen = 0;
  for (const rel of CORPUS) {
    const file = corpusPath('scanner', 'lang', 'rust-auditable', 'osv-scalibr', ...rel.split('/'));
    if (!file) continue;
    seen += 1;
    await assertMatchesOracle(file);
  }
  if (seen === 0) return t.skip('corpus scanner/lang/rust-auditable absent');
  const withDeps = corpusPath('scanner', 'lang', 'rust-auditable', 'osv-scalibr', 'uses_serde_json', 'uses_serde_json');
  if (withDeps) assert.ok(((await extract(readFileSync(withDeps))).packages ?? []).length > 5, 'the serde_json binary has a dependency tree');
});

test('chunk size does not change the result', async (t) => {
  const file = corpusPath('scanner', 'lang', 'rust-auditable', 'osv-scalibr', 'uses_serde_json', 'uses_serde_json');
  if (!file) return t.skip('corpus scanner/lang/rust-auditable absent');
  const bytes = readFileSync(file);
  const whole = await extract(bytes);
  assert.deepEqual(await extract(bytes, 7), whole);
  assert.deepEqual(await extract(bytes, 1), whole);
});

test('a file declared over 64 MiB keeps only the non-loaded tail and still finds the section', async (t) => {
  const file = corpusPath('scanner', 'lang', 'rust-auditable', 'osv-scalibr', 'uses_serde_json', 'uses_serde_json');
  if (!file) return t.skip('corpus scanner/lang/rust-auditable absent');
  const bytes = readFileSync(file);
  const whole = await extract(bytes);
  // The declared size drives the keep plan; 100 MiB puts the tail (declared minus loaded) past the cap.
  assert.deepEqual(await extract(bytes, 4096, 64 * 1024 * 1024 + 1), whole);
  const huge = await extract(bytes, 4096, 200 * 1024 * 1024);
  assert.equal(huge.packages, undefined);
  assert.ok(huge.warnings?.[0]?.includes('not checked'), JSON.stringify(huge));
});

// ---------------------------------------------------------------- hostile payloads in a real ELF

/** /usr/bin/true with `.dep-v0` set to `payload` (cached by payload hash). */
function elfWithSection(name: string, payload: Buffer): string {
  mkdirSync(fixtures, { recursive: true });
  const hash = createHash('sha256').update(payload).digest('hex').slice(0, 16);
  const file = join(fixtures, `${name}-${hash}`);
  if (!existsSync(file)) {
    const section = `${file}.section`;
    writeFileSync(section, payload);
    const r = spawnSync('objcopy', ['--add-section', `.dep-v0=${section}`, '/usr/bin/true', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  return file;
}

/** zlib data made by Python, so our inflate is checked against another implementation's deflate. */
function pythonZlib(script: string): Buffer {
  const r = spawnSync('python3', ['-c', `import sys,zlib\n${script}`], { maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
}

const usable = () => hasTool('objcopy') && existsSync('/usr/bin/true');

test('a hand-made section round-trips: packages, kinds and index-based dependencies', async (t) => {
  if (!usable()) return t.skip('objcopy or /usr/bin/true missing');
  const doc = {
    packages: [
      { name: 'app', version: '0.1.0', source: 'local', dependencies: [1, 2], root: true },
      { name: 'serde', version: '1.0.200', source: 'crates.io' },
      { name: 'cc', version: '1.0.90', source: 'crates.io', kind: 'build' },
    ],
  };
  const payload = pythonZlib(`sys.stdout.buffer.write(zlib.compress(${JSON.stringify(JSON.stringify(doc))}.encode()))`);
  const file = elfWithSection('roundtrip', payload);
  await assertMatchesOracle(file);
  const cc = (await extract(readFileSync(file))).packages?.find((p) => p.name === 'cc');
  assert.equal(cc?.metadata?.['kind'], 'build');
});

test('a zlib bomb (1 GB of zeros) stops at the output cap with a warning', async (t) => {
  if (!usable()) return t.skip('objcopy or /usr/bin/true missing');
  const bomb = pythonZlib(
    'c = zlib.compressobj(9)\nchunk = bytes(1 << 20)\nout = [c.compress(chunk) for _ in range(1024)]\nout.append(c.flush())\nsys.stdout.buffer.write(b"".join(out))',
  );
  const started = Date.now();
  const result = await extract(readFileSync(elfWithSection('bomb', bomb)));
  assert.equal(result.packages, undefined);
  assert.ok(result.warnings?.some((w) => w.includes('zlib bomb')), JSON.stringify(result));
  assert.ok(Date.now() - started < 5000, 'bounded work');
});

test('corrupt payloads: not zlib, not JSON, no packages list, bad records and indices', async (t) => {
  if (!usable()) return t.skip('objcopy or /usr/bin/true missing');
  const notZlib = await extract(readFileSync(elfWithSection('notzlib', Buffer.from('definitely not zlib'))));
  assert.ok(notZlib.warnings?.some((w) => w.includes('not valid zlib')));
  const notJson = await extract(readFileSync(elfWithSection('notjson', pythonZlib('sys.stdout.buffer.write(zlib.compress(b"{nope"))'))));
  assert.ok(notJson.warnings?.some((w) => w.includes('not valid JSON')));
  const noList = await extract(readFileSync(elfWithSection('nolist', pythonZlib('sys.stdout.buffer.write(zlib.compress(b"{}"))'))));
  assert.ok(noList.warnings?.some((w) => w.includes('no packages list')));
  const doc = JSON.stringify({
    packages: [{ name: 'ok', version: '1.0.0', dependencies: [1, 99] }, { name: 42 }, { name: 'also-ok', version: '2.0.0' }],
  });
  const mixed = await extract(readFileSync(elfWithSection('mixed', pythonZlib(`sys.stdout.buffer.write(zlib.compress(${JSON.stringify(doc)}.encode()))`))));
  assert.deepEqual(mixed.packages?.map((p) => p.name), ['ok', 'also-ok']);
  assert.equal(mixed.packages?.[0]?.dependsOn, undefined, 'indices to a malformed and a missing package resolve to nothing');
  assert.equal(mixed.warnings?.length, 3, JSON.stringify(mixed.warnings));
});

test('truncated ELF, section headers past the end, and non-ELF files give nothing and do not throw', async (t) => {
  const file = corpusPath('scanner', 'lang', 'rust-auditable', 'osv-scalibr', 'uses_serde_json', 'uses_serde_json');
  if (!file) return t.skip('corpus scanner/lang/rust-auditable absent');
  const bytes = readFileSync(file);
  assert.deepEqual(await extract(bytes.subarray(0, bytes.length - 100)), {});
  assert.deepEqual(await extract(bytes.subarray(0, 3)), {});
  const badShoff = Buffer.from(bytes);
  badShoff.writeBigUInt64LE(0xffff_ffff_ffn, 40);
  assert.deepEqual(await extract(badShoff), {});
  const badShnum = Buffer.from(bytes);
  badShnum.writeUInt16LE(0, 60); // extended numbering: the count comes from section 0
  assert.deepEqual(await extract(badShnum), {});
  assert.deepEqual(await extract(Buffer.from('#!/bin/sh\necho hi\n'.repeat(500))), {});
});

test('wants: executables only', () => {
  assert.equal(rustAuditable.wants('usr/local/bin/ripgrep', meta(5_000_000)), true);
  assert.equal(rustAuditable.wants('usr/local/bin/ripgrep', meta(5_000_000, 0o644)), false);
});
