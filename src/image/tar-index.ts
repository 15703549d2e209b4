/**
 * Indexes an uncompressed tar file by reading only its headers, so that an image
 * archive (docker save, OCI archive) can be read entry by entry with random access
 * and without unpacking it. Handles ustar prefixes, pax `path`/`size` records and
 * GNU long names. tar-stream is used for layer contents; this reader exists because
 * tar-stream cannot tell us byte offsets, which random access needs.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { StockadeError } from '../core/errors.js';

export interface TarIndexEntry {
  name: string;
  /** Byte offset of the entry's data in the tar file. */
  offset: number;
  size: number;
  type: 'file' | 'dir' | 'symlink' | 'link' | 'other';
  linkname: string;
}

const BLOCK = 512;
/** A pax or GNU long-name record larger than this is not a real header. */
const MAX_META_RECORD = 1024 * 1024;
const MAX_ENTRIES = 1_000_000;

function cString(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  const stop = end === -1 || end > start + len ? start + len : end;
  return buf.toString('utf8', start, stop);
}

/** Parses a numeric header field: octal text, or GNU base-256 when the high bit is set. */
function parseNumber(buf: Buffer, start: number, len: number): number {
  const first = buf[start] ?? 0;
  if (first & 0x80) {
    let value = 0;
    for (let i = start + 1; i < start + len; i++) value = value * 256 + (buf[i] ?? 0);
    if (!Number.isSafeInteger(value)) return -1;
    return value;
  }
  const text = cString(buf, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return -1;
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  const stored = parseNumber(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
  return stored === sum;
}

function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(data.toString('utf8', pos, space), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > data.length) break;
    const record = data.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

async function readExactly(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Normalises an archive member name for lookup: no leading `./` or `/`. */
export function normalizeMemberName(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  while (n.startsWith('/')) n = n.slice(1);
  if (n.endsWith('/')) n = n.slice(0, -1);
  return n;
}

export async function indexTar(file: string): Promise<Map<string, TarIndexEntry>> {
  const fh = await open(file, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const entries = new Map<string, TarIndexEntry>();
    if (fileSize > 0 && fileSize < BLOCK) throw new StockadeError('malformed_input', file, `not a tar archive (${fileSize} bytes is shorter than one tar header)`);
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax = new Map<string, string>();
    let zeroBlocks = 0;
    while (pos + BLOCK <= fileSize) {
      const header = await readExactly(fh, BLOCK, pos);
      if (header.length < BLOCK) break;
      if (header.every((b) => b === 0)) {
        zeroBlocks++;
        pos += BLOCK;
        if (zeroBlocks >= 2) break;
        continue;
      }
      zeroBlocks = 0;
      if (!checksumOk(header)) {
        throw new StockadeError('malformed_input', file, `not a tar archive or corrupt tar header at byte ${pos}`);
      }
      const size = parseNumber(header, 124, 12);
      if (size < 0) throw new StockadeError('malformed_input', file, `bad size field in tar header at byte ${pos}`);
      const typeflag = String.fromCharCode(header[156] ?? 0x30);
      const dataOffset = pos + BLOCK;
      if (dataOffset + size > fileSize) {
        throw new StockadeError('malformed_input', file, `truncated tar archive: entry at byte ${pos} needs ${size} bytes, file ends at ${fileSize}`);
      }
      pos = dataOffset + Math.ceil(size / BLOCK) * BLOCK;

      if (typeflag === 'x' || typeflag === 'L' || typeflag === 'K') {
        if (size > MAX_META_RECORD) throw new StockadeError('hostile_input', file, `tar metadata record of ${size} bytes at byte ${dataOffset}`);
        const data = await readExactly(fh, size, dataOffset);
        if (typeflag === 'x') pax = parsePax(data);
        else if (typeflag === 'L') longName = cString(data, 0, data.length);
        else longLink = cString(data, 0, data.length);
        continue;
      }
      if (typeflag === 'g') continue;

      const ustar = header.toString('latin1', 257, 262) === 'ustar';
      const prefix = ustar ? cString(header, 345, 155) : '';
      let name = longName ?? pax.get('path') ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
      const linkname = longLink ?? pax.get('linkpath') ?? cString(header, 157, 100);
      const paxSize = pax.get('size');
      const realSize = paxSize !== undefined && /^\d+$/.test(paxSize) ? Number(paxSize) : size;
      longName = undefined;
      longLink = undefined;
      pax = new Map();
      name = normalizeMemberName(name);
      if (name === '' || name === '.') continue;
      const type: TarIndexEntry['type'] =
        typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file'
          : typeflag === '5' ? 'dir'
            : typeflag === '2' ? 'symlink'
              : typeflag === '1' ? 'link'
                : 'other';
      entries.set(name, { name, offset: dataOffset, size: realSize, type, linkname });
      if (entries.size > MAX_ENTRIES) throw new StockadeError('hostile_input', file, `more than ${MAX_ENTRIES} entries in archive`);
    }
    return entries;
  } finally {
    await fh.close();
  }
}
