/**
 * rpm's Berkeley DB database (rpm < 4.16: CentOS/RHEL 7-8, SLES 12-15, Amazon Linux
 * 2): `Packages` is a Berkeley DB *hash* file whose values are rpm header blobs,
 * keyed by a 4-byte header number (key 0 holds rpm's next-number counter).
 *
 * There is no JavaScript Berkeley DB library, so the pages are read here. Layout, as
 * db_page.h describes it and rpm's read-only backend (lib/backend/bdb_ro) reads it:
 *
 * Page 0, hash metadata (integers in the file's byte order, told by the magic):
 *   12 magic 0x061561   16 version (8..10)   20 page size   32 last page number
 *   72 max bucket   76 high mask   80 low mask   96 spares[32]
 * Every page:
 *   8 page number   16 next page   20 entry count (u16)   22 high-free / overflow length (u16)
 *   25 page type: 2/13 hash, 7 overflow;   26.. entry offsets (u16 each)
 * Hash page entries come in key/value pairs; an entry's bytes run from its offset to
 * the previous entry's offset (the first one to the page end). Its first byte is the
 * kind: 1 inline data, 3 off-page (u32 first overflow page at +4, u32 total length at +8).
 * Bucket b starts at page b + spares[bit length of b] and continues through `next`.
 * Overflow pages hold `len` bytes at 26 and chain through `next`.
 *
 * Every page number, offset and length is checked against the file; every chain is
 * walked with a visited set, so loops end.
 */
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { capWarnings, rpmPackagesFromBlobs } from '../rpm/header.js';

const PATHS = new Set(['var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages']);
const MAX_BYTES = 1024 * 1024 * 1024;

const HASH_MAGIC = 0x061561;
const BTREE_MAGIC = 0x053162;
const PAGE_HEADER = 26;
const PAGE_TYPE = { HASH_UNSORTED: 2, OVERFLOW: 7, HASHMETA: 8, HASH: 13 } as const;
const ITEM = { KEYDATA: 1, DUPLICATE: 2, OFFPAGE: 3, OFFDUP: 4 } as const;

export interface BdbEntry {
  key: Buffer;
  value: Buffer;
}

class BdbHashFile {
  readonly pageSize: number;
  readonly pageCount: number;
  private readonly le: boolean;
  private readonly maxBucket: number;
  private readonly spares: number[] = [];
  /** Overflow pages already read: each belongs to one item, so a second visit is a loop. */
  private readonly claimedOverflow = new Set<number>();

  constructor(
    private readonly bytes: Buffer,
    private readonly path: string,
  ) {
    if (bytes.length < 512) this.fail('too short for a Berkeley DB metadata page');
    const magicLE = bytes.readUInt32LE(12);
    const magicBE = bytes.readUInt32BE(12);
    if (magicLE === BTREE_MAGIC || magicBE === BTREE_MAGIC) {
      throw new StockadeError('unsupported_format', path, 'Berkeley DB btree file: rpm Packages databases are hash files');
    }
    if (magicLE !== HASH_MAGIC && magicBE !== HASH_MAGIC) this.fail('not a Berkeley DB hash database (bad magic)');
    this.le = magicLE === HASH_MAGIC;
    const version = this.u32(bytes, 16);
    if (version < 8 || version > 10) this.fail(`unsupported Berkeley DB hash version ${version}`);
    if (bytes[24] !== 0) this.fail('encrypted Berkeley DB databases are not supported');
    this.pageSize = this.u32(bytes, 20);
    if (this.pageSize < 512 || this.pageSize > 65536 || (this.pageSize & (this.pageSize - 1)) !== 0) {
      this.fail(`page size ${this.pageSize} is not a power of two between 512 and 65536`);
    }
    // Trust the file's length over its claim: a truncated copy still yields what it holds.
    const lastPage = this.u32(bytes, 32);
    this.pageCount = Math.min(lastPage + 1, Math.floor(bytes.length / this.pageSize));
    this.maxBucket = this.u32(bytes, 72);
    for (let i = 0; i < 32; i++) this.spares.push(this.u32(bytes, 96 + 4 * i));
  }

  private fail(problem: string): never {
    throw new StockadeError('malformed_input', this.path, problem);
  }

  private u32(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  private u16(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
  }

  /** Page `n`, or an error message when it is outside the file or names another page. */
  private page(n: number): Buffer | string {
    if (n === 0 || n >= this.pageCount) return `page ${n} is outside the file (${this.pageCount} pages)`;
    const page = this.bytes.subarray(n * this.pageSize, (n + 1) * this.pageSize);
    if (this.u32(page, 8) !== n) return `page ${n} carries page number ${this.u32(page, 8)}`;
    return page;
  }

  /** First page of a bucket: bucket + spares[number of bits in bucket]. */
  private bucketPage(bucket: number): number {
    let bits = 0;
    for (let b = bucket; b !== 0; b >>>= 1) bits++;
    return bucket + (this.spares[bits] ?? 0);
  }

  /**
   * Reads an off-page item's chain of overflow pages. Pages are only referenced
   * while the chain is checked and copied once it is whole, and no overflow page may
   * serve two items, so the bytes returned over a whole file never exceed its size.
   */
  private overflow(first: number, length: number): Buffer | string {
    if (length === 0) return 'off-page item of length 0';
    const chunks: Buffer[] = [];
    let filled = 0;
    let n = first;
    while (filled < length) {
      if (this.claimedOverflow.has(n)) return `overflow page ${n} is used twice (a loop or a shared chain)`;
      this.claimedOverflow.add(n);
      const page = this.page(n);
      if (typeof page === 'string') return page;
      if (page[25] !== PAGE_TYPE.OVERFLOW) return `page ${n} in an overflow chain has type ${page[25]}`;
      const len = this.u16(page, 22);
      if (PAGE_HEADER + len > this.pageSize || len > length - filled) return `overflow page ${n} holds an impossible ${len} bytes`;
      if (len === 0) return `overflow page ${n} is empty`;
      chunks.push(page.subarray(PAGE_HEADER, PAGE_HEADER + len));
      filled += len;
      n = this.u32(page, 16);
      if (filled < length && n === 0) return `overflow chain ends after ${filled} of ${length} bytes`;
    }
    return Buffer.concat(chunks, length);
  }

  /** The item at entry index `i` of a hash page: its bytes, or an error message. */
  private item(page: Buffer, pageNo: number, i: number): Buffer | string {
    const off = this.u16(page, PAGE_HEADER + 2 * i);
    const end = i === 0 ? this.pageSize : this.u16(page, PAGE_HEADER + 2 * (i - 1));
    const entries = this.u16(page, 20);
    if (off < PAGE_HEADER + 2 * entries || off >= end || end > this.pageSize) {
      return `page ${pageNo} entry ${i} has offset ${off} outside its page`;
    }
    const kind = page[off];
    if (kind === ITEM.KEYDATA) return Buffer.from(page.subarray(off + 1, end));
    if (kind === ITEM.OFFPAGE) {
      if (end - off !== 12) return `page ${pageNo} entry ${i}: off-page item of ${end - off} bytes`;
      return this.overflow(this.u32(page, off + 4), this.u32(page, off + 8));
    }
    if (kind === ITEM.DUPLICATE || kind === ITEM.OFFDUP) return `page ${pageNo} entry ${i}: duplicate items are not used by rpm`;
    return `page ${pageNo} entry ${i}: unknown item kind ${kind}`;
  }

  /** Every key/value pair, bucket by bucket; damaged items and chains become warnings. */
  entries(warnings: string[]): BdbEntry[] {
    const out: BdbEntry[] = [];
    const visited = new Set<number>();
    // A bucket owns at least one page, so there cannot be more buckets than pages.
    if (this.maxBucket >= this.pageCount) {
      warnings.push(`max bucket ${this.maxBucket} exceeds the ${this.pageCount} pages in the file; reading what exists`);
    }
    const lastBucket = Math.min(this.maxBucket, this.pageCount - 1);
    for (let bucket = 0; bucket <= lastBucket; bucket++) {
      let n = this.bucketPage(bucket);
      while (n !== 0) {
        if (visited.has(n)) {
          warnings.push(`bucket ${bucket}: page chain revisits page ${n}; chain cut`);
          break;
        }
        visited.add(n);
        const page = this.page(n);
        if (typeof page === 'string') {
          warnings.push(`bucket ${bucket}: ${page}`);
          break;
        }
        const type = page[25];
        if (type !== PAGE_TYPE.HASH && type !== PAGE_TYPE.HASH_UNSORTED) {
          warnings.push(`bucket ${bucket}: page ${n} has type ${type}, not a hash page`);
          break;
        }
        const count = Math.min(this.u16(page, 20), Math.floor((this.pageSize - PAGE_HEADER) / 2));
        if (count % 2 !== 0) warnings.push(`page ${n}: odd entry count ${count}; the last key has no value`);
        for (let i = 0; i + 1 < count; i += 2) {
          const key = this.item(page, n, i);
          const value = this.item(page, n, i + 1);
          if (typeof key === 'string') warnings.push(key);
          else if (typeof value === 'string') warnings.push(value);
          else out.push({ key, value });
        }
        n = this.u32(page, 16);
      }
    }
    return out;
  }
}

/** All key/value pairs of a Berkeley DB hash file. Throws when the metadata page is unusable. */
export function readBdbHash(bytes: Buffer, path: string): { entries: BdbEntry[]; warnings: string[] } {
  const file = new BdbHashFile(bytes, path);
  const warnings: string[] = [];
  const entries = file.entries(warnings);
  return { entries, warnings };
}

/** rpm's record 0 holds its next header number, not a header. */
function isHeaderNumberCounter(key: Buffer): boolean {
  return key.length === 4 && key.readUInt32LE(0) === 0;
}

function headerId(key: Buffer): string {
  return key.length === 4 ? String(key.readUInt32LE(0)) : key.toString('hex');
}

export const rpmdbBdbExtractor: BufferExtractor = {
  id: 'rpmdb-bdb',
  version: 1,
  kind: 'buffer',
  maxBytes: MAX_BYTES,
  wants(path) {
    return PATHS.has(path);
  },
  extract({ path, bytes }): Extraction {
    const { entries, warnings } = readBdbHash(bytes, path);
    const blobs = entries.filter((e) => !isHeaderNumberCounter(e.key)).map((e) => ({ id: headerId(e.key), blob: e.value }));
    const packages = rpmPackagesFromBlobs(blobs, path, warnings);
    return warnings.length > 0 ? { packages, warnings: capWarnings(warnings) } : { packages };
  },
};
