/**
 * Credentials for a registry host, from (first match wins):
 *
 * 1. explicit `username`/`password` options: only for the image's own registry
 *    (`explicitRegistry`), never for a mirror or a token service on another host;
 * 2. `hostCredentials`: explicit credentials per host (registries, mirrors, token hosts);
 * 3. STOCKADE_USERNAME / STOCKADE_PASSWORD: for the host named by STOCKADE_REGISTRY, or
 *    for every registry (not for token services on other hosts) when it is unset;
 * 4. Docker's config.json ($DOCKER_CONFIG/config.json, else ~/.docker/config.json):
 *    `credHelpers[host]`, else `credsStore`, through the docker-credential-<name>
 *    protocol (`get`, server URL on stdin, `{"Username","Secret"}` on stdout); then
 *    `auths[host]` (`auth` = base64 user:password, or `username`/`password`, or
 *    `identitytoken` for the OAuth2 refresh-token grant).
 *
 * Docker Hub is one registry under many names: `https://index.docker.io/v1/` (what
 * `docker login` writes), `docker.io`, `index.docker.io`, `registry-1.docker.io`.
 * Config keys are matched by host (scheme and path stripped), as Docker does.
 * Secrets never appear in messages: `source` says where credentials came from.
 */
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { StockadeError } from '../core/errors.js';

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker config `identitytoken`, helper Username `<token>`). */
  identityToken?: string;
  /** Where they came from, for messages: `--username`, `docker config auths[...]`, `docker-credential-pass`. Never the secret. */
  source: string;
}

export interface CredentialOptions {
  /** For the image's own registry only. */
  username?: string;
  password?: string;
  /** Explicit credentials per host[:port] (Docker Hub aliases allowed). */
  hostCredentials?: Record<string, { username: string; password: string }>;
  /** Environment (STOCKADE_*, DOCKER_CONFIG, HOME, PATH for helpers). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Path of a Docker config.json, instead of $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
  dockerConfigPath?: string;
  /** Timeout for a docker-credential helper, ms. Default 30 000. */
  helperTimeoutMs?: number;
}

export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const MAX_HELPER_OUTPUT = 64 * 1024;

/**
 * The host a config key or registry name stands for, lower-cased: scheme and path
 * stripped, every Docker Hub alias folded into `docker.io`.
 */
export function credentialHost(keyOrHost: string): string {
  let h = keyOrHost.trim().toLowerCase();
  h = h.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = h.indexOf('/');
  if (slash !== -1) h = h.slice(0, slash);
  if (HUB_ALIASES.has(h)) return 'docker.io';
  return h;
}

const authEntrySchema = z
  .object({
    auth: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    identitytoken: z.string().optional(),
  })
  .passthrough();

const dockerConfigSchema = z
  .object({
    auths: z.record(z.string(), authEntrySchema).optional(),
    credHelpers: z.record(z.string(), z.string()).optional(),
    credsStore: z.string().optional(),
  })
  .passthrough();
type DockerConfig = z.infer<typeof dockerConfigSchema>;

const helperOutputSchema = z.object({ Username: z.string().optional(), Secret: z.string() }).passthrough();

/** The config.json path Docker would use. */
export function dockerConfigPath(options: Pick<CredentialOptions, 'env' | 'dockerConfigPath'>): string {
  if (options.dockerConfigPath) return options.dockerConfigPath;
  const env = options.env ?? process.env;
  if (env['DOCKER_CONFIG']) return join(env['DOCKER_CONFIG'], 'config.json');
  return join(env['HOME'] || homedir(), '.docker', 'config.json');
}

export class CredentialResolver {
  private config: Promise<DockerConfig | undefined> | undefined;
  private readonly memo = new Map<string, Promise<RegistryCredentials | undefined>>();
  private readonly env: NodeJS.ProcessEnv;

  /** `explicitRegistry`: the registry the explicit username/password belong to. */
  constructor(private readonly options: CredentialOptions = {}, private readonly explicitRegistry?: string) {
    this.env = options.env ?? process.env;
    if ((options.username === undefined) !== (options.password === undefined)) {
      throw new StockadeError('usage', options.username ?? '--password', '--username and --password go together: give both or neither');
    }
  }

  /**
   * Credentials for `host` (host[:port]). role 'realm': the host is a token service on
   * another host than the registry; only credentials configured for that host count
   * (not the explicit ones, not STOCKADE_* without STOCKADE_REGISTRY).
   */
  get(host: string, role: 'registry' | 'realm' = 'registry'): Promise<RegistryCredentials | undefined> {
    const key = `${role}\0${credentialHost(host)}`;
    let hit = this.memo.get(key);
    if (!hit) {
      hit = this.resolve(host, role);
      this.memo.set(key, hit);
      // A failure (helper timed out) is not remembered.
      hit.catch(() => this.memo.delete(key));
    }
    return hit;
  }

  private async resolve(host: string, role: 'registry' | 'realm'): Promise<RegistryCredentials | undefined> {
    const want = credentialHost(host);
    const o = this.options;
    if (role === 'registry' && o.username !== undefined && o.password !== undefined && this.explicitRegistry !== undefined && credentialHost(this.explicitRegistry) === want) {
      return { username: o.username, password: o.password, source: '--username/--password' };
    }
    for (const [k, v] of Object.entries(o.hostCredentials ?? {})) {
      if (credentialHost(k) === want) return { username: v.username, password: v.password, source: `credentials for ${k}` };
    }
    const user = this.env['STOCKADE_USERNAME'];
    const pass = this.env['STOCKADE_PASSWORD'];
    if (user !== undefined && pass !== undefined && user !== '') {
      const bound = this.env['STOCKADE_REGISTRY'];
      if (bound ? credentialHost(bound) === want : role === 'registry') return { username: user, password: pass, source: 'STOCKADE_USERNAME/STOCKADE_PASSWORD' };
    }
    return this.fromDockerConfig(host, want);
  }

  private loadConfig(): Promise<DockerConfig | undefined> {
    this.config ??= readDockerConfig(dockerConfigPath({ env: this.env, ...(this.options.dockerConfigPath ? { dockerConfigPath: this.options.dockerConfigPath } : {}) }));
    return this.config;
  }

  private async fromDockerConfig(host: string, want: string): Promise<RegistryCredentials | undefined> {
    const config = await this.loadConfig();
    if (!config) return undefined;
    const file = dockerConfigPath({ env: this.env, ...(this.options.dockerConfigPath ? { dockerConfigPath: this.options.dockerConfigPath } : {}) });
    const match = <T>(rec: Record<string, T> | undefined): [string, T] | undefined => {
      if (!rec) return undefined;
      // An exact key first, then any key naming the same host.
      if (Object.prototype.hasOwnProperty.call(rec, host)) return [host, rec[host] as T];
      return Object.entries(rec).find(([k]) => credentialHost(k) === want);
    };
    const serverUrl = (key: string | undefined): string => key ?? (want === 'docker.io' ? DOCKER_HUB_CONFIG_KEY : host);

    const helper = match(config.credHelpers);
    const authEntry = match(config.auths);
    if (helper) return this.callHelper(helper[1], serverUrl(helper[0]));
    if (config.credsStore) {
      const fromStore = await this.callHelper(config.credsStore, serverUrl(authEntry?.[0]));
      if (fromStore) return fromStore;
    }
    if (!authEntry) return undefined;
    const [key, entry] = authEntry;
    const source = `${file} auths[${JSON.stringify(key)}]`;
    if (entry.identitytoken) return { identityToken: entry.identitytoken, ...(entry.username ? { username: entry.username } : {}), source };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw new StockadeError('malformed_input', file, `auths[${JSON.stringify(key)}].auth is not base64 of "user:password"`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source };
    }
    if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password, source };
    return undefined;
  }

  private async callHelper(name: string, serverUrl: string): Promise<RegistryCredentials | undefined> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw new StockadeError('malformed_input', `docker-credential-${name}`, 'credential helper name may hold only letters, digits, ".", "_" and "-"');
    }
    const program = `docker-credential-${name}`;
    const out = await runHelper(program, serverUrl, this.env, this.options.helperTimeoutMs ?? 30_000);
    if (out === undefined) return undefined;
    let parsed: z.infer<typeof helperOutputSchema>;
    try {
      const r = helperOutputSchema.safeParse(JSON.parse(out));
      if (!r.success) throw new Error('schema');
      parsed = r.data;
    } catch {
      throw new StockadeError('malformed_input', program, `answered "get ${serverUrl}" with something other than {"Username","Secret"} JSON`);
    }
    if (parsed.Username === '<token>') return { identityToken: parsed.Secret, source: program };
    if (!parsed.Username && !parsed.Secret) return undefined;
    return { username: parsed.Username ?? '', password: parsed.Secret, source: program };
  }
}

async function readDockerConfig(file: string): Promise<DockerConfig | undefined> {
  let bytes: Buffer;
  try {
    const fh = await open(file, 'r');
    try {
      const st = await fh.stat();
      if (st.size > MAX_CONFIG_BYTES) throw new StockadeError('limit_exceeded', file, `Docker config is ${st.size} bytes, more than ${MAX_CONFIG_BYTES}`);
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof StockadeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new StockadeError('not_found', file, `cannot read Docker config: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new StockadeError('malformed_input', file, 'Docker config is not valid JSON');
  }
  const parsed = dockerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StockadeError('malformed_input', file, `Docker config is not valid at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'schema mismatch'}`);
  }
  return parsed.data;
}

/**
 * Runs `docker-credential-<name> get` with the server URL on stdin. Resolves with its
 * stdout, or undefined when the helper says it has no credentials for that server.
 */
function runHelper(program: string, serverUrl: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    let done = false;
    const finish = (f: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(new StockadeError('limit_exceeded', program, `credential helper did not answer within ${Math.round(timeoutMs / 100) / 10} s`)));
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      if (out.length > MAX_HELPER_OUTPUT) {
        child.kill('SIGKILL');
        finish(() => reject(new StockadeError('limit_exceeded', program, `credential helper wrote more than ${MAX_HELPER_OUTPUT} bytes`)));
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString('utf8')).slice(-4096);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      const problem = e.code === 'ENOENT' ? 'credential helper not found in PATH (configured in Docker config.json)' : `cannot run credential helper: ${e.message}`;
      finish(() => reject(new StockadeError('not_found', program, problem)));
    });
    child.on('close', (code) => {
      finish(() => {
        if (code === 0) resolve(out);
        else if (/credentials not found/i.test(out + err)) resolve(undefined);
        else {
          // The helper's own words, first line only (it never echoes the secret on failure).
          const said = (out.trim() || err.trim()).split('\n')[0]?.slice(0, 200) ?? '';
          reject(new StockadeError('not_found', program, `credential helper failed (exit ${code})${said ? `: ${said}` : ''}`));
        }
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
}
