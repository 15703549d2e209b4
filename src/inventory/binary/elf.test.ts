/**
 * The ELF reader against GNU readelf on the same files: 64-bit little-endian system
 * programs, and 32-bit and big-endian programs built here with Go's cross compiler.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath, fixtureCacheDir } from '../../testing/corpus.js';
import { RetainedChunks, bufferSource } from './byte-source.js';
import {
  ElfFormatError,
  PF_R,
  PF_W,
  PF_X,
  PT_LOAD,
  fileOffsetOfAddress,
  readElfHeader,
  readProgramHeaders,
  readSectionHeaders,
} from './elf.js';

const haveReadelf = spawnSync('readelf', ['--version']).status === 0;

/** Tiny Go programs for 386 (ELF32 LE) and s390x (ELF64 BE), built once. */
function crossBinaries(): string[] {
  if (spawnSync('go', ['version']).status !== 0) return [];
  const dir = join(fixtureCacheDir(), 'elf-cross-v1');
  const targets = ['386', 's390x', 'arm'];
  if (!existsSync(join(dir, 'done'))) {
    const work = `${dir}.tmp-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'go.mod'), 'module example.com/hello\n\ngo 1.18\n');
    writeFileSync(join(work, 'main.go'), 'package main\n\nfunc main() { println("hello") }\n');
    for (const arch of targets) {
      const r = spawnSync('go', ['build', '-o', `hello-${arch}`, '.'], {
        cwd: work,
        env: { ...process.env, GOOS: 'linux', GOARCH: arch, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', GOCACHE: join(work, 'cache') },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
    }
    rmSync(join(work, 'cache'), { recursive: true, force: true });
    writeFileSync(join(work, 'done'), '');
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  }
  return targets.map((a) => join(dir, `hello-${a}`));
}

interface ReadelfView {
  sections: Array<{ name: string; type: string; addr: number; offset: number; size: number }>;
  loads: Array<{ offset: number; vaddr: number; filesz: number; memsz: number; flags: number }>;
}

function readelf(file: string): ReadelfView {
  const hex = (s: string | undefined) => parseInt(s ?? 'x', 16);
  const sections: ReadelfView['sections'] = [];
  const sOut = spawnSync('readelf', ['-S', '-W', file], { encoding: 'utf8' }).stdout;
  for (const line of sOut.split('\n')) {
    const m = /^\s*\[\s*(\d+)\]/.exec(line);
    if (!m || m[1] === '0') continue;
    const tokens = line.slice(line.indexOf(']') + 1).trim().split(/\s+/);
    sections.push({ name: tokens[0] ?? '', type: tokens[1] ?? '', addr: hex(tokens[2]), offset: hex(tokens[3]), size: hex(tokens[4]) });
  }
  const loads: ReadelfView['loads'] = [];
  const lOut = spawnSync('readelf', ['-l', '-W', file], { encoding: 'utf8' }).stdout;
  for (const line of lOut.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    if (tokens[0] !== 'LOAD') continue;
    const flagText = tokens.slice(6, -1).join('');
    const flags = (flagText.includes('R') ? PF_R : 0) | (flagText.includes('W') ? PF_W : 0) | (flagText.includes('E') ? PF_X : 0);
    loads.push({ offset: hex(tokens[1]), vaddr: hex(tokens[2]), filesz: hex(tokens[4]), memsz: hex(tokens[5]), flags });
  }
  return { sections, loads };
}

test('sections and loadable segments agree with readelf (ELF64 LE, ELF32 LE, ELF64 BE, ARM)', (t) => {
  if (!haveReadelf) return t.skip('readelf (binutils) not installed');
  const files = [
    '/usr/bin/true',
    '/usr/bin/restic',
    corpusPath('scanner', 'lang', 'go-binaries', 'trivy', 'goexperiment'),
    corpusPath('scanner', 'lang', 'rust-auditable', 'osv-scalibr', 'uses_serde_json', 'uses_serde_json'),
    ...crossBinaries(),
  ].filter((f): f is string => !!f && existsSync(f));
  assert.ok(files.length >= 2);
  const classes = new Set<string>();
  for (const file of files) {
    const src = bufferSource(readFileSync(file));
    const header = readElfHeader(src);
    classes.add(`${header.bits}${header.littleEndian ? 'LE' : 'BE'}`);
    const want = readelf(file);
    const sections = readSectionHeaders(src, header).slice(1);
    assert.deepEqual(
      sections.map((s) => [s.name, s.addr, s.offset, s.size]),
      want.sections.map((s) => [s.name, s.addr, s.offset, s.size]),
      `${file} sections`,
    );
    const loads = readProgramHeaders(src, header).filter((s) => s.type === PT_LOAD);
    assert.deepEqual(
      loads.map((s) => ({ offset: s.offset, vaddr: s.vaddr, filesz: s.filesz, memsz: s.memsz, flags: s.flags & 7 })),
      want.loads,
      `${file} LOAD segments`,
    );
  }
  if (crossBinaries().length > 0) assert.deepEqual([...classes].sort(), ['32LE', '64BE', '64LE']);
});

test('virtual addresses map to file offsets only inside one segment file image', () => {
  const segments = [{ type: PT_LOAD, flags: PF_R, offset: 0x1000, vaddr: 0x400000, filesz: 0x100, memsz: 0x200 }];
  assert.equal(fileOffsetOfAddress(segments, 0x400010, 16), 0x1010);
  assert.equal(fileOffsetOfAddress(segments, 0x4000f8, 16), undefined, 'runs past filesz');
  assert.equal(fileOffsetOfAddress(segments, 0x400150, 1), undefined, 'bss has no file bytes');
  assert.equal(fileOffsetOfAddress(segments, 0x3fffff, 1), undefined);
});

test('hostile headers raise ElfFormatError, never a RangeError or a huge allocation', () => {
  const good = readFileSync('/usr/bin/true');
  const cases: Array<[string, (b: Buffer) => Buffer]> = [
    ['truncated ident', (b) => b.subarray(0, 10)],
    ['truncated header', (b) => b.subarray(0, 40)],
    ['bad class', (b) => Buffer.concat([b.subarray(0, 4), Buffer.from([9]), b.subarray(5)])],
    ['phoff past end', (b) => withU64(b, 32, 0xffff_ffff_ffn)],
    ['shoff past end', (b) => withU64(b, 40, 0xffff_ffff_ffn)],
    ['phoff beyond 2^53', (b) => withU64(b, 32, 0xffff_ffff_ffff_ff00n)],
    ['phentsize too small', (b) => withU16(b, 54, 4)],
    ['shentsize too small', (b) => withU16(b, 58, 4)],
    ['section table cut off', (b) => b.subarray(0, b.length - 200)],
  ];
  for (const [name, mutate] of cases) {
    const src = bufferSource(mutate(Buffer.from(good)));
    assert.throws(
      () => {
        const h = readElfHeader(src);
        readProgramHeaders(src, h);
        readSectionHeaders(src, h);
      },
      (e: unknown) => e instanceof ElfFormatError,
      name,
    );
  }
});

test('RetainedChunks answers reads across chunk boundaries and forgets past its cap', () => {
  const data = Buffer.from(Array.from({ length: 50_000 }, (_, i) => i % 251));
  for (const size of [1, 7, 4096, 10_000]) {
    const kept = new RetainedChunks(1 << 20);
    for (let i = 0; i < data.length; i += size) kept.push(data.subarray(i, i + size));
    assert.equal(kept.size, data.length);
    for (const [off, len] of [
      [0, 10],
      [4090, 20],
      [12_345, 9_999],
      [49_990, 10],
    ] as const) {
      assert.deepEqual(kept.read(off, len), data.subarray(off, off + len), `chunk ${size} read ${off}+${len}`);
    }
    assert.equal(kept.read(49_995, 10), undefined);
    assert.equal(kept.read(-1, 2), undefined);
  }
  const small = new RetainedChunks(1000);
  small.push(data.subarray(0, 800));
  small.push(data.subarray(800, 1600));
  assert.equal(small.overflowed, true);
  assert.equal(small.read(0, 1), undefined);
});

function withU64(b: Buffer, at: number, v: bigint): Buffer {
  b.writeBigUInt64LE(v, at);
  return b;
}

function withU16(b: Buffer, at: number, v: number): Buffer {
  b.writeUInt16LE(v, at);
  return b;
}
