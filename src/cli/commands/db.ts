/** `stockade db import|update|status`: the vulnerability database. */
import { Command } from 'commander';
import { defaultCacheDir } from '../../image/layer-cache.js';
import { importInput } from '../../vulndb/import.js';
import { AdvisoryStore, defaultDbPath } from '../../vulndb/store.js';
import { DEFAULT_DB_REPOSITORY, UPDATE_ECOSYSTEMS, updateDatabase } from '../../vulndb/update.js';
import { StockadeError } from '../../core/errors.js';

function say(quiet: boolean | undefined, line: string): void {
  if (!quiet) process.stderr.write(`${line}\n`);
}

export function dbCommand(): Command {
  const db = new Command('db').description('manage the vulnerability database (OSV records in SQLite under the cache dir)');

  db.command('import')
    .description('import OSV JSON/YAML files, directories of them, OSV zip archives (osv.dev all.zip), Debian security tracker JSON, Alpine secdb YAML')
    .argument('<path...>', 'files, directories or zip archives')
    .option('--cache-dir <dir>', 'cache directory', defaultCacheDir())
    .option('-q, --quiet', 'no progress lines')
    .action(async (paths: string[], opts: { cacheDir: string; quiet?: boolean }) => {
      const store = AdvisoryStore.open(defaultDbPath(opts.cacheDir), { create: true });
      try {
        for (const p of paths) {
          const r = await importInput(store, p);
          const rate = r.seconds > 0 ? Math.round((r.imported + r.unchanged) / r.seconds) : 0;
          process.stdout.write(`${p}: ${r.source}: ${r.imported} imported, ${r.unchanged} unchanged (older than stored), ${r.skipped} skipped in ${r.seconds.toFixed(1)} s (${rate} records/s)\n`);
          for (const reason of r.skipReasons) say(opts.quiet, `  skipped ${reason}`);
          if (r.skipped > r.skipReasons.length) say(opts.quiet, `  ... and ${r.skipped - r.skipReasons.length} more skipped`);
        }
      } finally {
        store.close();
      }
    });

  db.command('update')
    .description(`download OSV archives per ecosystem and import them (default: osv.dev; skips archives unchanged since the last update)`)
    .option('--db-repository <url>', 'base URL: https://... or file:/dir laid out as <Ecosystem>/all.zip', DEFAULT_DB_REPOSITORY)
    .option('--ecosystems <list>', `comma-separated OSV ecosystems (default: ${UPDATE_ECOSYSTEMS.join(',')})`, (t: string) => t.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--timeout <seconds>', 'per request', (t: string) => Number(t), 120)
    .option('--cache-dir <dir>', 'cache directory', defaultCacheDir())
    .option('-q, --quiet', 'no progress lines')
    .action(async (opts: { dbRepository: string; ecosystems?: string[]; timeout: number; cacheDir: string; quiet?: boolean }) => {
      const store = AdvisoryStore.open(defaultDbPath(opts.cacheDir), { create: true });
      try {
        const reports = await updateDatabase(store, {
          repository: opts.dbRepository,
          ecosystems: opts.ecosystems ?? UPDATE_ECOSYSTEMS,
          cacheDir: opts.cacheDir,
          timeoutMs: opts.timeout * 1000,
          maxDownloadBytes: 4 * 1024 ** 3,
          log: (l) => say(opts.quiet, l),
        });
        for (const r of reports) {
          const detail = r.report ? `${r.report.imported} imported, ${r.report.skipped} skipped` : r.detail ?? '';
          process.stdout.write(`${r.ecosystem}: ${r.status}${detail ? ` (${detail})` : ''}\n`);
        }
        if (reports.length > 0 && reports.every((r) => r.status === 'failed' || r.status === 'missing')) {
          throw new StockadeError('not_found', opts.dbRepository, 'no ecosystem could be updated; the previous database is unchanged');
        }
      } finally {
        store.close();
      }
    });

  db.command('status')
    .description('show what the database holds: sources, record counts, last update, size')
    .option('--cache-dir <dir>', 'cache directory', defaultCacheDir())
    .option('-f, --format <format>', 'table or json', 'table')
    .action((opts: { cacheDir: string; format: string }) => {
      const store = AdvisoryStore.open(defaultDbPath(opts.cacheDir), { readonly: true });
      try {
        const s = store.status();
        if (opts.format === 'json') {
          process.stdout.write(JSON.stringify(s, null, 2) + '\n');
          return;
        }
        const lines = [
          `Database:    ${s.path}`,
          `Schema:      ${s.schemaVersion}`,
          `Size:        ${(s.sizeBytes / 1024 / 1024).toFixed(1)} MiB`,
          `Advisories:  ${s.advisories} (${s.withdrawn} withdrawn)`,
          `Last update: ${s.lastUpdate ?? 'never'}`,
          '',
          'Sources:',
          ...s.sources.map((src) => `  ${src.id.padEnd(20)} ${String(src.records).padStart(8)} records  ${String(src.skipped).padStart(6)} skipped  imported ${src.importedAt}  newest ${src.newestModified ?? '-'}  from ${src.origin}`),
          '',
          'Ecosystems:',
          ...s.ecosystems.map((e) => `  ${e.ecosystem.padEnd(20)} ${String(e.advisories).padStart(8)}`),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        store.close();
      }
    });
  return db;
}
