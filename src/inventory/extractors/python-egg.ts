/**
 * Zipped Python eggs (`*.egg` files in site-packages): the distribution's core
 * metadata is the archive member `EGG-INFO/PKG-INFO`, read with the same parser as
 * python-dist-info.
 *
 * The archive is hostile until proven otherwise: we look at no more than
 * MAX_ENTRIES central-directory records, refuse a PKG-INFO that claims or inflates
 * to more than MAX_PKG_INFO_BYTES, and let yauzl check every inflated size against
 * the size the archive declared (a lying header is how zip bombs work).
 */
import type yauzlModule from 'yauzl';
import { lazy } from '../../core/lazy.js';

const loadYauzl = lazy<typeof yauzlModule>('yauzl');
import type { Entry, ZipFile } from 'yauzl';
import type { FileMeta } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { packageFromCoreMetadata } from './python-dist-info.js';

const PKG_INFO = 'EGG-INFO/PKG-INFO';
/** Real eggs hold hundreds of members; this leaves room while bounding the walk. */
export const MAX_ENTRIES = 50_000;
export const MAX_PKG_INFO_BYTES = 1024 * 1024;

function openZip(path: string, bytes: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    loadYauzl().fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) reject(new StockadeError('malformed_input', path, `not a readable zip archive: ${err?.message ?? 'unknown error'}`, { cause: err }));
      else resolve(zip);
    });
  });
}

/** Walks the central directory until PKG-INFO is found; undefined when it is absent. */
function findEntry(path: string, zip: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    zip.on('entry', (entry: Entry) => {
      if (entry.fileName === PKG_INFO) {
        resolve(entry);
        return;
      }
      if (++seen >= MAX_ENTRIES) {
        reject(new StockadeError('hostile_input', path, `more than ${MAX_ENTRIES} zip entries before ${PKG_INFO}`));
        return;
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve(undefined));
    zip.on('error', (e: unknown) => reject(new StockadeError('malformed_input', path, 'corrupt zip archive', { cause: e })));
    zip.readEntry();
  });
}

/** Inflates one entry, never holding more than `limit` bytes. */
function readEntry(path: string, zip: ZipFile, entry: Entry, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (entry.uncompressedSize > limit) {
      reject(new StockadeError('hostile_input', path, `${PKG_INFO} declares ${entry.uncompressedSize} bytes (limit ${limit})`));
      return;
    }
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) {
        reject(new StockadeError('malformed_input', path, `cannot read ${PKG_INFO}`, { cause: err }));
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > limit) {
          stream.destroy();
          reject(new StockadeError('hostile_input', path, `${PKG_INFO} inflates past ${limit} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (e: unknown) => reject(new StockadeError('hostile_input', path, `${PKG_INFO} does not inflate to its declared size`, { cause: e })));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Reads an egg's metadata. Exported for the tests. */
export async function parseEgg(path: string, bytes: Buffer): Promise<Extraction> {
  const zip = await openZip(path, bytes);
  try {
    const entry = await findEntry(path, zip);
    if (!entry) return {}; // an egg without metadata names nothing we can report
    const pkgInfo = await readEntry(path, zip, entry, MAX_PKG_INFO_BYTES);
    return { packages: [packageFromCoreMetadata(path, pkgInfo.toString('utf8'))] };
  } finally {
    zip.close();
  }
}

export const pythonEggExtractor: BufferExtractor = {
  id: 'python-egg',
  version: 1,
  kind: 'buffer',
  maxBytes: 64 * 1024 * 1024,
  wants(path: string, _meta: FileMeta): boolean {
    return path.endsWith('.egg');
  },
  extract({ path, bytes }): Promise<Extraction> {
    return parseEgg(path, bytes);
  },
};
