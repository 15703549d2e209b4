/**
 * What every conformance suite needs: a temporary root filesystem to place a fixture
 * where an extractor looks for it, a scan that runs in a worker thread (so a crash,
 * a runaway allocation or an endless loop in one case is reported and the run goes
 * on), the ecosystems' own tools run with a time limit, and our packages reduced to
 * what a truth can be compared with.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Ecosystem, Package, ScanResult, ScanWarning } from '../core/types.js';
import type { PkgId } from './report.js';
import { rpmEvr } from './truth.js';

// ---------------------------------------------------------------------------------
// Scans in a worker thread

export type ScanRequest = { mode: 'image'; input: string; cacheDir: string } | { mode: 'rootfs'; dir: string };

/** How a scan ended. `threw` is a rejected promise; `crashed` a dead worker (uncaught error, out of memory). */
export type ScanOutcome =
  | { kind: 'ok'; result: ScanResult; ms: number }
  | { kind: 'threw'; stockade: boolean; code?: string; message: string; ms: number }
  | { kind: 'crashed'; message: string; ms: number }
  | { kind: 'timeout'; ms: number };

/** What scan-worker.ts posts back. */
export type WorkerReply =
  | { kind: 'ok'; result: ScanResult }
  | { kind: 'threw'; stockade: boolean; code?: string; message: string };

/** Heap cap per scan: the corpus' largest input is a few MB; a scan needing more is a bug worth seeing. */
const WORKER_HEAP_MB = 1024;

export function scanIsolated(request: ScanRequest, timeoutMs: number): Promise<ScanOutcome> {
  const started = Date.now();
  const ms = (): number => Date.now() - started;
  return new Promise((resolve) => {
    let settled = false;
    const worker = new Worker(new URL('./scan-worker.js', import.meta.url), {
      workerData: request,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: true,
      stderr: true,
    });
    // Extractors must not print; swallow anything they do so the report stays readable.
    worker.stdout.resume();
    worker.stderr.resume();
    const settle = (outcome: ScanOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout', ms: ms() }), timeoutMs);
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'ok') settle({ kind: 'ok', result: reply.result, ms: ms() });
      else settle({ kind: 'threw', stockade: reply.stockade, ...(reply.code ? { code: reply.code } : {}), message: reply.message, ms: ms() });
    });
    worker.on('error', (e: Error) => settle({ kind: 'crashed', message: `${(e as NodeJS.ErrnoException).code ?? e.name}: ${e.message}`, ms: ms() }));
    worker.on('exit', (code) => settle({ kind: 'crashed', message: `worker exited with code ${code} without a result`, ms: ms() }));
  });
}

/** One line for a scan that did not produce a result. */
export function describeFailedScan(outcome: Exclude<ScanOutcome, { kind: 'ok' }>): string {
  switch (outcome.kind) {
    case 'threw':
      return outcome.stockade ? `StockadeError ${outcome.code ?? '?'}: ${outcome.message}` : `uncaught ${outcome.message}`;
    case 'crashed':
      return `scan crashed: ${outcome.message}`;
    case 'timeout':
      return `scan did not finish within ${Math.round(outcome.ms / 1000)} s`;
  }
}

// ---------------------------------------------------------------------------------
// Temporary directories

/** All temporary files of one run live under one directory, removed at the end. */
export class Scratch {
  private constructor(readonly dir: string) {}

  static async create(): Promise<Scratch> {
    return new Scratch(await mkdtemp(join(tmpdir(), 'stockade-conformance-')));
  }

  /** A fresh empty directory for one case. */
  async caseDir(label: string): Promise<string> {
    const safe = label.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-60);
    return mkdtemp(join(this.dir, `${safe}-`));
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A file to put into a temporary root: copied from `from`, or written from `bytes`. */
export interface Placement {
  /** Path inside the root, no leading slash. */
  at: string;
  from?: string;
  bytes?: Buffer | string;
  /** Permission bits; executables need 0o755 for the binary extractors to look at them. */
  mode?: number;
}

export async function placeFiles(root: string, files: readonly Placement[]): Promise<void> {
  for (const f of files) {
    const target = join(root, f.at);
    await mkdir(dirname(target), { recursive: true });
    if (f.from !== undefined) await copyFile(f.from, target);
    else await writeFile(target, f.bytes ?? '');
    await chmod(target, f.mode ?? 0o644);
  }
}

// ---------------------------------------------------------------------------------
// External tools

export interface ToolRun {
  /** Exit code; -1 when the tool could not be started or was killed. */
  code: number;
  stdout: string;
  stderr: string;
  /** The program is not installed: the case has no truth on this machine. */
  missing: boolean;
}

export function runTool(cmd: string, args: readonly string[], options: { timeoutMs?: number; cwd?: string } = {}): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...(options.cwd ? { cwd: options.cwd } : {}) },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr, missing: false });
        const e = err as NodeJS.ErrnoException & { code?: number | string };
        if (e.code === 'ENOENT') return resolve({ code: -1, stdout: '', stderr: `${cmd}: not installed`, missing: true });
        resolve({ code: typeof e.code === 'number' ? e.code : -1, stdout, stderr: stderr || e.message, missing: false });
      },
    );
  });
}

// ---------------------------------------------------------------------------------
// Our side of a comparison

/**
 * A package's full comparable version: for deb and rpm the epoch belongs in front
 * (`1:2.3-4`), whether the extractor kept it inside `version` or in `epoch`. For rpm
 * an epoch of 0 is left out, as on the truth side (truth.ts `rpmEvr`).
 */
export function comparableVersion(p: Pick<Package, 'version' | 'epoch' | 'ecosystem'>): string {
  if (p.version.includes(':')) return p.version;
  if (p.ecosystem === 'rpm') return rpmEvr(p.epoch, p.version);
  if (p.ecosystem === 'deb' && p.epoch !== undefined) return `${p.epoch}:${p.version}`;
  return p.version;
}

export function packagesOf(result: ScanResult, ecosystem: Ecosystem): PkgId[] {
  return result.packages.filter((p) => p.ecosystem === ecosystem).map((p) => ({ name: p.name, version: comparableVersion(p), ...(p.arch ? { arch: p.arch } : {}) }));
}

/** Warnings about one file (`/var/lib/dpkg/status`), whatever extractor raised them. */
export function warningsAbout(result: ScanResult, absPath: string): ScanWarning[] {
  return result.warnings.filter((w) => w.input === absPath || w.input.startsWith(`${absPath} `));
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping order. `fn` must not throw. */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
