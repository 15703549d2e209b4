/**
 * `stockade db update`: fetch osv.dev's per-ecosystem archives (or a mirror's: an
 * `https://` base or a `file:` directory laid out the same way, `<base>/<Ecosystem>/all.zip`)
 * and import them. Each download streams to a temp file in the cache dir and is only
 * imported once complete; the import is one transaction, so a failed or interrupted
 * update leaves the previous database intact. An archive whose Last-Modified/ETag is
 * unchanged since the last update is not downloaded again.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { StockadeError } from '../core/errors.js';
import { DEFAULT_SOURCE_LIMITS, importInput, type InputReport } from './import.js';
import type { AdvisoryStore } from './store.js';

export const DEFAULT_DB_REPOSITORY = 'https://osv-vulnerabilities.storage.googleapis.com';

/** OSV ecosystems Stockade matches (see vulndb/drivers). */
export const UPDATE_ECOSYSTEMS = ['Debian', 'Ubuntu', 'Alpine', 'AlmaLinux', 'Rocky Linux', 'npm', 'PyPI', 'Go', 'Maven', 'RubyGems', 'crates.io', 'Packagist', 'NuGet'] as const;

export interface UpdateOptions {
  repository: string;
  ecosystems: readonly string[];
  cacheDir: string;
  /** Per request. */
  timeoutMs: number;
  /** Largest archive accepted. */
  maxDownloadBytes: number;
  log?: (line: string) => void;
}

export interface EcosystemReport {
  ecosystem: string;
  status: 'imported' | 'unchanged' | 'missing' | 'failed';
  detail?: string;
  report?: InputReport;
}

interface Validators {
  etag?: string;
  lastModified?: string;
}

async function readValidators(file: string): Promise<Record<string, Validators>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, Validators>;
  } catch {
    return {};
  }
}

/** Holds `db/update.lock` while an update runs; a lock older than an hour is stale. */
async function withLock<T>(cacheDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(cacheDir, 'db', 'update.lock');
  await mkdir(join(cacheDir, 'db'), { recursive: true, mode: 0o700 });
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = await stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 3600_000) {
        await rm(lock, { force: true });
        continue;
      }
      if (attempt > 600) throw new StockadeError('cache_error', lock, 'another `stockade db update` has held the lock for 10 minutes');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

async function download(url: string, dest: string, options: UpdateOptions, validators: Validators): Promise<{ notModified: boolean; validators: Validators } | { missing: true }> {
  if (url.startsWith('file:')) {
    const path = fileURLToPath(url);
    const st = await stat(path).catch(() => undefined);
    if (!st) return { missing: true };
    if (st.size > options.maxDownloadBytes) throw new StockadeError('limit_exceeded', url, `archive is ${st.size} bytes, over the ${options.maxDownloadBytes}-byte limit`);
    const lastModified = st.mtime.toUTCString();
    if (validators.lastModified === lastModified) return { notModified: true, validators };
    await writeFile(dest, await readFile(path));
    return { notModified: false, validators: { lastModified } };
  }
  if (!url.startsWith('https://') && !url.startsWith('http://')) throw new StockadeError('usage', url, 'the database repository must be an https://, http:// or file: URL');
  const headers: Record<string, string> = {};
  if (validators.etag) headers['if-none-match'] = validators.etag;
  if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new StockadeError('not_found', url, `cannot download (${cause === 'TimeoutError' ? 'timed out' : cause})`);
  }
  if (response.status === 304) return { notModified: true, validators };
  if (response.status === 404) return { missing: true };
  if (!response.ok || !response.body) throw new StockadeError('not_found', url, `download failed: HTTP ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > options.maxDownloadBytes) throw new StockadeError('limit_exceeded', url, `archive is ${declared} bytes, over the ${options.maxDownloadBytes}-byte limit`);
  let received = 0;
  const limit = options.maxDownloadBytes;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) body.destroy(new StockadeError('limit_exceeded', url, `archive exceeds the ${limit}-byte limit`));
  });
  await pipeline(body, createWriteStream(dest, { mode: 0o600 }));
  const next: Validators = {};
  const etag = response.headers.get('etag');
  const lastModified = response.headers.get('last-modified');
  if (etag) next.etag = etag;
  if (lastModified) next.lastModified = lastModified;
  return { notModified: false, validators: next };
}

/** More changed records than this: the whole archive is cheaper than one request each. */
const INCREMENTAL_MAX = 2000;

/** Small documents (modified_id.csv, one record) from http(s) or file: URLs, size-capped. */
async function fetchBytes(url: string, maxBytes: number, timeoutMs: number): Promise<Buffer | undefined> {
  if (url.startsWith('file:')) {
    const path = fileURLToPath(url);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile() || st.size > maxBytes) return undefined;
    return readFile(path);
  }
  const response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) return undefined;
  const bytes = Buffer.from(await response.arrayBuffer());
  return bytes.length > maxBytes ? undefined : bytes;
}

/**
 * Incremental update by `modified` time: osv.dev publishes `<Ecosystem>/modified_id.csv`
 * (`<modified>,<id>` per line). When the store already holds this ecosystem, fetch only
 * the records modified since its newest one. Undefined means "do a full download".
 */
async function incrementalUpdate(store: AdvisoryStore, base: string, ecosystem: string, options: UpdateOptions, tmpDir: string): Promise<InputReport | undefined> {
  const since = store.source(`osv:${ecosystem}`)?.newestModified;
  if (!since) return undefined;
  const dir = `${base}/${encodeURIComponent(ecosystem)}`;
  const csv = await fetchBytes(`${dir}/modified_id.csv`, 256 * 1024 * 1024, options.timeoutMs).catch(() => undefined);
  if (!csv) return undefined;
  const changed: string[] = [];
  for (const raw of csv.toString('utf8').split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    // Anything but `<RFC 3339 time>,<id>` (an HTML error page, a proxy's notice) means
    // this mirror has no usable index: fall back to the full archive.
    const m = /^(\d{4}-\d{2}-\d{2}T[0-9:.]+Z),([A-Za-z0-9._:-]{1,200})$/.exec(line);
    if (!m) return undefined;
    if ((m[1] as string) > since) changed.push(m[2] as string);
    if (changed.length > INCREMENTAL_MAX) return undefined;
  }
  const work = join(tmpDir, `osv-incremental-${randomBytes(8).toString('hex')}`);
  await mkdir(work, { recursive: true, mode: 0o700 });
  try {
    for (const id of changed) {
      const body = await fetchBytes(`${dir}/${encodeURIComponent(id)}.json`, DEFAULT_SOURCE_LIMITS.maxRecordBytes, options.timeoutMs);
      if (!body) return undefined;
      await writeFile(join(work, `${id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`), body, { mode: 0o600 });
    }
    if (changed.length === 0) return { input: `${dir}/modified_id.csv`, source: 'osv', imported: 0, unchanged: 0, skipped: 0, skipReasons: [], seconds: 0 };
    const report = await importInput(store, work, DEFAULT_SOURCE_LIMITS, `osv:${ecosystem}`);
    report.input = `${dir}/modified_id.csv (${changed.length} changed)`;
    return report;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A maintenance page or a proxy's error body must not be imported as "no advisories". */
async function assertZip(file: string, url: string): Promise<void> {
  const fh = await open(file, 'r');
  const head = Buffer.alloc(4);
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  const sig = head.readUInt32LE(0);
  if (sig !== 0x04034b50 && sig !== 0x06054b50) {
    const text = head.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
    throw new StockadeError('malformed_input', url, `not a zip archive (starts with "${text}"): a proxy or error page?`);
  }
}

export async function updateDatabase(store: AdvisoryStore, options: UpdateOptions): Promise<EcosystemReport[]> {
  return withLock(options.cacheDir, async () => {
    const tmpDir = join(options.cacheDir, 'tmp');
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const validatorsFile = join(options.cacheDir, 'db', 'download-validators.json');
    const validators = await readValidators(validatorsFile);
    const reports: EcosystemReport[] = [];
    const base = options.repository.replace(/\/+$/, '');
    let unreachable: string | undefined;
    for (const ecosystem of options.ecosystems) {
      // When the repository cannot be reached at all, every other archive would wait
      // out the same timeout: report them failed at once.
      if (unreachable) {
        reports.push({ ecosystem, status: 'failed', detail: unreachable });
        continue;
      }
      const url = `${base}/${encodeURIComponent(ecosystem)}/all.zip`;
      const tmp = join(tmpDir, `osv-${randomBytes(8).toString('hex')}.zip`);
      try {
        const incremental = await incrementalUpdate(store, base, ecosystem, options, tmpDir).catch(() => undefined);
        if (incremental) {
          reports.push(incremental.imported + incremental.skipped === 0 ? { ecosystem, status: 'unchanged' } : { ecosystem, status: 'imported', report: incremental });
          continue;
        }
        options.log?.(`fetching ${url}`);
        const got = await download(url, tmp, options, validators[ecosystem] ?? {});
        if ('missing' in got) {
          reports.push({ ecosystem, status: 'missing', detail: `${url} not found` });
          continue;
        }
        if (got.notModified) {
          reports.push({ ecosystem, status: 'unchanged' });
          continue;
        }
        await assertZip(tmp, url);
        const report = await importInput(store, tmp, DEFAULT_SOURCE_LIMITS, `osv:${ecosystem}`);
        report.input = url;
        validators[ecosystem] = got.validators;
        reports.push({ ecosystem, status: 'imported', report });
      } catch (e) {
        const detail = e instanceof StockadeError ? e.oneLine : (e as Error).message;
        if (e instanceof StockadeError && e.message.startsWith('cannot download')) unreachable = detail;
        reports.push({ ecosystem, status: 'failed', detail });
      } finally {
        await rm(tmp, { force: true });
      }
    }
    await writeFile(validatorsFile, JSON.stringify(validators, null, 2), { mode: 0o600 });
    return reports;
  });
}
