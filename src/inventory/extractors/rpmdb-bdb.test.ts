import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StockadeError } from '../../core/errors.js';
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { corpusPath } from '../../testing/corpus.js';
import { readRpmGolden, rpmFixture, type RpmTruthRow } from '../../testing/rpm-fixtures.js';
import { readBdbHash, rpmdbBdbExtractor } from './rpmdb-bdb.js';

const PATH = 'var/lib/rpm/Packages';
const meta: FileMeta = { path: PATH, size: 0, mode: 0o644 };

function extract(bytes: Buffer) {
  const r = rpmdbBdbExtractor.extract({ path: PATH, meta, bytes });
  if (r instanceof Promise) throw new Error('rpmdb-bdb is synchronous');
  return r;
}

const hasTool = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/** name epoch(number, absent = 0) version release arch license: what both rpm and we can state. */
function ourRow(p: ExtractedPackage): string {
  const dash = p.version.lastIndexOf('-');
  return [p.name, p.epoch ?? 0, p.version.slice(0, dash), p.version.slice(dash + 1), p.arch ?? '', p.licenses?.[0] ?? ''].join('\t');
}
function truthRow(r: RpmTruthRow): string {
  return [r.name, r.epoch === '(none)' ? 0 : Number(r.epoch), r.version, r.release, r.arch, r.license].join('\t');
}

test('wants the two Packages locations', () => {
  for (const p of ['var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages']) assert.equal(rpmdbBdbExtractor.wants(p, meta), true, p);
  for (const p of ['var/lib/rpm/Packages.db', 'var/lib/rpm/Name', 'Packages', 'var/lib/rpm/Packages/x']) assert.equal(rpmdbBdbExtractor.wants(p, meta), false, p);
});

/** Deterministic bytes for reproducible databases. */
function prng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
}

/** Key/value pairs as db_dump prints them: the oracle for what a hash file holds. */
function dbDumpPairs(file: string): string[] {
  const r = spawnSync('db_dump', [file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const data = lines.slice(lines.indexOf('HEADER=END') + 1, lines.indexOf('DATA=END')).map((l) => l.trim());
  const pairs: string[] = [];
  for (let i = 0; i + 1 < data.length; i += 2) pairs.push(`${data[i]} ${data[i + 1]}`);
  return pairs.sort();
}

test('Berkeley DB hash reader returns exactly what db_dump lists, in every layout', (t) => {
  if (!hasTool('db_load', ['-V']) || !hasTool('db_dump', ['-V'])) return t.skip('db_load/db_dump absent (Debian package db-util)');
  const dir = mkdtempSync(join(tmpdir(), 'stockade-bdb-'));
  try {
    const rand = prng(42);
    const keys = new Set<string>();
    const lines = ['VERSION=3', 'format=bytevalue', 'type=hash', 'HEADER=END'];
    while (keys.size < 1500) {
      const key = Buffer.alloc(1 + rand(12));
      for (let i = 0; i < key.length; i++) key[i] = rand(256);
      const hex = key.toString('hex');
      if (keys.has(hex)) continue;
      keys.add(hex);
      // Mostly small values, some spanning several overflow pages.
      const value = Buffer.alloc(rand(10) === 0 ? 500 + rand(9000) : 1 + rand(300));
      for (let i = 0; i < value.length; i++) value[i] = rand(256);
      lines.push(` ${hex}`, ` ${value.toString('hex')}`);
    }
    lines.push('DATA=END', '');
    const layouts = [
      ['-c', 'db_lorder=1234', '-c', 'db_pagesize=512'],
      ['-c', 'db_lorder=4321', '-c', 'db_pagesize=512', '-c', 'h_ffactor=1'],
      ['-c', 'db_lorder=1234', '-c', 'db_pagesize=4096'],
      ['-c', 'db_lorder=4321', '-c', 'db_pagesize=65536'],
    ];
    layouts.forEach((layout, i) => {
      const file = join(dir, `db${i}`);
      const r = spawnSync('db_load', ['-t', 'hash', ...layout, file], { input: lines.join('\n'), encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const expected = dbDumpPairs(file);
      assert.equal(expected.length, 1500);
      const { entries, warnings } = readBdbHash(readFileSync(file), file);
      assert.deepEqual(warnings, [], layout.join(' '));
      assert.deepEqual(entries.map((e) => `${e.key.toString('hex')} ${e.value.toString('hex')}`).sort(), expected, layout.join(' '));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('built BDB rpmdbs (both byte orders, several page sizes) give the packages rpm -qa lists', (t) => {
  const fixture = rpmFixture();
  if (typeof fixture === 'string') return t.skip(fixture);
  const truth = fixture.truth.filter((r) => r.name !== 'gpg-pubkey');
  assert.ok(fixture.bdb.length >= 3);
  for (const { variant, path } of fixture.bdb) {
    const got = extract(readFileSync(path));
    assert.equal(got.warnings, undefined, variant);
    assert.deepEqual((got.packages ?? []).map(ourRow).sort(), truth.map(truthRow).sort(), variant);
    for (const p of got.packages ?? []) {
      assert.deepEqual(p.files ?? [], fixture.files[p.name], `${variant} ${p.name}`);
      assert.deepEqual([...(p.dependsOn ?? [])].sort(), fixture.depends[p.name], `${variant} ${p.name}`);
      const row = truth.find((r) => r.name === p.name);
      assert.deepEqual(p.source, fixture.sources[row?.sourcerpm ?? ''], `${variant} ${p.name}`);
    }
  }
});

test('corpus BDB rpmdbs match the rpm -qa goldens', (t) => {
  const goldenDir = corpusPath('scanner', 'os-pkgdb', '_golden-native');
  if (!goldenDir) return t.skip('corpus os-pkgdb goldens absent');
  const index = JSON.parse(readFileSync(join(goldenDir, 'index.json'), 'utf8')) as Array<{ fixture: string; golden: string; tool: string }>;
  let checked = 0;
  for (const entry of index) {
    if (!entry.tool.includes('bdb_ro')) continue;
    const fixture = corpusPath('scanner', entry.fixture);
    const golden = corpusPath('scanner', entry.golden);
    if (!fixture || !golden) continue;
    const truth = readRpmGolden(golden).filter((r) => r.name !== 'gpg-pubkey');
    const got = extract(readFileSync(fixture));
    assert.equal(got.warnings, undefined, entry.fixture);
    assert.deepEqual((got.packages ?? []).map(ourRow).sort(), truth.map(truthRow).sort(), entry.fixture);
    for (const p of got.packages ?? []) {
      const srpm = truth.find((r) => r.name === p.name)?.sourcerpm;
      assert.equal(`${p.source?.name}-${p.source?.version}.src.rpm`, srpm, entry.fixture);
    }
    checked++;
  }
  assert.ok(checked >= 4, `only ${checked} BDB goldens found`);
});

/** Page helpers for the damage tests, in the file's byte order. */
function pages(bytes: Buffer): { size: number; le: boolean; count: number } {
  const le = bytes.readUInt32LE(12) === 0x061561;
  const size = le ? bytes.readUInt32LE(20) : bytes.readUInt32BE(20);
  return { size, le, count: Math.floor(bytes.length / size) };
}
function u32(bytes: Buffer, le: boolean, at: number): number {
  return le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
}
function setU32(bytes: Buffer, le: boolean, at: number, v: number): void {
  if (le) bytes.writeUInt32LE(v, at);
  else bytes.writeUInt32BE(v, at);
}

test('an overflow chain that points back to itself ends with a warning; other packages stay', (t) => {
  const fixture = rpmFixture();
  if (typeof fixture === 'string') return t.skip(fixture);
  const all: number = fixture.truth.filter((r) => r.name !== 'gpg-pubkey').length;
  let damaged = 0;
  for (const { variant, path } of fixture.bdb) {
    const bytes = Buffer.from(readFileSync(path));
    const { size, le, count } = pages(bytes);
    // The first overflow page (type 7) that continues to another page.
    let target = -1;
    for (let n = 1; n < count && target < 0; n++) {
      if (bytes[n * size + 25] === 7 && u32(bytes, le, n * size + 16) !== 0) target = n;
    }
    if (target < 0) continue;
    setU32(bytes, le, target * size + 16, target);
    const got = extract(bytes);
    assert.ok((got.warnings?.length ?? 0) >= 1, variant);
    assert.equal(got.packages?.length, all - 1, variant);
    damaged++;
  }
  assert.ok(damaged >= 2, 'the fixture should have multi-page overflow chains');
});

test('a bucket page chain that loops ends with a warning and loses nothing', (t) => {
  const fixture = rpmFixture();
  if (typeof fixture === 'string') return t.skip(fixture);
  const { path } = fixture.bdb[0] ?? { path: '' };
  const bytes = Buffer.from(readFileSync(path));
  const { size, le, count } = pages(bytes);
  let looped = 0;
  for (let n = 1; n < count; n++) {
    const type = bytes[n * size + 25];
    if (type === 13 || type === 2) {
      setU32(bytes, le, n * size + 16, n);
      looped++;
    }
  }
  assert.ok(looped > 0);
  const got = extract(bytes);
  assert.ok((got.warnings?.length ?? 0) >= 1);
  assert.equal(got.packages?.length, fixture.truth.filter((r) => r.name !== 'gpg-pubkey').length);
});

test('hostile metadata and truncation: bounded work, clean errors', (t) => {
  const isCode = (code: string) => (e: unknown): boolean => e instanceof StockadeError && e.code === code;
  const rand = prng(9);
  const random = Buffer.alloc(16384);
  for (let i = 0; i < random.length; i++) random[i] = rand(256);
  assert.throws(() => extract(random), isCode('malformed_input'));
  assert.throws(() => extract(Buffer.alloc(100)), isCode('malformed_input'));

  const fixture = rpmFixture();
  if (typeof fixture === 'string') return t.skip(fixture);
  const original = readFileSync(fixture.bdb[0]?.path ?? '');
  const { le, size } = pages(original);

  const badPageSize = Buffer.from(original);
  setU32(badPageSize, le, 20, 3);
  assert.throws(() => extract(badPageSize), isCode('malformed_input'));

  const hugeBuckets = Buffer.from(original);
  setU32(hugeBuckets, le, 72, 0xffffffff);
  const started = Date.now();
  const r1 = extract(hugeBuckets);
  assert.ok(Date.now() - started < 5000);
  assert.ok((r1.warnings?.length ?? 0) >= 1);

  // Every off-page item claims 4 GiB: no allocation of that size, one warning each.
  const hugeItems = Buffer.from(original);
  for (let n = 1; n * size < hugeItems.length; n++) {
    const page = n * size;
    if (hugeItems[page + 25] !== 13 && hugeItems[page + 25] !== 2) continue;
    const entries = le ? hugeItems.readUInt16LE(page + 20) : hugeItems.readUInt16BE(page + 20);
    for (let i = 0; i < entries; i++) {
      const off = le ? hugeItems.readUInt16LE(page + 26 + 2 * i) : hugeItems.readUInt16BE(page + 26 + 2 * i);
      if (hugeItems[page + off] === 3) setU32(hugeItems, le, page + off + 8, 0xffffffff);
    }
  }
  const r2 = extract(hugeItems);
  assert.ok((r2.warnings?.length ?? 0) >= 1);

  // Cut in half: what is left is still read, the rest is reported.
  const half = original.subarray(0, Math.floor(original.length / size / 2) * size);
  const r3 = extract(half);
  assert.ok((r3.warnings?.length ?? 0) >= 1);
  assert.ok((r3.packages?.length ?? 0) < fixture.truth.length);

  if (hasTool('db_load', ['-V'])) {
    const dir = mkdtempSync(join(tmpdir(), 'stockade-bdb-'));
    try {
      spawnSync('db_load', ['-t', 'btree', join(dir, 'bt')], { input: 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 01\n 02\nDATA=END\n' });
      assert.throws(() => extract(readFileSync(join(dir, 'bt'))), isCode('unsupported_format'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
