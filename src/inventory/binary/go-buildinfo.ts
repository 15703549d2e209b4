/**
 * Go build information embedded in executables by the Go linker (Go 1.13+ with
 * modules; read by `go version -m` and `debug/buildinfo`).
 *
 * The blob starts with a 32-byte header at a 16-byte aligned offset:
 *   bytes 0-13  the magic "\xff Go buildinf:"
 *   byte  14    pointer size (4 or 8)
 *   byte  15    flags: bit 0 big-endian (pointer format), bit 1 strings inline
 * Go >= 1.18 sets bit 1: the header is followed by two strings, each a uvarint length
 * and the bytes, the Go version and the module info. Older Go writes, after the
 * flags, two pointers to Go string headers { data pointer, length } elsewhere in the
 * binary, which only a reader with address translation (ELF program headers) can
 * follow. The module info text is wrapped in two 16-byte sentinels.
 *
 * The inline format is found by a pure byte scan, so it reads the same in ELF,
 * Mach-O and PE files; the pointer format is resolved here for ELF only.
 */
import type { ByteSource } from './byte-source.js';
import { fileOffsetOfAddress, type ElfSegment } from './elf.js';

export const GO_BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const ALIGN = 16;
const FLAG_BIG_ENDIAN = 1;
const FLAG_INLINE = 2;
/** A Go version string is short ("go1.22.1 X:loopvar", "devel go1.23-abc +def"). */
export const MAX_GO_VERSION_LENGTH = 1024;
/** Real module info is tens of KiB for the largest programs; this caps hostile lengths. */
export const MAX_MODINFO_LENGTH = 4 * 1024 * 1024;
/** A uvarint for a value below 2^53 never needs more bytes than this. */
const MAX_UVARINT_BYTES = 8;
/** Kept per file: real binaries have one header; a few more are false hits in read-only data. */
const MAX_POINTER_CANDIDATES = 8;
/** A file crafted full of bad headers must not grow an unbounded warning list. */
const MAX_PROBLEMS = 5;

export interface GoBuildInfoStrings {
  goVersion: string;
  /** The module info text with its sentinels removed ('' when absent, as in GOPATH builds). */
  modinfo: string;
  format: 'inline' | 'pointer';
  /** File offset of the header. */
  offset: number;
}

/** A pre-1.18 header: where its two string headers live in the address space. */
export interface PointerHeader {
  offset: number;
  ptrSize: 4 | 8;
  bigEndian: boolean;
  versionAddress: number;
  modinfoAddress: number;
}

/** True for the strings Go writes as its version: `go1.x...` releases and `devel ...` builds. */
export function looksLikeGoVersion(text: string): boolean {
  if (text.length < 3 || text.length > MAX_GO_VERSION_LENGTH) return false;
  const third = text.charCodeAt(2);
  const release = text.startsWith('go') && third >= 0x30 && third <= 0x39;
  if (!release && !text.startsWith('devel')) return false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Removes the 16-byte sentinels Go puts around module info; '' when they are not there. */
export function stripModinfoSentinels(raw: string): string {
  // The closing sentinel follows a newline: the same framing test Go's reader makes.
  if (raw.length >= 33 && raw.charCodeAt(raw.length - 17) === 0x0a) return raw.slice(16, raw.length - 16);
  return '';
}

type Uvarint = { value: number; size: number } | 'incomplete' | 'overflow';

/** Reads an unsigned LEB128 varint at `at`; values of 2^53 or more are 'overflow'. */
export function readUvarint(bytes: Buffer, at: number): Uvarint {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_UVARINT_BYTES; i += 1) {
    const b = bytes[at + i];
    if (b === undefined) return 'incomplete';
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return Number.isSafeInteger(value) ? { value, size: i + 1 } : 'overflow';
    scale *= 128;
  }
  return 'overflow';
}

type HeaderDecode =
  | { kind: 'need'; bytes: number }
  | { kind: 'inline'; goVersion: string; modinfo: string }
  | { kind: 'pointer'; header: PointerHeader }
  | { kind: 'reject'; problem?: string };

/**
 * Decodes a build info blob starting at `data[0]` (the magic). With too few bytes it
 * says how many it needs, so a streaming caller can wait for more.
 */
export function decodeBuildInfoHeader(data: Buffer, offset: number): HeaderDecode {
  if (data.length < HEADER_SIZE) return { kind: 'need', bytes: HEADER_SIZE };
  const ptrSize = data[14];
  const flags = data[15] ?? 0;
  if (ptrSize !== 4 && ptrSize !== 8) return { kind: 'reject' };
  if ((flags & FLAG_INLINE) === 0) {
    if (flags > FLAG_BIG_ENDIAN) return { kind: 'reject' };
    const bigEndian = (flags & FLAG_BIG_ENDIAN) !== 0;
    const ptr = (at: number): number => readPointer(data, at, ptrSize, bigEndian);
    return {
      kind: 'pointer',
      header: { offset, ptrSize, bigEndian, versionAddress: ptr(16), modinfoAddress: ptr(16 + ptrSize) },
    };
  }
  const version = decodeInlineString(data, HEADER_SIZE, MAX_GO_VERSION_LENGTH, 'Go version');
  if (version.kind !== 'string') return version;
  const goVersion = version.text;
  if (!looksLikeGoVersion(goVersion)) return { kind: 'reject' };
  const mod = decodeInlineString(data, version.end, MAX_MODINFO_LENGTH, 'module info');
  if (mod.kind !== 'string') return mod;
  return { kind: 'inline', goVersion, modinfo: stripModinfoSentinels(mod.text) };
}

function decodeInlineString(
  data: Buffer,
  at: number,
  max: number,
  what: string,
): { kind: 'string'; text: string; end: number } | { kind: 'need'; bytes: number } | { kind: 'reject'; problem?: string } {
  const length = readUvarint(data, at);
  if (length === 'incomplete') return { kind: 'need', bytes: data.length + 1 };
  if (length === 'overflow' || length.value > max) {
    const shown = length === 'overflow' ? 'over 2^53' : String(length.value);
    return { kind: 'reject', problem: `Go build info ${what} length ${shown} exceeds the ${max}-byte limit` };
  }
  const start = at + length.size;
  const end = start + length.value;
  if (data.length < end) return { kind: 'need', bytes: end };
  return { kind: 'string', text: data.toString('utf8', start, end), end };
}

/** Pointers above 2^53 cannot be real addresses in a file we hold; they map to NaN and fail lookup. */
function readPointer(data: Buffer, at: number, size: 4 | 8, bigEndian: boolean): number {
  if (size === 4) return bigEndian ? data.readUInt32BE(at) : data.readUInt32LE(at);
  const big = bigEndian ? data.readBigUInt64BE(at) : data.readBigUInt64LE(at);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : Number.NaN;
}

/**
 * Finds the build info in a stream of chunks with bounded state: a 13-byte tail for
 * a magic split across chunks, and, once a header is found, just the bytes of the
 * blob (capped by the length limits above). Candidates at unaligned offsets, or ones
 * `accept` refuses (outside the ELF data segment), are skipped like Go skips them.
 */
export class GoBuildInfoScanner {
  /** Set once an inline (Go >= 1.18) blob was read whole. */
  found: GoBuildInfoStrings | undefined;
  /** Pre-1.18 headers seen, for the caller to resolve with random access. */
  readonly pointerHeaders: PointerHeader[] = [];
  readonly problems: string[] = [];

  private position = 0;
  private tail: Buffer = Buffer.alloc(0);
  private blob: { start: number; parts: Buffer[]; length: number; need: number } | undefined;

  constructor(private readonly accept: (offset: number) => boolean = () => true) {}

  write(chunk: Buffer): void {
    const base = this.position;
    this.position += chunk.length;
    if (this.found || chunk.length === 0) return;
    // A rejected candidate hands its bytes back for rescanning: a small work list, no recursion.
    const work: Array<{ bytes: Buffer; base: number }> = [{ bytes: chunk, base }];
    for (let item = work.pop(); item && !this.found; item = work.pop()) {
      const again = this.blob ? this.addToBlob(item.bytes) : this.scan(item.bytes, item.base);
      if (again) work.push(again);
    }
  }

  /** Looks for an acceptable magic; on a hit, starts collecting the blob from it. */
  private scan(bytes: Buffer, base: number): { bytes: Buffer; base: number } | undefined {
    const magicLength = GO_BUILDINFO_MAGIC.length;
    if (this.tail.length > 0) {
      // A magic that started in earlier chunks and ends in this one.
      const tailStart = base - this.tail.length;
      const window = Buffer.concat([this.tail, bytes.subarray(0, magicLength - 1)]);
      for (let i = window.indexOf(GO_BUILDINFO_MAGIC); i >= 0 && i < this.tail.length; i = window.indexOf(GO_BUILDINFO_MAGIC, i + 1)) {
        if (this.isCandidate(tailStart + i)) {
          const parts = [this.tail.subarray(i), bytes];
          this.tail = Buffer.alloc(0);
          return this.startBlob(tailStart + i, parts);
        }
      }
    }
    for (let i = bytes.indexOf(GO_BUILDINFO_MAGIC); i >= 0; i = bytes.indexOf(GO_BUILDINFO_MAGIC, i + 1)) {
      if (this.isCandidate(base + i)) {
        this.tail = Buffer.alloc(0);
        return this.startBlob(base + i, [bytes.subarray(i)]);
      }
    }
    this.keepTail(bytes);
    return undefined;
  }

  private isCandidate(offset: number): boolean {
    return offset % ALIGN === 0 && this.accept(offset);
  }

  /** Remembers the last magic-length-minus-one bytes (a copy: chunks are not ours to keep). */
  private keepTail(bytes: Buffer): void {
    const keep = GO_BUILDINFO_MAGIC.length - 1;
    if (bytes.length >= keep) this.tail = Buffer.from(bytes.subarray(bytes.length - keep));
    else {
      const joined = Buffer.concat([this.tail, bytes]);
      this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - keep)));
    }
  }

  private startBlob(start: number, parts: Buffer[]): { bytes: Buffer; base: number } | undefined {
    this.blob = { start, parts: [], length: 0, need: HEADER_SIZE };
    return this.addToBlob(...parts);
  }

  private addToBlob(...pieces: Buffer[]): { bytes: Buffer; base: number } | undefined {
    const blob = this.blob;
    if (!blob) return undefined;
    for (const piece of pieces) {
      blob.parts.push(piece);
      blob.length += piece.length;
    }
    while (blob.length >= blob.need) {
      const data = blob.parts.length === 1 ? (blob.parts[0] as Buffer) : Buffer.concat(blob.parts, blob.length);
      blob.parts = [data];
      const decoded = decodeBuildInfoHeader(data, blob.start);
      if (decoded.kind === 'need') {
        blob.need = decoded.bytes;
        continue;
      }
      this.blob = undefined;
      if (decoded.kind === 'inline') {
        this.found = { goVersion: decoded.goVersion, modinfo: decoded.modinfo, format: 'inline', offset: blob.start };
        return undefined;
      }
      if (decoded.kind === 'pointer' && this.pointerHeaders.length < MAX_POINTER_CANDIDATES) {
        this.pointerHeaders.push(decoded.header);
      }
      if (decoded.kind === 'reject' && decoded.problem && this.problems.length < MAX_PROBLEMS) this.problems.push(decoded.problem);
      // Not (or not only) this one: rescan what we collected past its first aligned slot.
      return { bytes: data.subarray(ALIGN), base: blob.start + ALIGN };
    }
    return undefined;
  }
}

/**
 * Follows a pre-1.18 header's two pointers through the ELF program headers, each to a
 * Go string header { data, length } and then to the string bytes.
 */
export function resolvePointerBuildInfo(
  src: ByteSource,
  segments: readonly ElfSegment[],
  header: PointerHeader,
): GoBuildInfoStrings | undefined {
  const goVersion = readGoString(src, segments, header, header.versionAddress, MAX_GO_VERSION_LENGTH);
  if (goVersion === undefined || !looksLikeGoVersion(goVersion)) return undefined;
  const rawModinfo = readGoString(src, segments, header, header.modinfoAddress, MAX_MODINFO_LENGTH) ?? '';
  return { goVersion, modinfo: stripModinfoSentinels(rawModinfo), format: 'pointer', offset: header.offset };
}

function readGoString(
  src: ByteSource,
  segments: readonly ElfSegment[],
  header: PointerHeader,
  address: number,
  max: number,
): string | undefined {
  const headerSize = 2 * header.ptrSize;
  const at = fileOffsetOfAddress(segments, address, headerSize);
  const stringHeader = at === undefined ? undefined : src.read(at, headerSize);
  if (!stringHeader) return undefined;
  const dataAddress = readPointer(stringHeader, 0, header.ptrSize, header.bigEndian);
  const length = readPointer(stringHeader, header.ptrSize, header.ptrSize, header.bigEndian);
  if (!Number.isSafeInteger(length) || length > max) return undefined;
  const dataAt = fileOffsetOfAddress(segments, dataAddress, length);
  const bytes = dataAt === undefined ? undefined : src.read(dataAt, length);
  return bytes?.toString('utf8');
}

/** One module line of the module info: `mod`, `dep` or a `=>` replacement. */
export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  replace?: GoModule;
}

export interface GoModInfo {
  /** The main package's import path (`path` line). */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  /** `build` lines in order, values unquoted. */
  settings: Array<{ key: string; value: string }>;
  /** Lines that did not parse; the rest is still used. */
  problems: string[];
}

/**
 * Parses the module info text (the format of Go's `debug.BuildInfo.String`): one
 * tab-separated record a line, `path`, `mod`, `dep`, `=>` (replaces the module on the
 * line before) and `build key=value`. Unknown record kinds are skipped so newer
 * toolchains do not break us.
 */
export function parseModInfo(text: string): GoModInfo {
  const info: GoModInfo = { deps: [], settings: [], problems: [] };
  let skipped = 0;
  const problem = (message: string) => {
    if (info.problems.length < MAX_PROBLEMS) info.problems.push(message);
    else skipped += 1;
  };
  let last: GoModule | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') continue;
    const tab = line.indexOf('\t');
    const kind = tab < 0 ? line : line.slice(0, tab);
    const rest = tab < 0 ? '' : line.slice(tab + 1);
    switch (kind) {
      case 'path':
        info.path = rest;
        last = undefined;
        break;
      case 'mod':
      case 'dep': {
        const mod = parseModuleFields(rest);
        if (!mod) {
          problem(`malformed ${kind} line in Go module info`);
          last = undefined;
          break;
        }
        if (kind === 'mod') info.main = mod;
        else info.deps.push(mod);
        last = mod;
        break;
      }
      case '=>': {
        const replacement = parseModuleFields(rest);
        if (!last || !replacement) problem('replacement without a module in Go module info');
        else last.replace = replacement;
        last = undefined;
        break;
      }
      case 'build': {
        const setting = parseBuildSetting(rest);
        if (setting) info.settings.push(setting);
        else problem('malformed build line in Go module info');
        break;
      }
      default:
        break;
    }
  }
  if (skipped > 0) info.problems.push(`${skipped} more malformed lines in Go module info`);
  return info;
}

function parseModuleFields(rest: string): GoModule | undefined {
  const fields = rest.split('\t');
  const path = fields[0] ?? '';
  if (path === '' || fields.length < 2 || fields.length > 3) return undefined;
  const mod: GoModule = { path, version: fields[1] ?? '' };
  if (fields[2]) mod.sum = fields[2];
  return mod;
}

/** `key=value`, where Go quotes a key or value holding spaces, quotes, tabs or `=`. */
function parseBuildSetting(rest: string): { key: string; value: string } | undefined {
  let key: string;
  let valueText: string;
  if (rest.startsWith('"')) {
    const close = closingQuote(rest);
    if (close < 0 || rest[close + 1] !== '=') return undefined;
    key = unquoteGo(rest.slice(0, close + 1));
    valueText = rest.slice(close + 2);
  } else {
    const eq = rest.indexOf('=');
    if (eq <= 0) return undefined;
    key = rest.slice(0, eq);
    valueText = rest.slice(eq + 1);
  }
  return { key, value: unquoteGo(valueText) };
}

/** Index of the quote that closes a Go quoted string starting at 0, or -1. */
function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i += 1) {
    const c = text[i];
    if (c === '\\') i += 1;
    else if (c === '"') return i;
  }
  return -1;
}

/** Go `strconv.Quote` output back to text; JSON string escapes cover what Go writes for build settings. */
function unquoteGo(text: string): string {
  if (text.length >= 2 && text.startsWith('`') && text.endsWith('`')) return text.slice(1, -1);
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return text;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'string' ? parsed : text.slice(1, -1);
  } catch {
    return text.slice(1, -1);
  }
}
