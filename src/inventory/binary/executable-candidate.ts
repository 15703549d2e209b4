/**
 * The cheap test binary extractors share in `wants`: could this file be a compiled
 * program? A few string and bit checks on the path and mode, nothing more; the
 * stream sinks then look at the first bytes and stop early for anything that is not
 * ELF, Mach-O or PE.
 */
import type { FileMeta } from '../../core/types.js';

/** Smaller than this is a script or a stub; the smallest Go or Rust program is far larger. */
export const MIN_EXECUTABLE_BYTES = 4096;

/** Trees that hold documents, configuration or package databases, not programs. */
const NON_BINARY_DIRS = [
  'proc/',
  'sys/',
  'dev/',
  'etc/',
  'usr/include/',
  'usr/share/doc/',
  'usr/share/man/',
  'usr/share/info/',
  'usr/share/locale/',
  'usr/share/zoneinfo/',
  'var/lib/dpkg/',
  'var/lib/rpm/',
  'var/lib/apk/',
  'lib/apk/db/',
];

/** Executable-bit files with these endings are scripts or data, never compiled programs. */
const NON_BINARY_ENDINGS = ['.sh', '.bash', '.py', '.pl', '.rb', '.js', '.txt', '.md', '.json', '.yaml', '.yml', '.conf', '.html', '.jar', '.zip', '.gz'];

export function isExecutableCandidate(path: string, meta: FileMeta): boolean {
  if ((meta.mode & 0o111) === 0 || meta.size < MIN_EXECUTABLE_BYTES) return false;
  for (const dir of NON_BINARY_DIRS) if (path.startsWith(dir)) return false;
  for (const ending of NON_BINARY_ENDINGS) if (path.endsWith(ending)) return false;
  return true;
}

export type ExecutableKind = 'elf' | 'macho' | 'pe' | 'other';

/** Identifies the container format from the first four bytes. */
export function executableKind(first4: Buffer): ExecutableKind {
  if (first4.length < 4) return 'other';
  const magic = first4.readUInt32BE(0);
  if (magic === 0x7f454c46) return 'elf';
  // Mach-O 32/64 in both byte orders, and universal ("fat") files.
  if (magic === 0xfeedface || magic === 0xfeedfacf || magic === 0xcefaedfe || magic === 0xcffaedfe || magic === 0xcafebabe) {
    return 'macho';
  }
  if (first4[0] === 0x4d && first4[1] === 0x5a) return 'pe';
  return 'other';
}
