import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StockadeError } from '../../core/errors.js';
import { corpusPath } from '../../testing/corpus.js';
import { RPM_QUERY_FORMAT, rpmFixture, rpmQueryAll, type RpmTruthRow } from '../../testing/rpm-fixtures.js';
import { parseRpmHeader, parseSourceRpm, RPMTAG, rpmRecordFromHeader } from './header.js';

const isMalformed = (e: unknown): boolean => e instanceof StockadeError && e.code === 'malformed_input';

/**
 * The main header of an .rpm file, without its magic: after the 96-byte lead comes
 * the signature header (padded to 8 bytes), then the main header.
 */
function mainHeaderOfRpmFile(file: Buffer): Buffer {
  const sigStart = 96;
  const sigSize = 16 + file.readUInt32BE(sigStart + 8) * 16 + file.readUInt32BE(sigStart + 12);
  const start = sigStart + sigSize + ((8 - (sigSize % 8)) % 8);
  assert.equal(file.readUInt32BE(start) >>> 8, 0x8eade8, 'main header magic');
  const il = file.readUInt32BE(start + 8);
  const dl = file.readUInt32BE(start + 12);
  return file.subarray(start + 8, start + 16 + il * 16 + dl);
}

function rpmQuery(args: string[]): string {
  const r = spawnSync('rpm', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function assertHeaderMatches(blob: Buffer, row: RpmTruthRow, files: string[], label: string): void {
  const h = parseRpmHeader(blob, label);
  assert.equal(h.string(RPMTAG.NAME), row.name, label);
  assert.equal(h.string(RPMTAG.VERSION), row.version, label);
  assert.equal(h.string(RPMTAG.RELEASE), row.release, label);
  assert.equal(h.int32(RPMTAG.EPOCH), row.epoch === '(none)' ? undefined : Number(row.epoch), label);
  assert.equal(h.string(RPMTAG.ARCH), row.arch, label);
  assert.equal(h.string(RPMTAG.LICENSE), row.license, label);
  assert.equal(h.string(RPMTAG.SOURCERPM) ?? '(none)', row.sourcerpm, label);
  const record = rpmRecordFromHeader(h, label, (m) => assert.fail(`unexpected warning: ${m}`));
  assert.ok(record, label);
  assert.equal(record.pkg.version, `${row.version}-${row.release}`);
  assert.equal(record.pkg.epoch, row.epoch === '(none)' ? undefined : Number(row.epoch));
  assert.deepEqual(record.pkg.licenses, [row.license]);
  assert.deepEqual(record.pkg.files ?? [], files, label);
}

test('headers inside built .rpm files read as rpm -qp reads them', (t) => {
  const fixture = rpmFixture();
  if (typeof fixture === 'string') return t.skip(fixture);
  for (const file of fixture.rpms) {
    const [row] = rpmQuery(['-qp', '--qf', RPM_QUERY_FORMAT, file])
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [name = '', epoch = '', version = '', release = '', arch = '', sourcerpm = '', license = ''] = l.split('\t');
        return { name, epoch, version, release, arch, sourcerpm, license };
      });
    assert.ok(row);
    const files = rpmQuery(['-qp', '--qf', '[%{FILENAMES}\\n]', file]).split('\n').filter((l) => l !== '');
    assertHeaderMatches(mainHeaderOfRpmFile(readFileSync(file)), row, files, file);
  }
});

test('a database header with install-time entries after its region reads as rpm reads it', (t) => {
  const file = corpusPath('scanner', 'os-pkgdb', 'rpm', 'claircore', 'package.header');
  if (!file) return t.skip('corpus rpm header absent');
  const fixture = rpmFixture();
  if (typeof fixture === 'string') return t.skip(fixture);
  // rpm -qp refuses such a header, so rpm reads it from an sqlite rpmdb instead.
  const db = mkdtempSync(join(tmpdir(), 'stockade-rpmhdr-'));
  try {
    rpmQuery(['--initdb', '--dbpath', db]);
    const ins = spawnSync('sqlite3', [join(db, 'rpmdb.sqlite'), `INSERT INTO Packages(blob) VALUES (readfile('${file}'))`]);
    assert.equal(ins.status, 0, String(ins.stderr));
    const rows = rpmQueryAll(db);
    assert.equal(rows.length, 1);
    const files = rpmQuery(['-qa', '--dbpath', db, '--qf', '[%{FILENAMES}\\n]']).split('\n').filter((l) => l !== '');
    assert.ok(files.length > 10);
    assertHeaderMatches(readFileSync(file), rows[0] as RpmTruthRow, files, 'package.header');
  } finally {
    rmSync(db, { recursive: true, force: true });
  }
});

test('SOURCERPM splits into name and version-release as rpm -qp reads the .src.rpm', (t) => {
  const fixture = rpmFixture();
  if (typeof fixture === 'string') return t.skip(fixture);
  const entries = Object.entries(fixture.sources);
  assert.ok(entries.length >= 3);
  for (const [file, truth] of entries) assert.deepEqual(parseSourceRpm(file), truth, file);
  assert.equal(parseSourceRpm('(none)'), undefined);
  assert.equal(parseSourceRpm('noversion.src.rpm'), undefined);
});

/** A minimal valid header: NAME, VERSION, RELEASE strings. */
function tinyHeader(): Buffer {
  const data = Buffer.from('n\u00001\u00002\u0000', 'latin1');
  const index = Buffer.alloc(3 * 16);
  [RPMTAG.NAME, RPMTAG.VERSION, RPMTAG.RELEASE].forEach((tag, i) => {
    index.writeUInt32BE(tag, i * 16);
    index.writeUInt32BE(6, i * 16 + 4);
    index.writeInt32BE(i * 2, i * 16 + 8);
    index.writeUInt32BE(1, i * 16 + 12);
  });
  const intro = Buffer.alloc(8);
  intro.writeUInt32BE(3, 0);
  intro.writeUInt32BE(data.length, 4);
  return Buffer.concat([intro, index, data]);
}

test('the tiny hand-made header is valid (so the hostile variants below test one thing each)', () => {
  const h = parseRpmHeader(tinyHeader(), 't');
  assert.equal(h.string(RPMTAG.NAME), 'n');
  assert.equal(h.string(RPMTAG.RELEASE), '2');
});

test('an index count of 2^31 fails at once, without a huge allocation', () => {
  const blob = tinyHeader();
  blob.writeUInt32BE(0x80000000, 0);
  const before = process.memoryUsage().arrayBuffers;
  assert.throws(() => parseRpmHeader(blob, 't'), isMalformed);
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20);
  blob.writeUInt32BE(0xffffffff, 0);
  assert.throws(() => parseRpmHeader(blob, 't'), isMalformed);
});

test('data length or index past the blob end is malformed', () => {
  const big = tinyHeader();
  big.writeUInt32BE(0x0fffffff, 4);
  assert.throws(() => parseRpmHeader(big, 't'), isMalformed);
  assert.throws(() => parseRpmHeader(tinyHeader().subarray(0, 30), 't'), isMalformed);
  assert.throws(() => parseRpmHeader(Buffer.alloc(4), 't'), isMalformed);
});

test('entries pointing outside the data store, unterminated strings and oversized arrays are malformed', () => {
  const offset = tinyHeader();
  offset.writeInt32BE(1000, 8 + 8); // NAME offset
  assert.throws(() => parseRpmHeader(offset, 't').string(RPMTAG.NAME), isMalformed);
  const negative = tinyHeader();
  negative.writeInt32BE(-16, 8 + 8);
  assert.throws(() => parseRpmHeader(negative, 't').string(RPMTAG.NAME), isMalformed);
  const unterminated = tinyHeader();
  unterminated[unterminated.length - 1] = 0x41; // RELEASE loses its NUL
  assert.throws(() => parseRpmHeader(unterminated, 't').string(RPMTAG.RELEASE), isMalformed);
  const array = tinyHeader();
  array.writeUInt32BE(8, 8 + 4); // NAME as STRING_ARRAY
  array.writeUInt32BE(0x7fffffff, 8 + 12); // ... of 2^31 strings
  assert.throws(() => parseRpmHeader(array, 't').stringArray(RPMTAG.NAME), isMalformed);
  const ints = tinyHeader();
  ints.writeUInt32BE(4, 8 + 4); // NAME as INT32
  ints.writeUInt32BE(3, 8 + 12); // 3 x 4 bytes from offset 0 runs past the 6-byte store
  assert.throws(() => parseRpmHeader(ints, 't').int32Array(RPMTAG.NAME), isMalformed);
  const wrongType = tinyHeader();
  wrongType.writeUInt32BE(77, 8 + 4);
  assert.throws(() => parseRpmHeader(wrongType, 't').string(RPMTAG.NAME), isMalformed);
});

test('damaged optional tags cost a warning, not the package', () => {
  // Add a LICENSE entry pointing past the data store.
  const base = tinyHeader();
  const il = 4;
  const index = Buffer.alloc(16);
  index.writeUInt32BE(RPMTAG.LICENSE, 0);
  index.writeUInt32BE(6, 4);
  index.writeInt32BE(5000, 8);
  index.writeUInt32BE(1, 12);
  const intro = Buffer.alloc(8);
  intro.writeUInt32BE(il, 0);
  intro.writeUInt32BE(base.readUInt32BE(4), 4);
  const blob = Buffer.concat([intro, base.subarray(8, 8 + 48), index, base.subarray(8 + 48)]);
  const warnings: string[] = [];
  const record = rpmRecordFromHeader(parseRpmHeader(blob, 't'), 't', (m) => warnings.push(m));
  assert.equal(record?.pkg.name, 'n');
  assert.equal(record?.pkg.licenses, undefined);
  assert.equal(warnings.length, 1);
});

test('random damage to a real header never escapes as anything but StockadeError', (t) => {
  const file = corpusPath('scanner', 'os-pkgdb', 'rpm', 'claircore', 'package.header');
  if (!file) return t.skip('corpus rpm header absent');
  const original = readFileSync(file);
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const blob = Buffer.from(original);
    // Damage the intro and index more often than the data: that is where lengths live.
    for (let k = 0; k < 4; k++) blob[rand(k < 3 ? 8 + 78 * 16 : blob.length)] = rand(256);
    try {
      const h = parseRpmHeader(blob, 'fuzz');
      rpmRecordFromHeader(h, 'fuzz', () => undefined);
    } catch (e) {
      assert.ok(e instanceof StockadeError, `round ${round}: ${String(e)}`);
    }
  }
});
