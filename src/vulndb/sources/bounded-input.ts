/**
 * Bounded reading and parsing shared by the advisory sources (a helper, not a
 * source: index.test.ts lists it as such). Feeds are hostile input like any other:
 * every file is size-checked before it is read, JSON nesting is measured before it
 * is parsed, YAML aliases are capped, a feed too large to parse whole is read one
 * top-level member at a time, and directory walks neither leave their root nor
 * recurse without a limit.
 */
import { closeSync, constants, fstatSync, openSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { parse as parseYaml, type Tags } from 'yaml';
import type { SourceItem } from '../source.js';

/** OSV records nest about eight levels deep; 64 leaves room for free-form database_specific. */
export const MAX_JSON_DEPTH = 64;
/** OSV YAML never needs aliases; PyYAML emits a few for shared objects. */
export const MAX_YAML_ALIASES = 100;
/** Directory levels below the root a walk descends (advisory repositories use two or three). */
export const MAX_WALK_DEPTH = 32;

export type Parsed = { ok: true; value: unknown } | { ok: false; reason: string };
export type ReadBytes = { ok: true; bytes: Buffer } | { ok: false; reason: string };

export function skip(origin: string, reason: string): SourceItem {
  return { kind: 'skip', origin, reason };
}

function messageOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/**
 * The whole of a regular file, or why not. The size is checked against the open
 * descriptor before a byte is read, so a 100 MB file costs one fstat. O_NONBLOCK
 * keeps a FIFO planted in a feed directory from blocking the open.
 */
export function readBoundedFile(path: string, maxBytes: number): ReadBytes {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { ok: false, reason: `cannot open: ${messageOf(e)}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, reason: 'not a regular file' };
    if (st.size > maxBytes) return { ok: false, reason: `larger than ${maxBytes} bytes (${st.size} bytes)` };
    const bytes = Buffer.allocUnsafe(st.size);
    let filled = 0;
    while (filled < bytes.length) {
      const n = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (n === 0) break; // shrank while we read: parse what is there
      filled += n;
    }
    return { ok: true, bytes: filled === bytes.length ? bytes : bytes.subarray(0, filled) };
  } catch (e) {
    return { ok: false, reason: `cannot read: ${messageOf(e)}` };
  } finally {
    closeSync(fd);
  }
}

/** The first `n` bytes of a file (for detection); empty when it cannot be read. */
export function readHead(path: string, n: number): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return Buffer.alloc(0);
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Whether JSON text nests deeper than `limit`, measured without parsing. Strings are
 * skipped with Buffer.indexOf (native), so the JS loop only visits structural bytes;
 * brackets inside strings do not count. Linear in the input: every backslash run is
 * scanned once, by the quote that follows it.
 */
export function jsonNestingExceeds(bytes: Buffer, limit: number): boolean {
  let depth = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const c = bytes[i];
    if (c === 0x22) {
      let j = i + 1;
      for (;;) {
        j = bytes.indexOf(0x22, j);
        if (j < 0) return false; // unterminated string: JSON.parse will say so
        let backslashes = 0;
        for (let k = j - 1; k > i && bytes[k] === 0x5c; k--) backslashes++;
        if ((backslashes & 1) === 0) break;
        j++;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
    i++;
  }
  return false;
}

/** JSON from bytes: BOM tolerated, nesting checked first, reasons a user can act on. */
export function parseJsonBounded(bytes: Buffer, maxDepth = MAX_JSON_DEPTH): Parsed {
  let body = bytes;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  if (jsonNestingExceeds(body, maxDepth)) return { ok: false, reason: `nested too deeply (more than ${maxDepth} levels)` };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch (e) {
    return { ok: false, reason: `not valid JSON: ${messageOf(e)}` };
  }
}

export type Member = { kind: 'member'; key: string; value: Parsed } | { kind: 'skip'; key: string | undefined; reason: string };

const MAX_KEY_BYTES = 4096;
const CHUNK_BYTES = 1 << 20;
const WS = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The members of a JSON file whose top level is one large object (the Debian tracker's
 * `{ "<package>": {...}, ... }`), one at a time, without holding the file in memory:
 * the file is scanned in 1 MiB chunks by a small state machine that tracks strings,
 * escapes and nesting, and each member's value is parsed on its own. A member larger
 * than `maxMemberBytes` is skipped (its bytes are counted, not kept); the file as a
 * whole may be up to `maxFileBytes`. A structural error ends the scan with one skip.
 */
export function* topLevelMembers(path: string, maxMemberBytes: number, maxFileBytes: number): Generator<Member> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    yield { kind: 'skip', key: undefined, reason: `cannot open: ${messageOf(e)}` };
    return;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      yield { kind: 'skip', key: undefined, reason: 'not a regular file' };
      return;
    }
    if (st.size > maxFileBytes) {
      yield { kind: 'skip', key: undefined, reason: `larger than ${maxFileBytes} bytes (${st.size} bytes)` };
      return;
    }
    yield* scanMembers(fd, maxMemberBytes);
  } finally {
    closeSync(fd);
  }
}

const enum Scan {
  BeforeOpen,
  BeforeKey,
  InKey,
  AfterKey,
  InValue,
  Done,
}

function* scanMembers(fd: number, maxMemberBytes: number): Generator<Member> {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let state = Scan.BeforeOpen as Scan;
  let position = 0;
  let first = true;
  // Key being read, and the raw bytes of the current value (copied out of the reused chunk).
  let keyBytes: number[] = [];
  let key = '';
  let pieces: Buffer[] = [];
  let valueBytes = 0;
  let oversize = false;
  let depth = 0;
  let inString = false;
  let escaped = false;

  const fail = (reason: string, at: number): Member => ({ kind: 'skip', key: undefined, reason: `not a JSON object of members: ${reason} at byte ${at}` });
  const finishValue = (): Member => {
    const member: Member = oversize
      ? { kind: 'skip', key, reason: `larger than ${maxMemberBytes} bytes` }
      : { kind: 'member', key, value: parseJsonBounded(Buffer.concat(pieces, valueBytes)) };
    pieces = [];
    valueBytes = 0;
    oversize = false;
    return member;
  };

  for (;;) {
    const n = readSync(fd, chunk, 0, CHUNK_BYTES, position);
    if (n === 0) break;
    let i = 0;
    if (first && n >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    first = false;
    let valueStart = state === Scan.InValue ? 0 : -1;
    for (; i < n; i++) {
      const c = chunk[i]!;
      switch (state) {
        case Scan.BeforeOpen:
          if (WS(c)) continue;
          if (c !== 0x7b) {
            yield fail('expected {', position + i);
            return;
          }
          state = Scan.BeforeKey;
          continue;
        case Scan.BeforeKey:
          if (WS(c)) continue;
          if (c === 0x7d) {
            state = Scan.Done;
            continue;
          }
          if (c !== 0x22) {
            yield fail('expected a key', position + i);
            return;
          }
          keyBytes = [c];
          state = Scan.InKey;
          continue;
        case Scan.InKey:
          keyBytes.push(c);
          if (keyBytes.length > MAX_KEY_BYTES) {
            yield fail('key too long', position + i);
            return;
          }
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) {
            try {
              key = JSON.parse(Buffer.from(keyBytes).toString('utf8')) as string;
            } catch {
              yield fail('bad key', position + i);
              return;
            }
            state = Scan.AfterKey;
          }
          continue;
        case Scan.AfterKey:
          if (WS(c)) continue;
          if (c !== 0x3a) {
            yield fail('expected :', position + i);
            return;
          }
          state = Scan.InValue;
          valueStart = i + 1;
          depth = 0;
          inString = false;
          escaped = false;
          continue;
        case Scan.InValue:
          if (inString) {
            if (escaped) escaped = false;
            else if (c === 0x5c) escaped = true;
            else if (c === 0x22) inString = false;
            continue;
          }
          if (c === 0x22) inString = true;
          else if (c === 0x7b || c === 0x5b) depth++;
          else if ((c === 0x7d || c === 0x5d) && depth > 0) depth--;
          else if (depth === 0 && (c === 0x2c || c === 0x7d)) {
            addPiece(chunk.subarray(valueStart, i));
            yield finishValue();
            state = c === 0x7d ? Scan.Done : Scan.BeforeKey;
          }
          continue;
        case Scan.Done:
          if (!WS(c)) {
            yield fail('data after the closing }', position + i);
            return;
          }
          continue;
      }
    }
    if (state === Scan.InValue && valueStart >= 0) addPiece(chunk.subarray(valueStart, n));
    position += n;
  }
  if (state !== Scan.Done) yield fail('truncated', position);

  function addPiece(piece: Buffer): void {
    if (oversize || piece.length === 0) return;
    if (valueBytes + piece.length > maxMemberBytes) {
      oversize = true;
      pieces = [];
      return;
    }
    pieces.push(Buffer.from(piece));
    valueBytes += piece.length;
  }
}

/** Whether a parsed value nests deeper than `limit` (iterative: no recursion on hostile depth). */
export function valueNestingExceeds(value: unknown, limit: number): boolean {
  const stack: Array<{ v: unknown; d: number }> = [{ v: value, d: 0 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push({ v: child, d: d + 1 });
    }
  }
  return false;
}

const YAML_NUMBER_TAGS = new Set(['tag:yaml.org,2002:int', 'tag:yaml.org,2002:float']);

/**
 * Core-schema tags minus int and float: a plain `1.10` stays the string "1.10". Every
 * versioned OSV and secdb field is a string, and the core schema would turn an
 * unquoted `1.10` into the number 1.1 (and `0o12` into 10) without a trace.
 */
function withoutNumberTags(tags: Tags): Tags {
  return tags.filter((t) => !(typeof t === 'object' && 'tag' in t && YAML_NUMBER_TAGS.has(t.tag)));
}

/**
 * YAML with the core schema (no custom or language tags, no YAML 1.1 timestamps or
 * merge keys), keys always strings, numbers kept as written, alias expansion capped
 * (a billion-laughs document fails instead of growing), nesting bounded.
 */
export function parseYamlBounded(text: string, maxAliasCount = MAX_YAML_ALIASES, maxDepth = MAX_JSON_DEPTH): Parsed {
  let value: unknown;
  try {
    value = parseYaml(text, {
      schema: 'core',
      customTags: withoutNumberTags,
      stringKeys: true,
      uniqueKeys: true,
      maxAliasCount,
      prettyErrors: false,
    }) as unknown;
  } catch (e) {
    // The composer recurses; on hostile depth it reports the stack overflow as RESOURCE_EXHAUSTION.
    if (e instanceof RangeError || (e as { code?: unknown }).code === 'RESOURCE_EXHAUSTION') {
      return { ok: false, reason: 'nested too deeply' };
    }
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      return { ok: false, reason: `too many YAML alias expansions (more than ${maxAliasCount}): ${messageOf(e)}` };
    }
    return { ok: false, reason: `not valid YAML: ${messageOf(e)}` };
  }
  if (valueNestingExceeds(value, maxDepth)) return { ok: false, reason: `nested too deeply (more than ${maxDepth} levels)` };
  return { ok: true, value };
}

/** `.json`, `.yaml`, `.yml` (any case): the names a feed directory or archive holds records in. */
export function feedFormatOf(name: string): 'json' | 'yaml' | undefined {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return undefined;
  const ext = name.slice(dot + 1).toLowerCase();
  if (ext === 'json') return 'json';
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  return undefined;
}

/** Parses feed bytes by format: the one place JSON/YAML choice and limits meet. */
export function parseFeedBytes(bytes: Buffer, format: 'json' | 'yaml', maxAliasCount?: number): Parsed {
  return format === 'json' ? parseJsonBounded(bytes) : parseYamlBounded(bytes.toString('utf8'), maxAliasCount);
}

export type WalkItem = { kind: 'file'; path: string; origin: string } | { kind: 'skip'; origin: string; reason: string };

function within(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Files under `root` that `wanted` accepts, in a stable (sorted) order. Hidden entries
 * (`.git`) are not entered. Symbolic links are resolved: one that leaves the root is
 * reported and not followed; one to a directory inside the root is not followed
 * either (that directory is walked in its own place, and following could loop); one
 * to a file inside the root is read once.
 */
export function* walkFeedFiles(root: string, wanted: (name: string) => boolean, maxDepth = MAX_WALK_DEPTH): Generator<WalkItem> {
  const realRoot = realpathSync(root);
  const seen = new Set<string>();
  const stack: Array<{ dir: string; depth: number }> = [{ dir: realRoot, depth: 0 }];
  while (stack.length > 0) {
    const { dir, depth } = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      yield { kind: 'skip', origin: dir, reason: `cannot list directory: ${messageOf(e)}` };
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth + 1 > maxDepth) yield { kind: 'skip', origin: path, reason: `directory deeper than ${maxDepth} levels not walked` };
        else subdirs.push(path);
      } else if (entry.isFile()) {
        if (wanted(entry.name) && !seen.has(path)) {
          seen.add(path);
          yield { kind: 'file', path, origin: path };
        }
      } else if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(path);
        } catch {
          if (wanted(entry.name)) yield { kind: 'skip', origin: path, reason: 'dangling symbolic link' };
          continue;
        }
        if (!within(realRoot, target)) {
          yield { kind: 'skip', origin: path, reason: `symbolic link points outside ${realRoot}; not followed` };
          continue;
        }
        let isFile = false;
        try {
          isFile = statSync(target).isFile();
        } catch {
          continue;
        }
        if (isFile && wanted(entry.name) && !seen.has(target)) {
          seen.add(target);
          yield { kind: 'file', path: target, origin: path };
        }
      }
    }
    // Depth-first in sorted order: push in reverse so the smallest name pops first.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push({ dir: subdirs[i]!, depth: depth + 1 });
  }
}

/** A file's modification time as an OSV timestamp (feeds without dates use it as `modified`). */
export function mtimeTimestamp(path: string): string {
  try {
    return statSync(path).mtime.toISOString();
  } catch {
    return new Date(0).toISOString();
  }
}

/** Lets timers and I/O callbacks run during a long synchronous import loop. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
