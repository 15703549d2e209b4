/**
 * ASCII-armored blocks (PEM, OpenSSH, OpenPGP): `-----BEGIN <label>-----`, optional
 * `Key: value` headers, base64 lines, an optional OpenPGP `=XXXX` checksum, and the
 * matching `-----END <label>-----`. Keys are often pasted into JSON or YAML strings, so
 * a line break may also be written as the two characters `\n` (or `\r`), and keys passed
 * through environment variables sometimes have their breaks replaced by spaces: all
 * three are read. Work per block is bounded by the distance to the next `-----`, so
 * a text of many BEGIN lines with no END is still read in linear time.
 */
import { isBase64 } from './text-search.js';

/** A 16384-bit RSA key in PEM is about 12 KiB; nothing legitimate is larger than this. */
export const MAX_ARMOR_BODY = 64 * 1024;

export interface ArmorBlock {
  /** Offset of the first `-` of the BEGIN line. */
  start: number;
  /** Offset just past the last `-` of the END line. */
  end: number;
  /** `Key: value` header lines, as written. */
  headers: string[];
  /** The base64 body with every separator removed. */
  base64: string;
  /** OpenPGP armor checksum (the four base64 characters after `=`), when present. */
  checksum?: string;
}

/**
 * Reads the block whose BEGIN line (`-----BEGIN <label>-----`) starts at `start`.
 * Undefined when the END line does not follow within MAX_ARMOR_BODY or the body holds
 * anything but headers and base64 (a placeholder such as `...` or `<your key>`).
 */
export function readArmorBlock(text: string, start: number, label: string): ArmorBlock | undefined {
  const begin = `-----BEGIN ${label}-----`;
  if (!text.startsWith(begin, start)) return undefined;
  const bodyStart = start + begin.length;
  const next = text.indexOf('-----', bodyStart);
  if (next === -1 || next - bodyStart > MAX_ARMOR_BODY) return undefined;
  const endLine = `-----END ${label}-----`;
  if (!text.startsWith(endLine, next)) return undefined;
  const body = parseBody(text, bodyStart, next);
  if (body === undefined) return undefined;
  return { start, end: next + endLine.length, ...body };
}

/** One line of the body: the characters between two separators, trimmed of blanks. */
function bodyLines(text: string, from: number, to: number): string[] {
  const lines: string[] = [];
  let lineStart = from;
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      lines.push(text.slice(lineStart, i));
      i++;
      lineStart = i;
    } else if (c === 92 /* \ */) {
      // `\n`, `\r` or `\\n` as written inside a quoted string.
      let j = i + 1;
      if (j < to && text.charCodeAt(j) === 92) j++;
      const e = j < to ? text.charCodeAt(j) : 0;
      if (e === 110 /* n */ || e === 114 /* r */) {
        lines.push(text.slice(lineStart, i));
        i = j + 1;
        lineStart = i;
      } else {
        i++;
      }
    } else {
      i++;
    }
  }
  lines.push(text.slice(lineStart, to));
  return lines.map((l) => l.trim());
}

function isBase64Line(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (!isBase64(c) && c !== 61 /* = */ && c !== 32 && c !== 9) return false;
  }
  return true;
}

function parseBody(text: string, from: number, to: number): Omit<ArmorBlock, 'start' | 'end'> | undefined {
  const headers: string[] = [];
  const parts: string[] = [];
  let checksum: string | undefined;
  for (const line of bodyLines(text, from, to)) {
    if (line === '') continue;
    if (parts.length === 0 && line.includes(':')) {
      headers.push(line);
      continue;
    }
    if (parts.length > 0 && line.length === 5 && line.charCodeAt(0) === 61 && isBase64Line(line.slice(1))) {
      checksum = line.slice(1);
      continue;
    }
    // Some tools wrap the key in quotes line by line ("MIIE...\n" "abcd..."); none do in armor itself.
    if (!isBase64Line(line)) return undefined;
    parts.push(line.replace(/[ \t]/g, ''));
  }
  const base64 = parts.join('');
  if (base64.length === 0) return undefined;
  return checksum === undefined ? { headers, base64 } : { headers, base64, checksum };
}

/** Decoded bytes of a base64 body (standard alphabet; padding optional). */
export function decodeBase64(base64: string): Buffer {
  return Buffer.from(base64, 'base64');
}

/**
 * Total length of the DER element at the start of `der` (tag, length octets and
 * contents), or undefined when the length octets are malformed or indefinite.
 */
export function derElementLength(der: Uint8Array, offset = 0): { tag: number; headerLength: number; contentLength: number } | undefined {
  if (der.length < offset + 2) return undefined;
  const tag = der[offset] as number;
  const first = der[offset + 1] as number;
  if (first < 0x80) return { tag, headerLength: 2, contentLength: first };
  const count = first & 0x7f;
  if (count === 0 || count > 4 || der.length < offset + 2 + count) return undefined;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (der[offset + 2 + i] as number);
  return { tag, headerLength: 2 + count, contentLength: length };
}
