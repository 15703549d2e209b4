/**
 * Oracles: the corpus eggs with osv-scalibr's expectations, cross-checked with
 * `unzip -p` + Debian's Python email parser; hostile archives built here (a deflate
 * bomb, a member whose header lies about its size, too many members, junk).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';
import { corpusPath } from '../../testing/corpus.js';
import { isStockadeError } from '../../core/errors.js';
import { MAX_ENTRIES, parseEgg, pythonEggExtractor } from './python-egg.js';

interface Member { name: string; data: Buffer; declaredSize?: number }

/**
 * A minimal zip writer (APPNOTE 6.3.x: local headers, central directory, end record),
 * deflating every member. `declaredSize` lets a test lie about a member's size.
 */
function makeZip(members: Member[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name);
    const body = deflateRawSync(m.data);
    const size = m.declaredSize ?? m.data.length;
    const crc = crc32(m.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(members.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(members.length, 0xffff), 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const PKG_INFO = Buffer.from('Metadata-Version: 1.1\nName: Demo_Pkg\nVersion: 0.3\nLicense: MIT\n\nbody\n');

test('corpus eggs (osv-scalibr expectations, checked with unzip and python)', async (t) => {
  const egg = corpusPath('scanner', 'lang', 'python', 'osv-scalibr-wheelegg', 'monotonic-1.6-py3.10.egg');
  const noInfo = corpusPath('scanner', 'lang', 'python', 'osv-scalibr-wheelegg', 'monotonic_no_pkginfo-1.6-py3.10.egg');
  if (!egg || !noInfo) return t.skip('corpus lang/python/osv-scalibr-wheelegg absent');
  // wheelegg_test.go: ".egg" -> monotonic 1.6; ".egg without PKG-INFO" -> no package.
  const result = await parseEgg('site-packages/monotonic-1.6-py3.10.egg', readFileSync(egg));
  assert.deepEqual(result.packages?.map((p) => `${p.name}@${p.version}`), ['monotonic@1.6']);
  assert.deepEqual((await parseEgg('x.egg', readFileSync(noInfo))).packages ?? [], []);
  if (existsSync('/usr/bin/unzip') && existsSync('/usr/bin/python3')) {
    const raw = execFileSync('/usr/bin/unzip', ['-p', egg, 'EGG-INFO/PKG-INFO']);
    const py = 'import sys, email; m = email.message_from_bytes(sys.stdin.buffer.read()); print(m["Name"] + "@" + m["Version"])';
    const truth = execFileSync('/usr/bin/python3', ['-c', py], { input: raw, encoding: 'utf8' }).trim();
    assert.equal(`${result.packages?.[0]?.name}@${result.packages?.[0]?.version}`, truth);
  }
});

test('an egg built here', async () => {
  const zip = makeZip([{ name: 'demo/__init__.py', data: Buffer.from('') }, { name: 'EGG-INFO/PKG-INFO', data: PKG_INFO }]);
  const result = await parseEgg('x.egg', zip);
  assert.equal(result.packages?.[0]?.purl, 'pkg:pypi/demo-pkg@0.3');
  assert.deepEqual(result.packages?.[0]?.licenses, ['MIT']);
});

test('zip bombs and junk are refused', async () => {
  const code = (c: string) => (e: unknown) => isStockadeError(e) && e.code === c;
  // 8 MiB of zeros deflates to a few KiB: over the 1 MiB cap on PKG-INFO.
  const big = makeZip([{ name: 'EGG-INFO/PKG-INFO', data: Buffer.alloc(8 * 1024 * 1024) }]);
  await assert.rejects(parseEgg('x.egg', big), code('hostile_input'));
  // A header that claims 100 bytes for 8 MiB of content.
  const liar = makeZip([{ name: 'EGG-INFO/PKG-INFO', data: Buffer.concat([PKG_INFO, Buffer.alloc(8 * 1024 * 1024)]), declaredSize: 100 }]);
  await assert.rejects(parseEgg('x.egg', liar), code('hostile_input'));
  // Too many members before the one we want.
  const many: Member[] = [];
  for (let i = 0; i < MAX_ENTRIES + 10; i++) many.push({ name: `f${i}`, data: Buffer.alloc(0) });
  many.push({ name: 'EGG-INFO/PKG-INFO', data: PKG_INFO });
  await assert.rejects(parseEgg('x.egg', makeZip(many)), code('hostile_input'));
  // Not a zip; a truncated zip.
  await assert.rejects(parseEgg('x.egg', Buffer.from('not a zip at all')), code('malformed_input'));
  const good = makeZip([{ name: 'EGG-INFO/PKG-INFO', data: PKG_INFO }]);
  await assert.rejects(parseEgg('x.egg', good.subarray(0, good.length - 10)), code('malformed_input'));
  // PKG-INFO without a Name.
  await assert.rejects(parseEgg('x.egg', makeZip([{ name: 'EGG-INFO/PKG-INFO', data: Buffer.from('Version: 1\n') }])), code('malformed_input'));
});

test('wants .egg files', () => {
  const meta = { path: '', size: 1, mode: 0o644 };
  assert.equal(pythonEggExtractor.wants('usr/lib/python3/site-packages/monotonic-1.6-py3.10.egg', meta), true);
  assert.equal(pythonEggExtractor.wants('x.egg-info', meta), false);
  assert.equal(pythonEggExtractor.wants('x.egg/EGG-INFO/PKG-INFO', meta), false);
});
