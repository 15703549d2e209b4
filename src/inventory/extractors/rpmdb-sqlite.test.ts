import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackageURL } from 'packageurl-js';
import { StockadeError } from '../../core/errors.js';
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { corpusPath } from '../../testing/corpus.js';
import { readRpmGolden, rpmFixture, rpmToolsMissing, whatProvides, type RpmTruthRow } from '../../testing/rpm-fixtures.js';
import { rpmdbSqliteExtractor } from './rpmdb-sqlite.js';

const PATH = 'var/lib/rpm/rpmdb.sqlite';
const meta: FileMeta = { path: PATH, size: 0, mode: 0o644 };

function extract(bytes: Buffer) {
  const r = rpmdbSqliteExtractor.extract({ path: PATH, meta, bytes });
  if (r instanceof Promise) throw new Error('rpmdb-sqlite is synchronous');
  return r;
}

/** The comparable identity of a package: what `rpm -qa` prints, in the same columns. */
function ourRow(p: ExtractedPackage): string {
  const dash = p.version.lastIndexOf('-');
  return [p.name, p.epoch ?? '(none)', p.version.slice(0, dash), p.version.slice(dash + 1), p.arch ?? '', p.licenses?.[0] ?? ''].join('\t');
}

function truthRow(r: RpmTruthRow): string {
  return [r.name, r.epoch, r.version, r.release, r.arch, r.license].join('\t');
}

test('wants the two rpmdb.sqlite locations', () => {
  for (const p of ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite']) assert.equal(rpmdbSqliteExtractor.wants(p, meta), true, p);
  for (const p of ['var/lib/rpm/rpmdb.sqlite-wal', 'var/lib/rpm/Packages', 'rpmdb.sqlite']) assert.equal(rpmdbSqliteExtractor.wants(p, meta), false, p);
});

test('built sqlite rpmdb: packages, files, sources and dependencies as rpm reports them', (t) => {
  const fixture = rpmFixture();
  if (typeof fixture === 'string') return t.skip(fixture);
  const got = extract(readFileSync(fixture.sqlite));
  assert.equal(got.warnings, undefined);
  const packages = got.packages ?? [];
  const truth = fixture.truth.filter((r) => r.name !== 'gpg-pubkey');
  assert.ok(fixture.truth.length > truth.length, 'the fixture should hold a gpg-pubkey to skip');
  assert.deepEqual(packages.map(ourRow).sort(), truth.map(truthRow).sort());
  for (const p of packages) {
    const row = truth.find((r) => r.name === p.name);
    assert.ok(row);
    assert.deepEqual(p.source, fixture.sources[row.sourcerpm], p.name);
    assert.deepEqual(p.files ?? [], fixture.files[p.name], p.name);
    assert.deepEqual([...(p.dependsOn ?? [])].sort(), fixture.depends[p.name], p.name);
    const purl = PackageURL.fromString(p.purl);
    assert.equal(purl.type, 'rpm');
    assert.equal(purl.namespace, undefined);
    assert.equal(purl.version, `${row.version}-${row.release}`);
    assert.equal(purl.qualifiers?.['arch'], row.arch);
    assert.equal(purl.qualifiers?.['epoch'], row.epoch === '(none)' ? undefined : row.epoch);
  }
});

test('corpus sqlite rpmdb (CBL-Mariner 2.0) matches rpm -qa', (t) => {
  const file = corpusPath('scanner', 'os-pkgdb', 'rpm', 'go-rpmdb', 'cbl-mariner-2.0', 'rpmdb.sqlite');
  const golden = corpusPath('scanner', 'os-pkgdb', '_golden-native', 'rpm__os-pkgdb__rpm__go-rpmdb__cbl-mariner-2.0__rpmdb.sqlite.tsv');
  if (!file || !golden) return t.skip('corpus sqlite rpmdb absent');
  const got = extract(readFileSync(file));
  assert.equal(got.warnings, undefined);
  const truth = readRpmGolden(golden).filter((r) => r.name !== 'gpg-pubkey');
  assert.equal(truth.length, 129);
  // The golden prints EPOCHNUM: compare epochs as numbers, absent = 0.
  const norm = (row: string): string => row.replace(/^([^\t]*)\t\(none\)\t/, '$1\t0\t');
  assert.deepEqual(
    (got.packages ?? []).map((p) => norm(ourRow(p))).sort(),
    truth.map((r) => norm(truthRow(r))).sort(),
  );
  const bySource = new Map(truth.map((r) => [r.name, r.sourcerpm]));
  for (const p of got.packages ?? []) {
    const srpm = bySource.get(p.name) ?? '';
    assert.equal(`${p.source?.name}-${p.source?.version}.src.rpm`, srpm, p.name);
  }
});

test('corpus sqlite rpmdb: dependencies resolve as rpm --whatprovides resolves them', (t) => {
  const file = corpusPath('scanner', 'os-pkgdb', 'rpm', 'go-rpmdb', 'cbl-mariner-2.0', 'rpmdb.sqlite');
  if (!file) return t.skip('corpus sqlite rpmdb absent');
  const missing = rpmToolsMissing();
  if (missing) return t.skip(missing);
  const db = mkdtempSync(join(tmpdir(), 'stockade-rpmdeps-'));
  try {
    copyFileSync(file, join(db, 'rpmdb.sqlite'));
    const packages = extract(readFileSync(file)).packages ?? [];
    // A spread sample keeps the run short: rpm is spawned once per capability.
    const sample = packages.filter((_, i) => i % 6 === 0);
    for (const p of sample) {
      const q = spawnSync('rpm', ['-q', '--dbpath', db, '--qf', '[%{REQUIRENAME}\\n]', p.name], { encoding: 'utf8' });
      const requires = q.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('rpmlib('));
      assert.deepEqual([...(p.dependsOn ?? [])].sort(), whatProvides(db, requires, p.name), p.name);
    }
  } finally {
    rmSync(db, { recursive: true, force: true });
  }
});

test('a hostile header row (index count 2^31) is one warning; the other rows are kept', (t) => {
  const fixture = rpmFixture();
  if (typeof fixture === 'string') return t.skip(fixture);
  const dir = mkdtempSync(join(tmpdir(), 'stockade-rpmsql-'));
  try {
    const copy = join(dir, 'rpmdb.sqlite');
    copyFileSync(fixture.sqlite, copy);
    const r = spawnSync('sqlite3', [copy, "INSERT INTO Packages(blob) VALUES (X'8000000000000010'); INSERT INTO Packages(blob) VALUES (X'00')"]);
    assert.equal(r.status, 0, String(r.stderr));
    const got = extract(readFileSync(copy));
    assert.equal(got.packages?.length, fixture.truth.length - 1);
    assert.equal(got.warnings?.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bytes that are not an rpm sqlite database are a clean malformed_input error', (t) => {
  const isMalformed = (e: unknown): boolean => e instanceof StockadeError && e.code === 'malformed_input';
  let seed = 7;
  const random = Buffer.alloc(8192);
  for (let i = 0; i < random.length; i++) random[i] = (seed = (seed * 48271) % 2147483647) & 0xff;
  assert.throws(() => extract(random), isMalformed);
  assert.throws(() => extract(Buffer.alloc(0)), isMalformed);
  // A real SQLite header over random pages.
  const fakeHeader = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), random.subarray(16)]);
  assert.throws(() => extract(fakeHeader), isMalformed);
  const fixture = rpmFixture();
  if (typeof fixture === 'string') return t.skip(fixture);
  const real = readFileSync(fixture.sqlite);
  assert.throws(() => extract(real.subarray(0, Math.floor(real.length / 3))), isMalformed);
  // A valid SQLite database without a Packages table.
  const dir = mkdtempSync(join(tmpdir(), 'stockade-rpmsql-'));
  try {
    spawnSync('sqlite3', [join(dir, 'x.sqlite'), 'CREATE TABLE t(a)']);
    assert.throws(() => extract(readFileSync(join(dir, 'x.sqlite'))), isMalformed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
