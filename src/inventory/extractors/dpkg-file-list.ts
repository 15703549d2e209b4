/**
 * dpkg's per-package file lists. dpkg keeps them apart from the package records,
 * so they become ownership claims that the inventory merge joins to packages:
 *
 * - `var/lib/dpkg/info/<pkg>[:arch].list`: absolute paths, directories included
 *   (the list does not say which lines are directories); `/.` stands for the root.
 * - `var/lib/dpkg/status.d/<pkg>.md5sums` (distroless): `<md5>  <relative path>`.
 */
import type { FileOwnership } from '../../core/types.js';
import type { BufferExtractor, Extraction } from '../extractor.js';

const INFO = 'var/lib/dpkg/info/';
const STATUS_D = 'var/lib/dpkg/status.d/';

function isDirectChild(path: string, dir: string, suffix: string): boolean {
  return (
    path.startsWith(dir) &&
    path.endsWith(suffix) &&
    path.length > dir.length + suffix.length &&
    path.indexOf('/', dir.length) < 0
  );
}

function packageNameFrom(path: string, dir: string, suffix: string): string {
  return path.slice(dir.length, path.length - suffix.length);
}

function linesOf(bytes: Buffer): string[] {
  return bytes
    .toString('utf8')
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Bad lines are counted, not listed one by one: a garbage file must not flood the report. */
function badLineWarning(what: string, count: number, firstLine: number): string[] {
  if (count === 0) return [];
  return [`${count} line(s) not ${what} (first at line ${firstLine}); skipped`];
}

/** `.list` lines are already absolute; `/.` (the root directory) carries no ownership. */
export function parseDpkgList(bytes: Buffer): { files: string[]; warnings: string[] } {
  const files: string[] = [];
  let bad = 0;
  let firstBad = 0;
  linesOf(bytes).forEach((line, i) => {
    if (line === '' || line === '/.') return;
    if (!line.startsWith('/')) {
      if (bad++ === 0) firstBad = i + 1;
      return;
    }
    files.push(line);
  });
  return { files, warnings: badLineWarning('an absolute path', bad, firstBad) };
}

/** md5sums lines: 32 hex digits, two spaces (or space + `*`), a path relative to the root. */
export function parseMd5sums(bytes: Buffer): { files: string[]; warnings: string[] } {
  const files: string[] = [];
  let bad = 0;
  let firstBad = 0;
  linesOf(bytes).forEach((line, i) => {
    if (line.trim() === '') return;
    let rel = line.indexOf(' ') === 32 && line.length > 34 ? line.slice(34) : '';
    // Tolerate a leading `./` or `/`: the file names the same path either way.
    if (rel.startsWith('./')) rel = rel.slice(2);
    while (rel.startsWith('/')) rel = rel.slice(1);
    if (rel === '') {
      if (bad++ === 0) firstBad = i + 1;
      return;
    }
    files.push(`/${rel}`);
  });
  return { files, warnings: badLineWarning('an "<md5>  <path>" line', bad, firstBad) };
}

export const dpkgFileListExtractor: BufferExtractor = {
  id: 'dpkg-file-list',
  version: 1,
  kind: 'buffer',
  wants(path) {
    return isDirectChild(path, INFO, '.list') || isDirectChild(path, STATUS_D, '.md5sums');
  },
  extract({ path, bytes }): Extraction {
    const fromInfo = path.startsWith(INFO);
    const parsed = fromInfo ? parseDpkgList(bytes) : parseMd5sums(bytes);
    const packageName = fromInfo
      ? packageNameFrom(path, INFO, '.list')
      : packageNameFrom(path, STATUS_D, '.md5sums');
    const ownership: FileOwnership[] = [{ ecosystem: 'deb', packageName, files: parsed.files }];
    return parsed.warnings.length > 0 ? { ownership, warnings: parsed.warnings } : { ownership };
  },
};
