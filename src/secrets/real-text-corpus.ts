/**
 * Real text on this machine (documentation, Python and Perl libraries, C headers,
 * node_modules) for the false-positive test and the throughput benchmark: a large
 * corpus that holds no live credentials, read the way the scanner will see files.
 * Walks iteratively (no recursion), never follows symbolic links, and skips files
 * over the size cap and files that look binary.
 */
import { lstatSync, openSync, readSync, closeSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { looksBinary } from './scan-text.js';

export interface CorpusFile {
  path: string;
  text: string;
  bytes: number;
}

export interface CorpusOptions {
  /** Files larger than this are skipped (default 2 MiB). */
  maxFileBytes?: number;
  /** Stop after this many bytes of text in total (default: no limit). */
  maxTotalBytes?: number;
  /** Decides from the path and its lstat, before the file is opened, whether to read it. */
  accept?: (path: string, stat: Stats) => boolean;
}

/** Roots the tests and the benchmark read, in this order; missing ones are skipped. */
export function defaultCorpusRoots(repoRoot: string): string[] {
  let perl: string[] = [];
  try {
    perl = readdirSync('/usr/share').filter((n) => n.startsWith('perl')).map((n) => join('/usr/share', n));
  } catch {
    perl = [];
  }
  return ['/usr/share/doc', '/usr/lib/python3', ...perl, '/usr/include', join(repoRoot, 'node_modules')];
}

function readWhole(path: string, size: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

export function* readTextCorpus(roots: readonly string[], options: CorpusOptions = {}): Generator<CorpusFile> {
  const maxFile = options.maxFileBytes ?? 2 * 1024 * 1024;
  const maxTotal = options.maxTotalBytes ?? Number.POSITIVE_INFINITY;
  let total = 0;
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const path = stack.pop() as string;
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(path).sort();
      } catch {
        continue;
      }
      for (let i = names.length - 1; i >= 0; i--) stack.push(join(path, names[i] as string));
      continue;
    }
    if (!st.isFile() || st.size === 0 || st.size > maxFile) continue;
    if (options.accept && !options.accept(path, st)) continue;
    let bytes: Buffer;
    try {
      bytes = readWhole(path, st.size);
    } catch {
      continue;
    }
    if (looksBinary(bytes)) continue;
    total += bytes.length;
    yield { path, text: bytes.toString('utf8'), bytes: bytes.length };
    if (total >= maxTotal) return;
  }
}
