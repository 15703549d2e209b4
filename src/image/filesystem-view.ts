/**
 * The image's final filesystem: every layer applied in order, with OCI whiteouts,
 * remembering which layer last wrote each path. Symlinks are resolved inside this
 * view, with `..` clamped at the image root as a chroot would, never on the host.
 */
import type { EntryType, LayerAnalysis } from './layer-analysis.js';

export interface ViewNode {
  type: EntryType;
  mode: number;
  size: number;
  link?: string;
  /** Index of the layer that last wrote this path. */
  layer: number;
}

export const MAX_SYMLINK_HOPS = 40;

/** True when `path` is `dir` or lies beneath it. `dir === ''` is the root. */
export function isWithin(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(dir + '/');
}

/** Removes every key equal to or under any of `dirs`; one pass, O(entries × depth). */
export function deleteSubtrees<V>(map: Map<string, V>, dirs: Iterable<string>): void {
  const set = new Set(dirs);
  if (set.size === 0) return;
  if (set.has('')) {
    map.clear();
    return;
  }
  for (const key of map.keys()) {
    let p = key;
    for (;;) {
      if (set.has(p)) {
        map.delete(key);
        break;
      }
      const i = p.lastIndexOf('/');
      if (i === -1) break;
      p = p.slice(0, i);
    }
  }
}

/** Removes everything strictly under each dir, keeping the dir itself (opaque whiteouts). */
function clearBelow<V>(map: Map<string, V>, dirs: string[]): void {
  if (dirs.length === 0) return;
  const set = new Set(dirs);
  for (const key of map.keys()) {
    let p = key;
    for (;;) {
      const i = p.lastIndexOf('/');
      p = i === -1 ? '' : p.slice(0, i);
      if (set.has(p)) {
        map.delete(key);
        break;
      }
      if (p === '') break;
    }
  }
}

export class FilesystemView {
  readonly nodes = new Map<string, ViewNode>();

  /**
   * Applies one layer. Whiteouts and opaque markers hide lower layers only, so they
   * run before this layer's own entries are added (OCI image-spec, layer changesets).
   */
  apply(layer: LayerAnalysis, index: number): { removed: string[]; cleared: string[] } {
    this.implicitDirs = undefined;
    clearBelow(this.nodes, layer.opaqueDirs);
    deleteSubtrees(this.nodes, layer.whiteouts);
    const replacedDirs: string[] = [];
    for (const [path, type, mode, size, link] of layer.entries) {
      const prev = this.nodes.get(path);
      // A non-directory replacing a directory hides everything that was under it.
      if (prev && prev.type === 'd' && type !== 'd') replacedDirs.push(path);
      const node: ViewNode = { type, mode, size, layer: index };
      if (link !== undefined) node.link = link;
      this.nodes.set(path, node);
    }
    if (replacedDirs.length > 0) clearBelow(this.nodes, replacedDirs);
    return { removed: [...layer.whiteouts, ...replacedDirs], cleared: layer.opaqueDirs };
  }

  private implicitDirs: Set<string> | undefined;

  /**
   * True for a directory, whether the tar had an entry for it or only for files
   * beneath it (many image builders omit parent directory entries).
   */
  isDirectory(path: string): boolean {
    const node = this.nodes.get(path);
    if (node) return node.type === 'd';
    if (!this.implicitDirs) {
      this.implicitDirs = new Set();
      for (const key of this.nodes.keys()) {
        for (let i = key.lastIndexOf('/'); i > 0; i = key.lastIndexOf('/', i - 1)) {
          const dir = key.slice(0, i);
          if (this.implicitDirs.has(dir)) break;
          this.implicitDirs.add(dir);
        }
      }
    }
    return this.implicitDirs.has(path);
  }

  /**
   * Resolves a path to the real path it names, following symlinks in every
   * component. Returns undefined for loops or chains longer than MAX_SYMLINK_HOPS.
   * Missing components are kept as they are (the result may not exist).
   */
  resolve(path: string, followLast = true): string | undefined {
    let hops = 0;
    let pending = path.split('/').filter((s) => s !== '' && s !== '.');
    const done: string[] = [];
    while (pending.length > 0) {
      const seg = pending.shift() as string;
      if (seg === '..') {
        done.pop(); // clamps at the root, like a chroot
        continue;
      }
      done.push(seg);
      const isLast = pending.length === 0;
      if (isLast && !followLast) break;
      const node = this.nodes.get(done.join('/'));
      if (node?.type === 'l' && node.link !== undefined) {
        if (++hops > MAX_SYMLINK_HOPS) return undefined;
        done.pop();
        const target = node.link.split('/').filter((s) => s !== '' && s !== '.');
        if (node.link.startsWith('/')) done.length = 0;
        pending = [...target, ...pending];
      }
    }
    return done.join('/');
  }
}
