/**
 * The vulnerability scanner stage: inventory -> findings, using the advisory store.
 * Keeps the database fresh (at most daily, never with --skip-db-update), and says
 * plainly when there is no database rather than reporting a clean image.
 */
import { existsSync } from 'node:fs';
import { StockadeError } from '../core/errors.js';
import type { ScanResult, ScanWarning } from '../core/types.js';
import { matchPackages } from '../vulndb/match.js';
import { AdvisoryStore, defaultDbPath } from '../vulndb/store.js';
import { DEFAULT_DB_REPOSITORY, UPDATE_ECOSYSTEMS, updateDatabase } from '../vulndb/update.js';

export interface VulnScanOptions {
  cacheDir: string;
  skipDbUpdate: boolean;
  repository?: string;
  includeOsOwned?: boolean;
  /** When true (vuln scanning was asked for explicitly, or a gate depends on it) a missing database is an error. */
  required: boolean;
  log?: (line: string) => void;
  now?: Date;
}

const ONE_DAY_MS = 24 * 3600 * 1000;

async function refresh(dbPath: string, options: VulnScanOptions): Promise<string | undefined> {
  const store = AdvisoryStore.open(dbPath, { create: true });
  try {
    const reports = await updateDatabase(store, {
      repository: options.repository ?? DEFAULT_DB_REPOSITORY,
      ecosystems: UPDATE_ECOSYSTEMS,
      cacheDir: options.cacheDir,
      timeoutMs: 60_000,
      maxDownloadBytes: 4 * 1024 ** 3,
      ...(options.log ? { log: options.log } : {}),
    });
    const failed = reports.filter((r) => r.status === 'failed');
    if (failed.length === reports.length && reports.length > 0) return failed[0]?.detail ?? 'update failed';
    return undefined;
  } finally {
    store.close();
  }
}

export async function scanVulnerabilities(result: ScanResult, options: VulnScanOptions): Promise<void> {
  const dbPath = defaultDbPath(options.cacheDir);
  const warnings: ScanWarning[] = [];
  const now = options.now ?? new Date();
  let present = existsSync(dbPath);
  if (!options.skipDbUpdate) {
    let stale = !present;
    if (present) {
      const s = AdvisoryStore.open(dbPath, { readonly: true });
      const last = s.lastUpdate();
      s.close();
      stale = !last || now.getTime() - last.getTime() > ONE_DAY_MS;
    }
    if (stale) {
      options.log?.(present ? 'vulnerability database is more than a day old: updating' : 'no vulnerability database yet: downloading');
      const failure = await refresh(dbPath, options).catch((e: unknown) => (e instanceof StockadeError ? e.oneLine : String(e)));
      if (failure) warnings.push({ input: 'vulnerability database', message: `update failed (${failure}); ${present ? 'using the existing data' : 'no data available'}` });
      present = existsSync(dbPath) && hasAdvisories(dbPath);
    }
  }
  if (!present) {
    const message = `no vulnerability database at ${dbPath}: vulnerabilities were NOT scanned. Run \`stockade db update\` (needs network) or \`stockade db import <OSV files or zips>\``;
    if (options.required) throw new StockadeError('not_found', 'vulnerability database', message.replace(/^no vulnerability database at /, 'missing at '));
    result.warnings.push(...warnings, { input: 'vulnerability database', message, incomplete: false });
    return;
  }
  const store = AdvisoryStore.open(dbPath, { readonly: true });
  try {
    const outcome = matchPackages(result.packages, result.os, store, { ...(options.includeOsOwned ? { includeOsOwned: true } : {}), today: now });
    result.vulnerabilities = outcome.findings;
    result.warnings.push(...warnings, ...outcome.warnings);
  } finally {
    store.close();
  }
}

function hasAdvisories(dbPath: string): boolean {
  try {
    const s = AdvisoryStore.open(dbPath, { readonly: true });
    const empty = s.isEmpty();
    s.close();
    return !empty;
  } catch {
    return false;
  }
}
