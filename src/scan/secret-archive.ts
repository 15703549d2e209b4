/**
 * Credentials inside zip-format archives (jar, war, ear, zip, wheel, egg): the text
 * members people put configuration in (`application.properties`, `*.yml`, `.env`,
 * keys) are read and scanned, each reported as `archive!/member`. Names are labels
 * only, never paths on disk. Bounded: entries, bytes per member, bytes in all.
 */
import type yauzlModule from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { lazy } from '../core/lazy.js';
import type { SecretRecord } from '../inventory/extractor.js';
import { looksBinary, scanText } from '../secrets/scan-text.js';

const loadYauzl = lazy<typeof yauzlModule>('yauzl');

export const ARCHIVE_EXTENSIONS: ReadonlySet<string> = new Set(['jar', 'war', 'ear', 'zip', 'whl', 'egg']);
const MAX_ENTRIES = 20_000;
const MAX_MEMBER_BYTES = 1024 * 1024;
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

/** Members worth reading: configuration, environment and key files; never class files or images. */
const TEXT_MEMBER = /(?:\.(?:properties|ya?ml|json|xml|conf|cfg|ini|toml|env|txt|pem|key|p8|netrc|npmrc|pypirc|sh|py|js)|(?:^|\/)\.env(?:\.[\w-]+)?|(?:^|\/)(?:id_rsa|id_ed25519|id_ecdsa|credentials|config))$/i;

function openZip(bytes: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    loadYauzl().fromBuffer(bytes, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) reject(err ?? new Error('no zip file'));
      else resolve(zip);
    });
  });
}

/** The next central-directory entry (lazyEntries mode), or undefined at the end. */
function nextEntry(zip: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: Entry) => {
      cleanup();
      resolve(e);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

async function readMember(zip: ZipFile, entry: Entry): Promise<Buffer> {
  const stream = await zip.openReadStreamPromise(entry);
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > entry.uncompressedSize) {
      stream.destroy();
      throw new Error('member inflates past its declared size');
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}

/** Masked secret records for every text member, with `member` naming where inside. */
export async function scanArchiveForSecrets(archivePath: string, bytes: Buffer): Promise<{ secrets: SecretRecord[]; warnings: string[] }> {
  const secrets: SecretRecord[] = [];
  const warnings: string[] = [];
  let zip: ZipFile;
  try {
    zip = await openZip(bytes);
  } catch (e) {
    return { secrets, warnings: [`not a readable zip archive (${(e as Error).message}); members not scanned for secrets`] };
  }
  // An 'error' emitted between our reads (a damaged entry found while we are not waiting)
  // would otherwise be an uncaught exception; the reads report their own errors.
  zip.on('error', () => undefined);
  let left = MAX_TOTAL_BYTES;
  let seen = 0;
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      if (++seen > MAX_ENTRIES) {
        warnings.push(`more than ${MAX_ENTRIES} members; the rest were not scanned for secrets`);
        break;
      }
      const name = Buffer.isBuffer(entry.fileName) ? entry.fileName.toString('utf8') : String(entry.fileName);
      if (name.endsWith('/') || !TEXT_MEMBER.test(name)) continue;
      if (entry.uncompressedSize > MAX_MEMBER_BYTES || entry.uncompressedSize > left) continue;
      left -= entry.uncompressedSize;
      let member: Buffer;
      try {
        member = await readMember(zip, entry);
      } catch (e) {
        warnings.push(`${name}: member unreadable (${(e as Error).message})`);
        continue;
      }
      if (looksBinary(member)) continue;
      for (const hit of scanText({ path: `/${archivePath}!/${name}`, text: member.toString('utf8') })) {
        secrets.push({ ruleId: hit.detector.id, line: hit.line, column: hit.column, endLine: hit.endLine, endColumn: hit.endColumn, match: hit.masked, member: name });
      }
    }
  } catch (e) {
    warnings.push(`zip archive damaged after ${seen} members (${(e as Error).message}); the rest were not scanned for secrets`);
  } finally {
    zip.close();
  }
  return { secrets, warnings };
}
