import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StockadeError } from '../../core/errors.js';
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { corpusPath } from '../../testing/corpus.js';
import { rpmToolsMissing } from '../../testing/rpm-fixtures.js';
import { adler32, readNdbBlobs, rpmdbNdbExtractor } from './rpmdb-ndb.js';

const PATH = 'var/lib/rpm/Packages.db';
const meta: FileMeta = { path: PATH, size: 0, mode: 0o644 };

function extract(bytes: Buffer) {
  const r = rpmdbNdbExtractor.extract({ path: PATH, meta, bytes });
  if (r instanceof Promise) throw new Error('rpmdb-ndb is synchronous');
  return r;
}

const FIXTURE = ['scanner', 'os-pkgdb', 'rpm', 'go-rpmdb', 'sle15-bci', 'Packages.db'] as const;
const GOLDEN = ['scanner', 'os-pkgdb', '_golden-upstream', 'rpm__os-pkgdb__rpm__go-rpmdb__sle15-bci__Packages.db.tsv'] as const;

/** The upstream golden: epoch name version release arch sourcerpm size license vendor. */
function goldenRows(file: string): Array<Record<string, string>> {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const header = (lines.shift() ?? '').split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [header[i] ?? '', v])));
}

function ourRow(p: ExtractedPackage): string {
  const dash = p.version.lastIndexOf('-');
  const srpm = p.source ? `${p.source.name}-${p.source.version}.src.rpm` : '';
  return [p.epoch ?? '', p.name, p.version.slice(0, dash), p.version.slice(dash + 1), p.arch ?? '', srpm, p.licenses?.[0] ?? '', p.metadata?.['vendor'] ?? ''].join('\t');
}

test('wants the two Packages.db locations', () => {
  for (const p of ['var/lib/rpm/Packages.db', 'usr/lib/sysimage/rpm/Packages.db']) assert.equal(rpmdbNdbExtractor.wants(p, meta), true, p);
  for (const p of ['var/lib/rpm/Packages', 'var/lib/rpm/Index.db', 'Packages.db']) assert.equal(rpmdbNdbExtractor.wants(p, meta), false, p);
});

test('corpus ndb rpmdb (SLE 15 BCI) matches the upstream expected package list', (t) => {
  const file = corpusPath(...FIXTURE);
  const golden = corpusPath(...GOLDEN);
  if (!file || !golden) return t.skip('corpus ndb rpmdb absent');
  const expected = goldenRows(golden)
    .filter((r) => r['name'] !== 'gpg-pubkey')
    .map((r) => [r['epoch'], r['name'], r['version'], r['release'], r['arch'], r['sourcerpm'], r['license'], r['vendor']].join('\t'))
    .sort();
  assert.equal(expected.length, 35);
  const got = extract(readFileSync(file));
  assert.equal(got.warnings, undefined);
  assert.deepEqual((got.packages ?? []).map(ourRow).sort(), expected);
});

test('the header blobs found in the ndb file are what rpm itself reads (files included)', (t) => {
  const file = corpusPath(...FIXTURE);
  if (!file) return t.skip('corpus ndb rpmdb absent');
  const missing = rpmToolsMissing();
  if (missing) return t.skip(missing);
  // Debian's rpm cannot open ndb, so the blobs go into an sqlite rpmdb rpm can read.
  const { blobs } = readNdbBlobs(readFileSync(file), file);
  const db = mkdtempSync(join(tmpdir(), 'stockade-ndb-'));
  try {
    assert.equal(spawnSync('rpm', ['--initdb', '--dbpath', db]).status, 0);
    const sql = ['BEGIN;', ...blobs.map((b) => `INSERT INTO Packages(blob) VALUES (X'${b.blob.toString('hex')}');`), 'COMMIT;'].join('\n');
    writeFileSync(join(db, 'load.sql'), sql);
    const load = spawnSync('sqlite3', [join(db, 'rpmdb.sqlite'), `.read ${join(db, 'load.sql')}`], { encoding: 'utf8' });
    assert.equal(load.status, 0, load.stderr);
    const q = spawnSync('rpm', ['-qa', '--dbpath', db, '--qf', '%{NAME}\\t[%{FILENAMES}\\t]\\n'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(q.status, 0, q.stderr);
    const truth = new Map(q.stdout.split('\n').filter((l) => l !== '').map((l) => {
      const [name = '', ...files] = l.split('\t');
      return [name, files.filter((f) => f !== '')];
    }));
    const packages = extract(readFileSync(file)).packages ?? [];
    assert.equal(packages.length, truth.size);
    let files = 0;
    for (const p of packages) {
      assert.deepEqual(p.files ?? [], truth.get(p.name), p.name);
      files += p.files?.length ?? 0;
    }
    assert.ok(files > 1000);
  } finally {
    rmSync(db, { recursive: true, force: true });
  }
});

test('adler32 agrees with zlib (via python3)', (t) => {
  const py = spawnSync('python3', ['-c', 'import sys, zlib; print(zlib.adler32(sys.stdin.buffer.read()))'], { input: Buffer.alloc(0) });
  if (py.status !== 0) return t.skip('python3 absent');
  for (const len of [0, 1, 5551, 5552, 5553, 100_000]) {
    const data = Buffer.alloc(len);
    for (let i = 0; i < len; i++) data[i] = (i * 7919 + 13) & 0xff;
    const r = spawnSync('python3', ['-c', 'import sys, zlib; print(zlib.adler32(sys.stdin.buffer.read()))'], { input: data, encoding: 'utf8' });
    assert.equal(adler32(data), Number(r.stdout.trim()), `length ${len}`);
  }
});

test('a damaged blob costs one package; damaged slots and short files are reported, not fatal', (t) => {
  const file = corpusPath(...FIXTURE);
  if (!file) return t.skip('corpus ndb rpmdb absent');
  const original = readFileSync(file);
  const all = extract(original).packages?.length ?? 0;

  // Flip one byte inside the first blob: its checksum no longer matches.
  const flipped = Buffer.from(original);
  const firstBlob = flipped.readUInt32LE(32 + 8) * 16;
  flipped[firstBlob + 100] = (flipped[firstBlob + 100] ?? 0) ^ 0xff;
  const r1 = extract(flipped);
  assert.equal(r1.packages?.length, all - 1);
  assert.match(r1.warnings?.[0] ?? '', /checksum/);

  // A slot pointing past the end of the file, and one with an absurd block count.
  const slots = Buffer.from(original);
  slots.writeUInt32LE(0xfffffff0, 32 + 16 + 8);
  slots.writeUInt32LE(0xffffffff, 32 + 32 + 12);
  const r2 = extract(slots);
  assert.equal(r2.packages?.length, all - 2);
  assert.equal(r2.warnings?.length, 2);

  // Truncated: blobs beyond the cut are reported.
  const r3 = extract(original.subarray(0, Math.floor(original.length / 2)));
  assert.ok((r3.packages?.length ?? 0) > 0 && (r3.packages?.length ?? 0) < all);
  assert.ok((r3.warnings?.length ?? 0) >= 1);
});

test('bytes that are not an ndb database, or claim an impossible slot area, are clean errors', (t) => {
  const isMalformed = (e: unknown): boolean => e instanceof StockadeError && e.code === 'malformed_input';
  let s = 3;
  const random = Buffer.alloc(8192);
  for (let i = 0; i < random.length; i++) random[i] = (s = (s * 48271) % 2147483647) & 0xff;
  assert.throws(() => extract(random), isMalformed);
  assert.throws(() => extract(Buffer.alloc(0)), isMalformed);
  const file = corpusPath(...FIXTURE);
  if (!file) return t.skip('corpus ndb rpmdb absent');
  const hostile = Buffer.from(readFileSync(file));
  hostile.writeUInt32LE(0x7fffffff, 12);
  assert.throws(() => extract(hostile), isMalformed);
});
