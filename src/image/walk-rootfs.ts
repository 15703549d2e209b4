/**
 * Walks an unpacked root filesystem (a chroot, an LXC/LXD rootfs, a mounted volume)
 * and produces the same LayerAnalysis a single image layer would, so the same
 * extractors and merge run on it. Symlinks are recorded, never followed on the host;
 * files are opened with O_NOFOLLOW so a link swapped in mid-walk is not read.
 */
import { constants, createReadStream } from 'node:fs';
import { lstat, open, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import type { FileMeta } from '../core/types.js';
import type { Extractor } from '../inventory/extractor.js';
import type { EntryType, FileEntry, LayerAnalysis } from './layer-analysis.js';
import { LayerExtractionRunner } from './walk-layer.js';
import { readlink } from 'node:fs/promises';

/** Pseudo-filesystems of a live root: never part of what was installed. */
const SKIP_TOP = new Set(['proc', 'sys', 'dev', 'run']);

export interface RootfsWalkOptions {
  extractors: readonly Extractor[];
  /** Paths (relative to root) to skip, in addition to the pseudo-filesystems. */
  skip?: string[];
  onFile?: () => void;
}

export async function walkRootfs(root: string, options: RootfsWalkOptions): Promise<LayerAnalysis> {
  const st = await lstat(root).catch(() => undefined);
  if (!st) throw new StockadeError('not_found', root, 'no such directory');
  if (!st.isDirectory()) throw new StockadeError('unsupported_format', root, 'not a directory (for image archives use `stockade image --input`)');
  const runner = new LayerExtractionRunner(options.extractors);
  const entries: FileEntry[] = [];
  const skip = new Set(options.skip ?? []);
  let bytes = 0;

  const stack: string[] = [''];
  while (stack.length > 0) {
    const rel = stack.pop() as string;
    let dir;
    try {
      dir = await opendir(rel ? join(root, rel) : root);
    } catch (e) {
      runner.warnings.push({ input: '/' + rel, message: `cannot read directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      continue;
    }
    const children: string[] = [];
    for await (const d of dir) children.push(d.name);
    children.sort();
    for (const name of children) {
      const path = rel ? `${rel}/${name}` : name;
      if ((rel === '' && SKIP_TOP.has(name)) || skip.has(path)) continue;
      const full = join(root, path);
      const s = await lstat(full).catch(() => undefined);
      if (!s) continue;
      const mode = s.mode & 0o7777;
      let type: EntryType;
      if (s.isDirectory()) type = 'd';
      else if (s.isSymbolicLink()) type = 'l';
      else if (s.isFile()) type = 'f';
      else if (s.isCharacterDevice()) type = 'c';
      else if (s.isBlockDevice()) type = 'b';
      else type = 'p';
      if (type === 'd') {
        entries.push([path, type, mode, 0]);
        stack.push(path);
        continue;
      }
      if (type === 'l') {
        entries.push([path, type, mode, 0, await readlink(full).catch(() => '')]);
        continue;
      }
      if (type !== 'f') {
        entries.push([path, type, mode, 0]);
        continue;
      }
      entries.push([path, type, mode, s.size]);
      bytes += s.size;
      options.onFile?.();
      const meta: FileMeta = { path, size: s.size, mode };
      const capture = runner.begin(path, meta);
      if (!capture) continue;
      try {
        const fh = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          for await (const chunk of createReadStream('', { fd: fh.fd, autoClose: false, highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
            runner.write(capture, chunk, path);
          }
        } finally {
          await fh.close();
        }
        await runner.finish(capture, path, meta);
      } catch (e) {
        runner.warnings.push({ input: '/' + path, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, incomplete: true });
      }
    }
  }
  return {
    format: 1,
    diffID: '',
    digests: [],
    entries,
    whiteouts: [],
    opaqueDirs: [],
    extractions: runner.records,
    warnings: runner.warnings,
    bytes,
  };
}
