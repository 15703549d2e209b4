/**
 * A small, defensive ELF reader: the file header, program headers (segments) and
 * section headers with their names. Enough to map a virtual address to a file offset
 * and to find a named section. Layouts follow the System V ABI (`elf.h`): 32- and
 * 64-bit classes, both byte orders.
 *
 * Every offset and count comes from untrusted input, so each table is checked to lie
 * inside the file before it is read, counts are capped, and 64-bit values beyond
 * JavaScript's safe integers are treated as "not usable" rather than rounded.
 */
import type { ByteSource } from './byte-source.js';

export class ElfFormatError extends Error {
  override name = 'ElfFormatError';
}

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export const PT_LOAD = 1;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
export const SHT_NOBITS = 8;

/** More headers than this is not a real program; it is a table meant to exhaust us. */
const MAX_PROGRAM_HEADERS = 4096;
const MAX_SECTION_HEADERS = 65536;
const MAX_SECTION_NAME = 256;

export interface ElfHeader {
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_type: 2 executable, 3 shared object / PIE. */
  type: number;
  /** e_machine: 62 x86-64, 183 aarch64, 3 i386, 22 s390 ... */
  machine: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

export interface ElfSection {
  name: string;
  type: number;
  addr: number;
  offset: number;
  size: number;
}

export function hasElfMagic(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.subarray(0, 4).equals(ELF_MAGIC);
}

/** Reads integers of one byte order; 64-bit values come back as numbers or NaN when unsafe. */
class FieldReader {
  constructor(
    private readonly bytes: Buffer,
    private readonly little: boolean,
  ) {}

  u16(at: number): number {
    return this.little ? this.bytes.readUInt16LE(at) : this.bytes.readUInt16BE(at);
  }

  u32(at: number): number {
    return this.little ? this.bytes.readUInt32LE(at) : this.bytes.readUInt32BE(at);
  }

  /** NaN when the value does not fit a safe integer: callers reject NaN as out of range. */
  u64(at: number): number {
    const big = this.little ? this.bytes.readBigUInt64LE(at) : this.bytes.readBigUInt64BE(at);
    return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : Number.NaN;
  }

  /** A word of the file's class: 4 bytes for ELF32, 8 for ELF64. */
  word(at: number, bits: 32 | 64): number {
    return bits === 64 ? this.u64(at) : this.u32(at);
  }
}

function mustRead(src: ByteSource, offset: number, length: number, what: string): Buffer {
  const bytes = src.read(offset, length);
  if (!bytes) throw new ElfFormatError(`${what} lies outside the file (offset ${offset}, ${length} bytes)`);
  return bytes;
}

export function readElfHeader(src: ByteSource): ElfHeader {
  const ident = mustRead(src, 0, 16, 'ELF identification');
  if (!hasElfMagic(ident)) throw new ElfFormatError('not an ELF file');
  const klass = ident[4];
  const data = ident[5];
  if (klass !== 1 && klass !== 2) throw new ElfFormatError(`unknown ELF class ${String(klass)}`);
  if (data !== 1 && data !== 2) throw new ElfFormatError(`unknown ELF byte order ${String(data)}`);
  const bits = klass === 2 ? 64 : 32;
  const littleEndian = data === 1;
  const header = mustRead(src, 0, bits === 64 ? 64 : 52, 'ELF header');
  const r = new FieldReader(header, littleEndian);
  const h: ElfHeader =
    bits === 64
      ? {
          bits,
          littleEndian,
          type: r.u16(16),
          machine: r.u16(18),
          phoff: r.u64(32),
          shoff: r.u64(40),
          phentsize: r.u16(54),
          phnum: r.u16(56),
          shentsize: r.u16(58),
          shnum: r.u16(60),
          shstrndx: r.u16(62),
        }
      : {
          bits,
          littleEndian,
          type: r.u16(16),
          machine: r.u16(18),
          phoff: r.u32(28),
          shoff: r.u32(32),
          phentsize: r.u16(42),
          phnum: r.u16(44),
          shentsize: r.u16(46),
          shnum: r.u16(48),
          shstrndx: r.u16(50),
        };
  if (Number.isNaN(h.phoff) || Number.isNaN(h.shoff)) throw new ElfFormatError('ELF header table offset out of range');
  return h;
}

const PHDR_SIZE = { 32: 32, 64: 56 } as const;
const SHDR_SIZE = { 32: 40, 64: 64 } as const;

export function readProgramHeaders(src: ByteSource, h: ElfHeader): ElfSegment[] {
  if (h.phnum === 0 || h.phoff === 0) return [];
  // PN_XNUM (0xffff) moves the real count into section 0; no real program needs it.
  if (h.phnum > MAX_PROGRAM_HEADERS) throw new ElfFormatError(`too many program headers (${h.phnum})`);
  if (h.phentsize < PHDR_SIZE[h.bits]) throw new ElfFormatError(`program header entry size ${h.phentsize} too small`);
  const table = mustRead(src, h.phoff, h.phnum * h.phentsize, 'program header table');
  const r = new FieldReader(table, h.littleEndian);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < h.phnum; i += 1) {
    const at = i * h.phentsize;
    const seg: ElfSegment =
      h.bits === 64
        ? {
            type: r.u32(at),
            flags: r.u32(at + 4),
            offset: r.u64(at + 8),
            vaddr: r.u64(at + 16),
            filesz: r.u64(at + 32),
            memsz: r.u64(at + 40),
          }
        : {
            type: r.u32(at),
            offset: r.u32(at + 4),
            vaddr: r.u32(at + 8),
            filesz: r.u32(at + 16),
            memsz: r.u32(at + 20),
            flags: r.u32(at + 24),
          };
    // A segment whose numbers do not fit is unusable, not fatal: skip it.
    if ([seg.offset, seg.vaddr, seg.filesz, seg.memsz].some((n) => Number.isNaN(n))) continue;
    segments.push(seg);
  }
  return segments;
}

export function readSectionHeaders(src: ByteSource, h: ElfHeader): ElfSection[] {
  if (h.shoff === 0) return [];
  if (h.shentsize < SHDR_SIZE[h.bits]) throw new ElfFormatError(`section header entry size ${h.shentsize} too small`);
  let count = h.shnum;
  let strIndex = h.shstrndx;
  if (count === 0 || strIndex === 0xffff) {
    // Extended numbering: section 0 carries the real count (sh_size) and string table index (sh_link).
    const zero = mustRead(src, h.shoff, SHDR_SIZE[h.bits], 'section header 0');
    const r0 = new FieldReader(zero, h.littleEndian);
    if (count === 0) count = h.bits === 64 ? r0.u64(32) : r0.u32(20);
    if (strIndex === 0xffff) strIndex = h.bits === 64 ? r0.u32(40) : r0.u32(24);
  }
  if (!Number.isSafeInteger(count) || count > MAX_SECTION_HEADERS) {
    throw new ElfFormatError(`too many section headers (${count})`);
  }
  if (count === 0) return [];
  const table = mustRead(src, h.shoff, count * h.shentsize, 'section header table');
  const r = new FieldReader(table, h.littleEndian);
  const raw: Array<ElfSection & { nameOffset: number }> = [];
  for (let i = 0; i < count; i += 1) {
    const at = i * h.shentsize;
    raw.push(
      h.bits === 64
        ? {
            nameOffset: r.u32(at),
            name: '',
            type: r.u32(at + 4),
            addr: r.u64(at + 16),
            offset: r.u64(at + 24),
            size: r.u64(at + 32),
          }
        : {
            nameOffset: r.u32(at),
            name: '',
            type: r.u32(at + 4),
            addr: r.u32(at + 12),
            offset: r.u32(at + 16),
            size: r.u32(at + 20),
          },
    );
  }
  const strtab = raw[strIndex];
  return raw.map(({ nameOffset, ...s }) => ({ ...s, name: strtab ? sectionName(src, strtab, nameOffset) : '' }));
}

/** A NUL-terminated name from the section name table; '' when it does not resolve. */
function sectionName(src: ByteSource, strtab: ElfSection, nameOffset: number): string {
  if (strtab.type === SHT_NOBITS || nameOffset >= strtab.size) return '';
  const length = Math.min(MAX_SECTION_NAME, strtab.size - nameOffset, src.size - strtab.offset - nameOffset);
  const bytes = length > 0 ? src.read(strtab.offset + nameOffset, length) : undefined;
  if (!bytes) return '';
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('latin1');
}

/** The file bytes of a section, or undefined when the section has none or lies outside the file. */
export function sectionBytes(src: ByteSource, section: ElfSection): Buffer | undefined {
  if (section.type === SHT_NOBITS) return undefined;
  return src.read(section.offset, section.size);
}

/**
 * File offset of `length` bytes at virtual address `vaddr`, when one loaded segment's
 * file image holds all of them (the way Go's own reader resolves addresses).
 */
export function fileOffsetOfAddress(segments: readonly ElfSegment[], vaddr: number, length: number): number | undefined {
  for (const seg of segments) {
    if (seg.type !== PT_LOAD) continue;
    if (vaddr < seg.vaddr || vaddr - seg.vaddr >= seg.filesz) continue;
    const within = vaddr - seg.vaddr;
    if (length > seg.filesz - within) return undefined;
    return seg.offset + within;
  }
  return undefined;
}

/** True when file offset `offset` lies in the file image of a writable loaded segment. */
export function isInWritableSegment(segments: readonly ElfSegment[], offset: number): boolean {
  return segments.some(
    (seg) => seg.type === PT_LOAD && (seg.flags & PF_W) !== 0 && offset >= seg.offset && offset - seg.offset < seg.filesz,
  );
}
