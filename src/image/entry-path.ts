/**
 * Image-path arithmetic, done in the image's own namespace and never on the host.
 */
import { StockadeError } from '../core/errors.js';

/**
 * Normalises a tar entry name to a root-relative path (`usr/bin/x`). Leading `/` and
 * `./` are dropped (they name the image root); a `..` that would climb above the root
 * is an attack, not a path, and is refused.
 */
export function normalizeEntryPath(label: string, name: string): string {
  const parts: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) throw new StockadeError('hostile_input', label, `entry ${JSON.stringify(name)} escapes the image root`);
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? path : path.slice(i + 1);
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
