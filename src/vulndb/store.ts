/**
 * The advisory store: OSV records in one SQLite file under the cache dir, indexed by
 * (ecosystem, package name) for lookups and by alias for merging. Imports run in a
 * single IMMEDIATE transaction: a failed or interrupted import rolls back and leaves
 * the previous contents intact, and concurrent writers queue on SQLite's lock.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { StockadeError } from '../core/errors.js';
import { lazy } from '../core/lazy.js';
import { splitEcosystem, type OsvRecord } from './osv.js';

const loadSqlite = lazy<typeof Database>('better-sqlite3');

/** Bump when the table layout changes; older stores are rebuilt, newer ones refused. */
export const STORE_SCHEMA_VERSION = 1;

export function defaultDbPath(cacheDir: string): string {
  return join(cacheDir, 'db', 'advisories.sqlite');
}

export interface SourceStatus {
  id: string;
  origin: string;
  importedAt: string;
  records: number;
  skipped: number;
  newestModified: string | null;
}

export interface StoreStatus {
  path: string;
  schemaVersion: number;
  sizeBytes: number;
  advisories: number;
  withdrawn: number;
  ecosystems: Array<{ ecosystem: string; advisories: number }>;
  sources: SourceStatus[];
  lastUpdate: string | null;
}

export interface ImportStats {
  imported: number;
  unchanged: number;
  skipped: number;
}

/**
 * Names are compared the way each ecosystem does: PyPI per PEP 503, npm and the
 * others exactly (Go module paths and Maven coordinates are case-sensitive).
 */
export function normalizePackageName(ecosystemBase: string, name: string): string {
  if (ecosystemBase === 'PyPI') return name.toLowerCase().replace(/[-_.]+/g, '-');
  return name;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS advisories (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  modified TEXT NOT NULL,
  withdrawn INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS affected (
  ecosystem TEXT NOT NULL,
  release TEXT NOT NULL,
  name TEXT NOT NULL,
  advisory_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (alias TEXT NOT NULL, advisory_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
  id TEXT PRIMARY KEY,
  origin TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  records INTEGER NOT NULL,
  skipped INTEGER NOT NULL,
  newest_modified TEXT
);
`;

/**
 * Secondary indexes. A first import into an empty store drops them and builds them
 * once at the end: one sort instead of a B-tree update per row, several times faster.
 */
const INDEXES = `
CREATE INDEX IF NOT EXISTS affected_by_package ON affected (ecosystem, name);
CREATE INDEX IF NOT EXISTS affected_by_advisory ON affected (advisory_id);
CREATE INDEX IF NOT EXISTS aliases_by_alias ON aliases (alias);
CREATE INDEX IF NOT EXISTS aliases_by_advisory ON aliases (advisory_id);
`;
const DROP_INDEXES = `
DROP INDEX IF EXISTS affected_by_package;
DROP INDEX IF EXISTS affected_by_advisory;
DROP INDEX IF EXISTS aliases_by_alias;
DROP INDEX IF EXISTS aliases_by_advisory;
`;

function rebuildHint(path: string): string {
  return `rebuild it: delete ${path} and run \`stockade db update\` (or \`stockade db import <files>\`)`;
}

export class AdvisoryStore {
  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {}

  /**
   * Opens (and with `create`, creates) the store. A file that is not a SQLite
   * database, or one written by a newer Stockade, is refused with the fix.
   */
  static open(path: string, options: { create?: boolean; readonly?: boolean } = {}): AdvisoryStore {
    let exists = true;
    try {
      statSync(path);
    } catch {
      exists = false;
    }
    if (!exists && !options.create) {
      throw new StockadeError('not_found', path, 'no vulnerability database; run `stockade db update` (network) or `stockade db import <OSV files>`');
    }
    if (!exists) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const Sqlite = loadSqlite();
    let db: Database.Database;
    try {
      db = new Sqlite(path, { readonly: Boolean(options.readonly) && exists, fileMustExist: !options.create, timeout: 60_000 });
    } catch (e) {
      throw new StockadeError('malformed_input', path, `cannot open the vulnerability database (${(e as Error).message}); ${rebuildHint(path)}`);
    }
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > STORE_SCHEMA_VERSION) {
        throw new StockadeError('malformed_input', path, `the vulnerability database has schema ${version}, newer than this Stockade understands (${STORE_SCHEMA_VERSION}); upgrade Stockade or ${rebuildHint(path)}`);
      }
      if (!options.readonly) {
        db.pragma('journal_mode = DELETE');
        db.pragma('synchronous = NORMAL');
      }
      if (version === 0) {
        if (options.readonly) throw new StockadeError('malformed_input', path, `not a Stockade vulnerability database; ${rebuildHint(path)}`);
        db.exec(SCHEMA);
        db.exec(INDEXES);
        db.pragma(`user_version = ${STORE_SCHEMA_VERSION}`);
      }
      // Touch every table once: a damaged file fails here, not in the middle of a scan.
      db.prepare('SELECT count(*) AS n FROM meta').get();
      db.prepare('SELECT id FROM advisories LIMIT 1').get();
    } catch (e) {
      db.close();
      if (e instanceof StockadeError) throw e;
      throw new StockadeError('malformed_input', path, `the vulnerability database is corrupt (${(e as Error).message}); ${rebuildHint(path)}`);
    }
    return new AdvisoryStore(path, db);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Starts an import from one source. Everything added until `commit` lands in one
   * IMMEDIATE transaction (SQLite's write lock is taken at once, so concurrent
   * importers queue instead of interleaving); `rollback` — or a crash — leaves the
   * store exactly as it was. A record replaces a stored one with the same id only
   * when its `modified` is newer or equal, so re-importing an older dump never rolls
   * data back.
   */
  beginImport(sourceId: string, origin: string): ImportSession {
    return new ImportSession(this.db, sourceId, origin);
  }

  /** Advisories naming this package in this ecosystem, any release (the matcher filters). */
  lookup(ecosystemBase: string, name: string): OsvRecord[] {
    const rows = this.db
      .prepare<[string, string], { body: string }>(
        `SELECT a.body FROM affected f JOIN advisories a ON a.id = f.advisory_id
         WHERE f.ecosystem = ? AND f.name = ? AND a.withdrawn = 0 GROUP BY a.id`,
      )
      .all(ecosystemBase, normalizePackageName(ecosystemBase, name));
    return rows.map((r) => JSON.parse(r.body) as OsvRecord);
  }

  /** Ids stored under any of these aliases (for merging related advisories). */
  idsForAliases(aliases: string[]): string[] {
    if (aliases.length === 0) return [];
    const stmt = this.db.prepare<[string], { advisory_id: string }>('SELECT advisory_id FROM aliases WHERE alias = ?');
    return [...new Set(aliases.flatMap((a) => stmt.all(a).map((r) => r.advisory_id)))];
  }

  get(id: string): OsvRecord | undefined {
    const row = this.db.prepare<[string], { body: string }>('SELECT body FROM advisories WHERE id = ?').get(id);
    return row ? (JSON.parse(row.body) as OsvRecord) : undefined;
  }

  source(id: string): SourceStatus | undefined {
    const r = this.db.prepare<[string], { id: string; origin: string; imported_at: string; records: number; skipped: number; newest_modified: string | null }>('SELECT * FROM sources WHERE id = ?').get(id);
    return r ? { id: r.id, origin: r.origin, importedAt: r.imported_at, records: r.records, skipped: r.skipped, newestModified: r.newest_modified } : undefined;
  }

  isEmpty(): boolean {
    return this.db.prepare('SELECT 1 FROM advisories LIMIT 1').get() === undefined;
  }

  lastUpdate(): Date | undefined {
    const row = this.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'last_update'").get();
    return row ? new Date(row.value) : undefined;
  }

  status(): StoreStatus {
    const count = (sql: string) => (this.db.prepare<[], { n: number }>(sql).get()?.n ?? 0);
    let sizeBytes = 0;
    for (const suffix of ['', '-wal']) {
      try {
        sizeBytes += statSync(this.path + suffix).size;
      } catch {
        // no WAL file
      }
    }
    const sources = this.db
      .prepare<[], { id: string; origin: string; imported_at: string; records: number; skipped: number; newest_modified: string | null }>('SELECT * FROM sources ORDER BY id')
      .all()
      .map((r) => ({ id: r.id, origin: r.origin, importedAt: r.imported_at, records: r.records, skipped: r.skipped, newestModified: r.newest_modified }));
    const ecosystems = this.db
      .prepare<[], { ecosystem: string; n: number }>('SELECT ecosystem, count(DISTINCT advisory_id) AS n FROM affected GROUP BY ecosystem ORDER BY ecosystem')
      .all()
      .map((r) => ({ ecosystem: r.ecosystem, advisories: r.n }));
    return {
      path: this.path,
      schemaVersion: STORE_SCHEMA_VERSION,
      sizeBytes,
      advisories: count('SELECT count(*) AS n FROM advisories'),
      withdrawn: count('SELECT count(*) AS n FROM advisories WHERE withdrawn = 1'),
      ecosystems,
      sources,
      lastUpdate: this.lastUpdate()?.toISOString() ?? null,
    };
  }
}

export class ImportSession {
  readonly stats: ImportStats = { imported: 0, unchanged: 0, skipped: 0 };
  private newest: string | null = null;
  private open = true;
  /** The store was empty when the import began: no older copies to compare with. */
  private readonly fresh: boolean;
  private readonly seenFresh = new Set<string>();
  private readonly getModified;
  private readonly upsert;
  private readonly clearAffected;
  private readonly clearAliases;
  private readonly addAffected;
  private readonly addAlias;

  constructor(
    private readonly db: Database.Database,
    private readonly sourceId: string,
    private readonly origin: string,
  ) {
    this.getModified = db.prepare<[string], { modified: string }>('SELECT modified FROM advisories WHERE id = ?');
    this.upsert = db.prepare('INSERT OR REPLACE INTO advisories (id, source, modified, withdrawn, body) VALUES (?, ?, ?, ?, ?)');
    this.clearAffected = db.prepare('DELETE FROM affected WHERE advisory_id = ?');
    this.clearAliases = db.prepare('DELETE FROM aliases WHERE advisory_id = ?');
    this.addAffected = db.prepare('INSERT INTO affected (ecosystem, release, name, advisory_id) VALUES (?, ?, ?, ?)');
    this.addAlias = db.prepare('INSERT INTO aliases (alias, advisory_id) VALUES (?, ?)');
    db.pragma('cache_size = -262144');
    db.exec('BEGIN IMMEDIATE');
    this.fresh = db.prepare('SELECT 1 FROM advisories LIMIT 1').get() === undefined;
    if (this.fresh) db.exec(DROP_INDEXES);
  }

  add(record: OsvRecord): void {
    // In a fresh store only a repeated id inside this very import can have an older copy.
    const mayExist = !this.fresh || this.seenFresh.has(record.id);
    if (this.fresh) this.seenFresh.add(record.id);
    const previous = mayExist ? this.getModified.get(record.id) : undefined;
    if (previous && previous.modified > record.modified) {
      this.stats.unchanged++;
      return;
    }
    if (previous) {
      this.clearAffected.run(record.id);
      this.clearAliases.run(record.id);
    }
    this.upsert.run(record.id, this.sourceId, record.modified, record.withdrawn ? 1 : 0, JSON.stringify(record));
    const seen = new Set<string>();
    for (const a of record.affected ?? []) {
      if (!a.package) continue;
      const { base, release } = splitEcosystem(a.package.ecosystem);
      const name = normalizePackageName(base, a.package.name);
      const key = `${base}\0${release}\0${name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      this.addAffected.run(base, release, name, record.id);
    }
    for (const alias of new Set(record.aliases ?? [])) this.addAlias.run(alias, record.id);
    if (this.newest === null || record.modified > this.newest) this.newest = record.modified;
    this.stats.imported++;
  }

  skip(): void {
    this.stats.skipped++;
  }

  commit(): ImportStats {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO sources (id, origin, imported_at, records, skipped, newest_modified) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET origin = excluded.origin, imported_at = excluded.imported_at,
           records = excluded.records, skipped = excluded.skipped,
           newest_modified = max(coalesce(sources.newest_modified, ''), coalesce(excluded.newest_modified, ''))`,
      )
      .run(this.sourceId, this.origin, now, this.stats.imported + this.stats.unchanged, this.stats.skipped, this.newest);
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('last_update', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(now);
    if (this.fresh) this.db.exec(INDEXES);
    this.db.exec('COMMIT');
    this.open = false;
    return this.stats;
  }

  rollback(): void {
    if (this.open && this.db.inTransaction) this.db.exec('ROLLBACK');
    this.open = false;
  }
}
