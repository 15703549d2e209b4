/**
 * rpm's sqlite database (rpm >= 4.16; Fedora 33+, RHEL 9, CBL-Mariner, Amazon Linux
 * 2023): table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`, one rpm header blob
 * per installed package. The other tables are indexes we do not need.
 */
import type Database from 'better-sqlite3';
import { lazy } from '../../core/lazy.js';

const loadSqlite = lazy<typeof Database>('better-sqlite3');
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { capWarnings, rpmPackagesFromBlobs } from '../rpm/header.js';

const PATHS = new Set(['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite']);

/** Package databases of big distributions run to hundreds of MiB. */
const MAX_BYTES = 1024 * 1024 * 1024;

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * rpm keeps its database in WAL mode (header bytes 18/19 = 2), and sqlite refuses
 * to deserialize a WAL database. The -wal file is not ours to read (rpm checkpoints
 * it on close), so the copy we open is marked as a rollback-journal database.
 */
function asRollbackJournalCopy(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  if (copy.length >= 20) {
    if (copy[18] === 2) copy[18] = 1;
    if (copy[19] === 2) copy[19] = 1;
  }
  return copy;
}

interface PackageRow {
  hnum: number;
  blob: unknown;
}

export function readSqliteRpmBlobs(bytes: Buffer, path: string): Array<{ id: string; blob: Buffer }> {
  if (bytes.length < 100 || !bytes.subarray(0, 16).equals(SQLITE_MAGIC)) {
    throw new StockadeError('malformed_input', path, 'not an SQLite database');
  }
  let db: Database.Database | undefined;
  try {
    const Sqlite = loadSqlite();
    db = new Sqlite(asRollbackJournalCopy(bytes), { readonly: true });
    const rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as PackageRow[];
    return rows.map((r) => ({
      id: String(r.hnum),
      blob: Buffer.isBuffer(r.blob) ? r.blob : Buffer.alloc(0),
    }));
  } catch (e) {
    if (e instanceof StockadeError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new StockadeError('malformed_input', path, `unreadable rpm sqlite database: ${message}`, { cause: e });
  } finally {
    db?.close();
  }
}

export const rpmdbSqliteExtractor: BufferExtractor = {
  id: 'rpmdb-sqlite',
  version: 1,
  kind: 'buffer',
  maxBytes: MAX_BYTES,
  wants(path) {
    return PATHS.has(path);
  },
  extract({ path, bytes }): Extraction {
    const warnings: string[] = [];
    const packages = rpmPackagesFromBlobs(readSqliteRpmBlobs(bytes, path), path, warnings);
    return warnings.length > 0 ? { packages, warnings: capWarnings(warnings) } : { packages };
  },
};
