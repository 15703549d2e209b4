/**
 * rpm's "ndb" package database (rpm >= 4.15; SUSE SLE 15 / openSUSE default):
 * `Packages.db`. Layout, as rpm's lib/backend/ndb/rpmpkg.c writes it, all integers
 * little-endian:
 *
 *   0   header: magic "RpmP", version 0, generation, slot page count, next package index
 *   32  slots, 16 bytes each, filling `slot page count` pages of 4096 bytes:
 *       magic "Slot", package index, block offset, block count (a block is 16 bytes;
 *       block offset 0 marks a free slot)
 *   blobs at block offset * 16, spanning block count blocks:
 *       head: magic "BlbS", package index, generation, blob length
 *       the rpm header blob, zero padding,
 *       tail: adler32 of head + blob + padding, blob length, magic "BlbE"
 *
 * Every slot is checked against the file and its blob's head and tail before the
 * blob is parsed; a bad slot costs that package only.
 */
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { capWarnings, rpmPackagesFromBlobs } from '../rpm/header.js';

const PATHS = new Set(['var/lib/rpm/Packages.db', 'usr/lib/sysimage/rpm/Packages.db']);
const MAX_BYTES = 1024 * 1024 * 1024;

const magic = (s: string): number => Buffer.from(s, 'latin1').readUInt32LE(0);
const PKGDB_MAGIC = magic('RpmP');
const SLOT_MAGIC = magic('Slot');
const BLOB_HEAD_MAGIC = magic('BlbS');
const BLOB_TAIL_MAGIC = magic('BlbE');

const PAGE_SIZE = 4096;
const HEADER_SIZE = 32;
const SLOT_SIZE = 16;
const BLOCK_SIZE = 16;
const BLOB_HEAD_SIZE = 16;
const BLOB_TAIL_SIZE = 12;

/** Adler-32 (RFC 1950), which ndb keeps in every blob's tail. */
export function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  const NMAX = 5552; // largest run before the sums can overflow 2^32
  for (let i = 0; i < data.length; ) {
    const end = Math.min(i + NMAX, data.length);
    for (; i < end; i++) {
      a += data[i] ?? 0;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

interface Slot {
  pkgIndex: number;
  blockOffset: number;
  blockCount: number;
}

/** The blob a slot points at, or a problem description. */
function readBlob(bytes: Buffer, slot: Slot): Buffer | string {
  const start = slot.blockOffset * BLOCK_SIZE;
  const end = start + slot.blockCount * BLOCK_SIZE;
  if (end > bytes.length) return `blob of package ${slot.pkgIndex} runs past the end of the file`;
  if (slot.blockCount * BLOCK_SIZE < BLOB_HEAD_SIZE + BLOB_TAIL_SIZE) return `package ${slot.pkgIndex}: blob too small`;
  if (bytes.readUInt32LE(start) !== BLOB_HEAD_MAGIC) return `package ${slot.pkgIndex}: bad blob head magic`;
  if (bytes.readUInt32LE(start + 4) !== slot.pkgIndex) return `package ${slot.pkgIndex}: blob belongs to package ${bytes.readUInt32LE(start + 4)}`;
  const length = bytes.readUInt32LE(start + 12);
  const expectedBlocks = Math.ceil((BLOB_HEAD_SIZE + length + BLOB_TAIL_SIZE) / BLOCK_SIZE);
  if (expectedBlocks !== slot.blockCount) return `package ${slot.pkgIndex}: blob length ${length} does not fit its ${slot.blockCount} blocks`;
  const tail = end - BLOB_TAIL_SIZE;
  if (bytes.readUInt32LE(tail + 8) !== BLOB_TAIL_MAGIC) return `package ${slot.pkgIndex}: bad blob tail magic`;
  if (bytes.readUInt32LE(tail + 4) !== length) return `package ${slot.pkgIndex}: head and tail disagree on the blob length`;
  if (adler32(bytes.subarray(start, tail)) !== bytes.readUInt32LE(tail)) return `package ${slot.pkgIndex}: blob checksum mismatch`;
  return bytes.subarray(start + BLOB_HEAD_SIZE, start + BLOB_HEAD_SIZE + length);
}

export function readNdbBlobs(bytes: Buffer, path: string): { blobs: Array<{ id: string; blob: Buffer }>; warnings: string[] } {
  if (bytes.length < HEADER_SIZE || bytes.readUInt32LE(0) !== PKGDB_MAGIC) {
    throw new StockadeError('malformed_input', path, 'not an rpm ndb package database (bad magic)');
  }
  const version = bytes.readUInt32LE(4);
  if (version !== 0) throw new StockadeError('unsupported_format', path, `ndb version ${version} is not supported`);
  const slotPages = bytes.readUInt32LE(12);
  if (slotPages === 0 || slotPages * PAGE_SIZE > bytes.length) {
    throw new StockadeError('malformed_input', path, `slot area of ${slotPages} pages does not fit the ${bytes.length}-byte file`);
  }
  const warnings: string[] = [];
  const blobs: Array<{ id: string; blob: Buffer }> = [];
  // Blobs live after the slot area; a slot pointing into it is damaged.
  const minBlockOffset = (slotPages * PAGE_SIZE) / BLOCK_SIZE;
  const slotAreaEnd = slotPages * PAGE_SIZE;
  for (let at = HEADER_SIZE; at + SLOT_SIZE <= slotAreaEnd; at += SLOT_SIZE) {
    if (bytes.readUInt32LE(at) !== SLOT_MAGIC) {
      warnings.push(`slot at byte ${at}: bad magic; the remaining slots are not read`);
      break;
    }
    const slot: Slot = {
      pkgIndex: bytes.readUInt32LE(at + 4),
      blockOffset: bytes.readUInt32LE(at + 8),
      blockCount: bytes.readUInt32LE(at + 12),
    };
    if (slot.blockOffset === 0) continue; // free slot
    if (slot.pkgIndex === 0 || slot.blockCount === 0 || slot.blockOffset < minBlockOffset) {
      warnings.push(`slot at byte ${at}: invalid entry (package ${slot.pkgIndex}, offset ${slot.blockOffset}, count ${slot.blockCount})`);
      continue;
    }
    const blob = readBlob(bytes, slot);
    if (typeof blob === 'string') warnings.push(blob);
    else blobs.push({ id: String(slot.pkgIndex), blob });
  }
  return { blobs, warnings };
}

export const rpmdbNdbExtractor: BufferExtractor = {
  id: 'rpmdb-ndb',
  version: 1,
  kind: 'buffer',
  maxBytes: MAX_BYTES,
  wants(path) {
    return PATHS.has(path);
  },
  extract({ path, bytes }): Extraction {
    const { blobs, warnings } = readNdbBlobs(bytes, path);
    const packages = rpmPackagesFromBlobs(blobs, path, warnings);
    return warnings.length > 0 ? { packages, warnings: capWarnings(warnings) } : { packages };
  },
};
