/**
 * Uniform read access to the members of an image container: a directory (OCI layout,
 * unpacked docker save) or an uncompressed tar file (OCI archive, docker save).
 * Member names come from manifests we do not trust, so every lookup is confined to
 * the container: `..` segments are refused, and symlinks inside a tar are resolved
 * within the tar only.
 */
import { createReadStream } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { StockadeError } from '../core/errors.js';
import { indexTar, normalizeMemberName, type TarIndexEntry } from './tar-index.js';

export interface ArchiveFiles {
  /** The user's input, for messages. */
  readonly label: string;
  has(name: string): Promise<boolean>;
  size(name: string): Promise<number>;
  /** Reads a whole member; refuses members larger than `maxBytes`. */
  read(name: string, maxBytes: number): Promise<Buffer>;
  stream(name: string): Readable;
}

function safeMemberName(label: string, name: string): string {
  const n = normalizeMemberName(name);
  if (n === '' || n.split('/').some((s) => s === '..')) {
    throw new StockadeError('hostile_input', label, `member name ${JSON.stringify(name)} escapes the archive`);
  }
  return n;
}

function tooBig(label: string, name: string, size: number, max: number): StockadeError {
  return new StockadeError('limit_exceeded', label, `${name} is ${size} bytes, more than the ${max}-byte limit for this kind of document`);
}

export class DirFiles implements ArchiveFiles {
  constructor(readonly label: string, private readonly root: string) {}

  private async pathOf(name: string): Promise<string> {
    const p = join(this.root, ...safeMemberName(this.label, name).split('/'));
    // Resolve symlinks and make sure we are still inside the layout directory.
    const real = await realpath(p).catch(() => p);
    const rootReal = await realpath(this.root);
    if (real !== rootReal && !real.startsWith(rootReal + sep)) {
      throw new StockadeError('hostile_input', this.label, `${name} resolves outside the layout directory`);
    }
    return real;
  }

  async has(name: string): Promise<boolean> {
    try {
      const st = await lstat(await this.pathOf(name));
      return st.isFile();
    } catch (e) {
      if (e instanceof StockadeError) throw e;
      return false;
    }
  }

  async size(name: string): Promise<number> {
    const st = await lstat(await this.pathOf(name)).catch(() => undefined);
    if (!st?.isFile()) throw new StockadeError('not_found', this.label, `${name} is missing`);
    return st.size;
  }

  async read(name: string, maxBytes: number): Promise<Buffer> {
    const size = await this.size(name);
    if (size > maxBytes) throw tooBig(this.label, name, size, maxBytes);
    const fh = await open(await this.pathOf(name), 'r');
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  stream(name: string): Readable {
    const p = join(this.root, ...safeMemberName(this.label, name).split('/'));
    return createReadStream(p, { highWaterMark: 1024 * 1024 });
  }
}

const MAX_LINK_HOPS = 16;

export class TarFiles implements ArchiveFiles {
  private constructor(readonly label: string, private readonly file: string, private readonly index: Map<string, TarIndexEntry>) {}

  static async open(label: string, file: string): Promise<TarFiles> {
    return new TarFiles(label, file, await indexTar(file));
  }

  /** Follows symlink and hardlink members (docker save links duplicate layers) inside the tar. */
  private entry(name: string): TarIndexEntry | undefined {
    let current = safeMemberName(this.label, name);
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      const e = this.index.get(current);
      if (!e) return undefined;
      if (e.type === 'file') return e;
      if (e.type !== 'symlink' && e.type !== 'link') return undefined;
      const base = e.type === 'symlink' && !e.linkname.startsWith('/') ? current.split('/').slice(0, -1) : [];
      const parts = [...base];
      for (const seg of e.linkname.split('/')) {
        if (seg === '' || seg === '.') continue;
        if (seg === '..') {
          if (parts.length === 0) throw new StockadeError('hostile_input', this.label, `link ${current} points outside the archive`);
          parts.pop();
        } else parts.push(seg);
      }
      current = parts.join('/');
    }
    throw new StockadeError('hostile_input', this.label, `link chain for ${name} is longer than ${MAX_LINK_HOPS} hops (a loop?)`);
  }

  names(): string[] {
    return [...this.index.keys()];
  }

  async has(name: string): Promise<boolean> {
    return this.entry(name) !== undefined;
  }

  async size(name: string): Promise<number> {
    const e = this.entry(name);
    if (!e) throw new StockadeError('not_found', this.label, `${name} is missing from the archive`);
    return e.size;
  }

  async read(name: string, maxBytes: number): Promise<Buffer> {
    const e = this.entry(name);
    if (!e) throw new StockadeError('not_found', this.label, `${name} is missing from the archive`);
    if (e.size > maxBytes) throw tooBig(this.label, name, e.size, maxBytes);
    const fh = await open(this.file, 'r');
    try {
      const buf = Buffer.alloc(e.size);
      const { bytesRead } = await fh.read(buf, 0, e.size, e.offset);
      if (bytesRead !== e.size) throw new StockadeError('malformed_input', this.label, `${name} is truncated`);
      return buf;
    } finally {
      await fh.close();
    }
  }

  stream(name: string): Readable {
    const e = this.entry(name);
    if (!e) throw new StockadeError('not_found', this.label, `${name} is missing from the archive`);
    if (e.size === 0) return Readable.from([]);
    return createReadStream(this.file, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 1024 * 1024 });
  }
}
