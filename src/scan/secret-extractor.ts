/**
 * The secret scanner as a layer extractor: every regular file of every layer streams
 * through it once (the same pass that finds packages), so files deleted or replaced
 * by later layers are read too. Its results are masked before they leave the sink,
 * which is what lets the layer cache keep them.
 *
 * What it reads: text files, up to `maxFileBytes` (the rest is skipped and said so);
 * executables outside the distribution's own directories as `strings(1)` would show
 * them (credentials compiled into an app binary are text inside it); PKCS#12 bundles
 * by name. What it skips cheaply, by path: media, fonts, compressed data, compiled
 * bytecode, locale data and time zones, and the distribution's own binaries.
 */
import { createHash } from 'node:crypto';
import type { FileMeta } from '../core/types.js';
import type { Extraction, SecretRecord, StreamExtractor, StreamSink } from '../inventory/extractor.js';
import { SECRET_DETECTORS } from '../secrets/index.js';
import { looksBinary, printableStrings, scanText } from '../secrets/scan-text.js';
import { ARCHIVE_EXTENSIONS, scanArchiveForSecrets } from './secret-archive.js';

export const SECRET_EXTRACTOR_ID = 'secrets';
export const DEFAULT_SECRET_MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Bump when the reading logic changes; detector changes are caught by the fingerprint below. */
const READER_VERSION = 2;

/** Detector ids and their order: a new or reordered detector invalidates cached layers. */
function detectorFingerprint(): number {
  const digest = createHash('sha256').update(SECRET_DETECTORS.map((d) => `${d.id}:${d.keywords.join(',')}`).join('|')).digest();
  return digest.readUInt32BE(0);
}

const SKIPPED_EXTENSIONS = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'ico', 'bmp', 'webp', 'tif', 'tiff', 'svgz', 'mp3', 'mp4', 'ogg', 'wav', 'avi', 'webm',
  'woff', 'woff2', 'ttf', 'otf', 'eot', 'pfb', 'gz', 'tgz', 'xz', 'bz2', 'zst', 'lz4', 'lzma', '7z', 'rar', 'deb', 'rpm', 'apk',
  'pyc', 'pyo', 'class', 'o', 'a', 'mo', 'gmo', 'db', 'sqlite', 'dat', 'bin', 'wasm', 'node',
]);
/** Zip-format archives are read whole up to this size, for their members (a central directory sits at the end). */
const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;

/** Directories whose files are data, not configuration: nothing a team writes lives there. */
const SKIPPED_DIRS = ['usr/share/locale/', 'usr/share/i18n/', 'usr/share/zoneinfo/', 'usr/share/fonts/', 'usr/share/icons/', 'usr/lib/locale/', 'usr/share/mime/', 'proc/', 'sys/', 'dev/'];

/** The distribution's own executables and libraries: read as binaries would be noise and time. */
const SYSTEM_BINARY_DIRS = ['usr/lib/', 'usr/lib64/', 'usr/libexec/', 'usr/bin/', 'usr/sbin/', 'lib/', 'lib64/', 'bin/', 'sbin/'];

const PKCS12 = /\.(p12|pfx)$/i;
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

function extensionOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(dot + 1).toLowerCase() : '';
}

export function wantsForSecrets(path: string, meta: FileMeta): boolean {
  if (meta.size === 0) return false;
  if (SKIPPED_EXTENSIONS.has(extensionOf(path))) return false;
  for (const dir of SKIPPED_DIRS) if (path.startsWith(dir)) return false;
  return true;
}

type Mode = 'undecided' | 'text' | 'strings' | 'latin1' | 'zip' | 'skip';

/** Collects the head of one file, decides how to read it from its first bytes, scans it at the end. */
class SecretSink implements StreamSink {
  private mode: Mode = 'undecided';
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private truncated = false;
  private maxBytes: number;

  constructor(
    private readonly path: string,
    maxBytes: number,
    private readonly systemDirs: readonly string[],
  ) {
    this.maxBytes = ARCHIVE_EXTENSIONS.has(extensionOf(path)) ? Math.max(maxBytes, MAX_ARCHIVE_BYTES) : maxBytes;
  }

  write(chunk: Buffer): void {
    if (this.mode === 'skip') return;
    if (this.kept >= this.maxBytes) {
      this.truncated = true;
      return;
    }
    const room = this.maxBytes - this.kept;
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (piece.length < chunk.length) this.truncated = true;
    // Copy: the walker reuses its buffers.
    this.chunks.push(Buffer.from(piece));
    this.kept += piece.length;
    if (this.mode === 'undecided' && this.kept >= 8192) this.decide();
  }

  private decide(): void {
    const head = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    if (PKCS12.test(this.path)) this.mode = 'latin1';
    else if (ARCHIVE_EXTENSIONS.has(extensionOf(this.path)) && head[0] === 0x50 && head[1] === 0x4b) this.mode = 'zip';
    else if (!looksBinary(head.subarray(0, 8192))) this.mode = 'text';
    else if (ELF_MAGIC.every((b, i) => head[i] === b) && !this.systemDirs.some((d) => this.path.startsWith(d))) this.mode = 'strings';
    else this.mode = 'skip';
    if (this.mode === 'skip') this.chunks.length = 0;
  }

  async finish(): Promise<Extraction> {
    if (this.mode === 'undecided') this.decide();
    if (this.mode === 'skip' || this.kept === 0) return {};
    const bytes = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    if (this.mode === 'zip') {
      if (this.truncated) return { warnings: [`archive larger than ${this.maxBytes} bytes; its members were not scanned for secrets`] };
      const found = await scanArchiveForSecrets(this.path, bytes);
      return { ...(found.secrets.length > 0 ? { secrets: found.secrets } : {}), ...(found.warnings.length > 0 ? { warnings: found.warnings } : {}) };
    }
    const text = this.mode === 'text' ? bytes.toString('utf8') : this.mode === 'latin1' ? bytes.toString('latin1') : printableStrings(bytes);
    // Line numbers of strings pulled out of a binary mean nothing: report the file only.
    const located = this.mode === 'text';
    const secrets: SecretRecord[] = scanText({ path: `/${this.path}`, text }).map((hit) => ({
      ruleId: hit.detector.id,
      line: located ? hit.line : 0,
      column: located ? hit.column : 0,
      endLine: located ? hit.endLine : 0,
      endColumn: located ? hit.endColumn : 0,
      match: hit.masked,
    }));
    const out: Extraction = {};
    if (secrets.length > 0) out.secrets = secrets;
    if (this.truncated) out.warnings = [`secret scan read only the first ${this.maxBytes} bytes (--secret-max-file-size)`];
    return out;
  }
}

/**
 * `systemBinaries: false` (the default, for images and root filesystems) leaves the
 * distribution's executables unread; a project directory (`fs`) has no such thing,
 * so there every executable is read.
 */
export function secretExtractor(maxFileBytes = DEFAULT_SECRET_MAX_FILE_BYTES, systemBinaries = false): StreamExtractor {
  const systemDirs = systemBinaries ? [] : SYSTEM_BINARY_DIRS;
  return {
    id: SECRET_EXTRACTOR_ID,
    // The cap changes what is found, so it is part of the cache key too.
    version: (READER_VERSION * 1_000_003 + detectorFingerprint() + maxFileBytes + (systemBinaries ? 1 : 0)) % 2 ** 31,
    kind: 'stream',
    wants: wantsForSecrets,
    open: ({ path }) => new SecretSink(path, maxFileBytes, systemDirs),
  };
}
