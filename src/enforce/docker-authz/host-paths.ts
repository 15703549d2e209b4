/**
 * Host paths as the kernel will resolve them when dockerd bind-mounts them: the plugin
 * runs on the daemon's host, so a bind source is normalised (`..`, `//`, relative
 * paths against `/`) and resolved with realpath as far as it exists (a symlink in any
 * component, `/var/run` -> `/run`, an alias of the socket). And the engine's own API
 * sockets: the defaults, the configured ones, and the ones named on running dockerd
 * command lines (`-H unix://...`, `--exec-root`, `--containerd`), so a daemon listening
 * on `/srv/engine/api.sock` is protected by path, not just by the name `docker.sock`.
 */
import { realpathSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { posix } from 'node:path';

/** `..`, `.`, `//` and a trailing `/` removed; a relative path is taken from `/` (dockerd's working directory). */
export function lexicalHostPath(source: string): string {
  return posix.resolve('/', source);
}

const MAX_RESOLVE_DEPTH = 64;

/**
 * realpath of the longest existing prefix, plus the rest: `/tmp/link/new-dir` with
 * `/tmp/link -> /run` is `/run/new-dir` (dockerd creates missing bind sources of
 * `Binds`). A loop or an unreadable component leaves the path as written.
 *
 * Synchronous on purpose: realpath(3) on a local path is a few syscalls, while the
 * promise version is a round trip through libuv's thread pool that, on a busy host,
 * put create decisions' p99 at 10 ms instead of 1.5 ms (bench/docker-authz.ts). The
 * price: a bind source on a hung network filesystem stalls the plugin, as it would
 * stall dockerd's own mount of it.
 */
export async function resolveHostPath(path: string): Promise<string> {
  let head = lexicalHostPath(path);
  const tail: string[] = [];
  for (let i = 0; i < MAX_RESOLVE_DEPTH; i++) {
    try {
      const real = realpathSync.native(head);
      return tail.length ? posix.join(real, ...tail.reverse()) : real;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || head === '/') return lexicalHostPath(path);
      tail.push(posix.basename(head));
      head = posix.dirname(head);
    }
  }
  return lexicalHostPath(path);
}

/** The host path and the path it resolves to, without repeats. */
export async function hostPathCandidates(source: string): Promise<string[]> {
  const lexical = lexicalHostPath(source);
  const real = await resolveHostPath(lexical);
  return real === lexical ? [lexical] : [lexical, real];
}

/** True when mounting `mounted` gives access to `target` (the same path, or a directory above it). */
export function reaches(mounted: string, target: string): boolean {
  if (mounted === target) return true;
  if (mounted === '/') return true;
  return target.startsWith(`${mounted}/`);
}

export interface EngineSocket {
  /** Where it was found (as configured or on a command line). */
  path: string;
  /** The path it resolves to now. */
  real: string;
  /** The name the Compose rules know this kind of socket by. */
  canonical: string;
}

export const DOCKER_SOCKET = '/var/run/docker.sock';
export const CONTAINERD_SOCKET = '/run/containerd/containerd.sock';

const DEFAULT_SOCKETS: ReadonlyArray<readonly [string, string]> = [
  ['/var/run/docker.sock', DOCKER_SOCKET],
  ['/run/docker.sock', DOCKER_SOCKET],
  ['/run/containerd/containerd.sock', CONTAINERD_SOCKET],
  ['/var/run/docker/containerd/containerd.sock', CONTAINERD_SOCKET],
];

/** `-H unix:///x`, `--host=unix:///x`, `--exec-root E` (containerd under it), `--containerd S`. */
export function socketsFromDockerdArgs(args: readonly string[]): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  const value = (i: number, flag: string): string | undefined => {
    const a = args[i] as string;
    if (a === flag) return args[i + 1];
    if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
    if (flag.length === 2 && a.startsWith(flag) && a.length > 2) return a.slice(2);
    return undefined;
  };
  for (let i = 0; i < args.length; i++) {
    const host = value(i, '-H') ?? value(i, '--host');
    if (host !== undefined) {
      const m = /^unix:\/\/(.+)$/.exec(host);
      if (m && m[1]) out.push([m[1], DOCKER_SOCKET]);
    }
    const execRoot = value(i, '--exec-root');
    if (execRoot) out.push([posix.join(execRoot, 'containerd', 'containerd.sock'), CONTAINERD_SOCKET]);
    const containerd = value(i, '--containerd');
    if (containerd) out.push([containerd.replace(/^unix:\/\//, ''), CONTAINERD_SOCKET]);
  }
  return out;
}

/** Command lines of running `dockerd` processes, from /proc. */
async function dockerdCommandLines(): Promise<string[][]> {
  const out: string[][] = [];
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  } catch {
    return out;
  }
  // A few at a time: the reads share libuv's thread pool with the requests' realpath calls.
  const next = async (): Promise<void> => {
    for (let pid = pids.pop(); pid !== undefined; pid = pids.pop()) {
      try {
        const comm = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
        if (comm !== 'dockerd') continue;
        out.push((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((a) => a !== ''));
      } catch {
        // gone, or not ours to read
      }
    }
  };
  await Promise.all([next(), next()]);
  return out;
}

/**
 * The engine sockets, resolved. A daemon activates its plugins when it starts, and the
 * server then calls invalidate(), so the list is fresh for its first request; between
 * starts it is refreshed in the background every `ttlMs`.
 */
export class EngineSockets {
  private cached: EngineSocket[] | undefined;
  private at = 0;
  private refreshing: Promise<EngineSocket[]> | undefined;

  constructor(
    private readonly configured: readonly string[],
    private readonly discover: boolean,
    private readonly ttlMs = 60_000,
  ) {}

  /** Forget the list: the next call waits for a fresh one (a daemon just activated the plugin). */
  invalidate(): void {
    this.cached = undefined;
    this.at = 0;
  }

  async list(): Promise<EngineSocket[]> {
    const stale = Date.now() - this.at > this.ttlMs;
    if (this.cached && !stale) return this.cached;
    if (!this.refreshing) {
      this.refreshing = this.load().then(
        (v) => {
          this.cached = v;
          this.at = Date.now();
          this.refreshing = undefined;
          return v;
        },
        (e: unknown) => {
          this.refreshing = undefined;
          throw e;
        },
      );
    }
    // Serve the previous list while a refresh runs; wait only the first time.
    return this.cached ?? this.refreshing;
  }

  private async load(): Promise<EngineSocket[]> {
    const found: Array<readonly [string, string]> = [...DEFAULT_SOCKETS, ...this.configured.map((p) => [p, DOCKER_SOCKET] as const)];
    if (this.discover) for (const args of await dockerdCommandLines()) found.push(...socketsFromDockerdArgs(args.slice(1)));
    const seen = new Set<string>();
    const out: EngineSocket[] = [];
    for (const [path, canonical] of found) {
      const lexical = lexicalHostPath(path);
      const real = await resolveHostPath(lexical);
      for (const p of [lexical, real]) {
        const key = `${p}\0${canonical}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ path: lexical, real: p, canonical });
      }
    }
    return out;
  }
}
