/**
 * A real, private dockerd for enforcement tests (Debian's docker.io 20.10 here):
 * started as root with vfs storage, no bridge, no iptables, its own data-root,
 * exec-root (where it runs its own containerd), pidfile and unix socket, optionally
 * a TLS TCP listener whose client certificates (made with openssl) give the
 * authorization plugin a `User`, and optionally `--authorization-plugin=NAME` with the
 * spec file /etc/docker/plugins/NAME.spec. Everything is removed by stop(), and the
 * daemon is killed when the test process exits, whatever happens.
 *
 * Images come from craft-image.ts archives (`docker load`); the one here holds a tiny
 * static x86-64 program that pauses forever, so containers really run without any
 * toolchain or base image.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDockerArchive } from './craft-image.js';

export const DOCKERD = '/usr/sbin/dockerd';
export const PLUGIN_SPEC_DIR = '/etc/docker/plugins';

/** Why dockerd tests cannot run here, or undefined when they can. */
export function dockerdUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'dockerd tests need Linux';
  if (process.getuid?.() !== 0) return 'dockerd tests need root';
  if (!existsSync(DOCKERD)) return `${DOCKERD} not installed`;
  if (spawnSync('docker', ['--version']).status !== 0) return 'docker CLI not installed';
  return undefined;
}

// ---------------------------------------------------------------------------------
// TLS material: a CA, a server certificate for 127.0.0.1, one client cert per user.

export interface TlsMaterial {
  ca: string;
  serverCert: string;
  serverKey: string;
  clients: Record<string, { cert: string; key: string }>;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

export function makeTlsMaterial(dir: string, users: readonly string[]): TlsMaterial {
  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=stockade test CA'], dir);
  const issue = (name: string, subject: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subject], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
  };
  issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  const clients: TlsMaterial['clients'] = {};
  for (const u of users) {
    issue(`client-${u}`, `/CN=${u}`, 'extendedKeyUsage=clientAuth\n');
    clients[u] = { cert: join(dir, `client-${u}.pem`), key: join(dir, `client-${u}-key.pem`) };
  }
  return { ca: join(dir, 'ca.pem'), serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server-key.pem'), clients };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------
// Raw API calls over the unix socket

export interface ApiCall {
  method: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
}

export interface ApiAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** `message` of a JSON error answer. */
  message?: string;
}

export function dockerApi(socketPath: string, call: ApiCall): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: 'docker', ...call.headers };
    if (call.body !== undefined && !call.chunked) headers['Content-Length'] = String(Buffer.byteLength(call.body));
    const req = request({ socketPath, method: call.method, path: call.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let message: string | undefined;
        try {
          const j = JSON.parse(body) as { message?: unknown };
          if (typeof j.message === 'string') message = j.message;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ...(message !== undefined ? { message } : {}) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`${call.method} ${call.path}: no answer in 60 s`)));
    if (call.body !== undefined) {
      if (call.chunked) {
        const b = Buffer.from(call.body);
        const half = Math.max(1, Math.floor(b.length / 2));
        req.write(b.subarray(0, half));
        req.write(b.subarray(half));
      } else req.write(call.body);
    }
    req.end();
  });
}

// ---------------------------------------------------------------------------------
// The daemon

export interface DockerdOptions {
  /** `--authorization-plugin=NAME`, with NAME.spec pointing at `socket`. */
  authz?: { name: string; socket: string };
  /** Also listen on TLS TCP 127.0.0.1, verifying client certificates for these users. */
  tlsUsers?: readonly string[];
  extraArgs?: readonly string[];
  /** How long to wait for the API (default 60 s). */
  startTimeoutMs?: number;
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface Dockerd {
  dir: string;
  socket: string;
  execRoot: string;
  pid: number;
  tcp?: { host: string; tls: TlsMaterial };
  /** The docker CLI against this daemon (unix socket, or TLS as `user`). */
  docker(args: readonly string[], opts?: { user?: string; input?: Buffer }): Promise<CliResult>;
  api(call: ApiCall): Promise<ApiAnswer>;
  log(): string;
  stop(): Promise<void>;
}

/** Daemons started here and not yet stopped: pid and exec-root (containerd's pid file is under it). */
const running = new Map<ChildProcess, string>();
let exitHookInstalled = false;

function killHard(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** containerd runs in its own process group: find it by the pid file dockerd keeps. */
function containerdPid(execRoot: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(execRoot, 'containerd', 'containerd.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    // A stale pid file must not kill whatever process has the number now.
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return comm === 'containerd' && cmdline.includes(execRoot) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function killAll(): void {
  for (const [p, execRoot] of running) {
    const c = containerdPid(execRoot);
    if (p.pid) killHard(p.pid);
    if (c) killHard(c);
  }
  running.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: Buffer): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.on('error', reject);
    p.on('close', (code) => resolve({ status: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    p.stdin.end(input);
  });
}

/** Mount points at or under `dir` (deepest first), from /proc/self/mountinfo. */
function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const decoded = mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (decoded === dir || decoded.startsWith(`${dir}/`)) out.push(decoded);
  }
  return out.sort((a, b) => b.length - a.length);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = failed();
    if (why) throw new Error(why);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`dockerd did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startDockerd(opts: DockerdOptions = {}): Promise<Dockerd> {
  installExitHook();
  // Short paths: containerd's socket under the exec-root must fit in sun_path (108 bytes).
  const dir = mkdtempSync(join(tmpdir(), 'sk-dockerd-'));
  const dataRoot = join(dir, 'data');
  const execRoot = join(dir, 'exec');
  const socket = join(dir, 'api.sock');
  const cliConfig = join(dir, 'cli');
  mkdirSync(cliConfig);
  const args = [
    '--storage-driver=vfs',
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    `--data-root=${dataRoot}`,
    `--exec-root=${execRoot}`,
    `--pidfile=${join(dir, 'dockerd.pid')}`,
    '-H',
    `unix://${socket}`,
    '--log-level=info',
    '--shutdown-timeout=2',
  ];
  let specFile: string | undefined;
  if (opts.authz) {
    mkdirSync(PLUGIN_SPEC_DIR, { recursive: true });
    specFile = join(PLUGIN_SPEC_DIR, `${opts.authz.name}.spec`);
    writeFileSync(specFile, `unix://${opts.authz.socket}\n`);
    args.push(`--authorization-plugin=${opts.authz.name}`);
  }
  let tcp: Dockerd['tcp'];
  if (opts.tlsUsers) {
    const tls = makeTlsMaterial(join(dir, 'tls'), opts.tlsUsers);
    const port = await freePort();
    tcp = { host: `tcp://127.0.0.1:${port}`, tls };
    args.push('-H', tcp.host, '--tlsverify', `--tlscacert=${tls.ca}`, `--tlscert=${tls.serverCert}`, `--tlskey=${tls.serverKey}`);
  }
  args.push(...(opts.extraArgs ?? []));
  const logFile = join(dir, 'dockerd.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(DOCKERD, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.set(child, execRoot);
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    running.delete(child);
    exited = `dockerd exited (${code ?? signal}) before it was ready`;
  });
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  const cliEnv = (user?: string): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: cliConfig };
    delete env['DOCKER_CONTEXT'];
    delete env['DOCKER_TLS_VERIFY'];
    delete env['DOCKER_CERT_PATH'];
    if (user !== undefined) {
      if (!tcp) throw new Error('this daemon has no TLS listener');
      env['DOCKER_HOST'] = tcp.host;
    } else env['DOCKER_HOST'] = `unix://${socket}`;
    return env;
  };
  const docker: Dockerd['docker'] = (cliArgs, o = {}) => {
    const prefix: string[] = [];
    if (o.user !== undefined) {
      const c = tcp?.tls.clients[o.user];
      if (!tcp || !c) throw new Error(`no client certificate for ${o.user}`);
      prefix.push('--tlsverify', `--tlscacert=${tcp.tls.ca}`, `--tlscert=${c.cert}`, `--tlskey=${c.key}`);
    }
    return run('docker', [...prefix, ...cliArgs], cliEnv(o.user), o.input);
  };

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      // Containers first (a paused PID 1 ignores SIGTERM, and shutdown would wait for it).
      const list = await dockerApi(socket, { method: 'GET', path: '/containers/json?all=1' }).catch(() => undefined);
      if (list?.status === 200) {
        for (const c of JSON.parse(list.body) as Array<{ Id: string }>) await dockerApi(socket, { method: 'DELETE', path: `/containers/${c.Id}?force=1` }).catch(() => undefined);
      }
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000));
      if ((await Promise.race([gone, timeout])) === 'timeout') {
        killHard(child.pid);
        await gone;
      }
    }
    const c = containerdPid(execRoot);
    if (c) killHard(c);
    running.delete(child);
    if (specFile) rmSync(specFile, { force: true });
    for (const m of mountsUnder(dir)) spawnSync('umount', ['-l', m]);
    if (mountsUnder(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(async () => (await dockerApi(socket, { method: 'GET', path: '/_ping' })).status === 200, opts.startTimeoutMs ?? 60_000, () => (exited ? `${exited}:\n${log().slice(-3000)}` : undefined));
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, socket, execRoot, pid: child.pid ?? 0, ...(tcp ? { tcp } : {}), docker, api: (call) => dockerApi(socket, call), log, stop };
}

/** A random plugin name, so parallel runs and leftovers never collide. */
export function testPluginName(): string {
  return `stockade-test-${randomBytes(4).toString('hex')}`;
}

// ---------------------------------------------------------------------------------
// A runnable image without a toolchain

/**
 * A 129-byte static ELF for x86-64 that calls pause(2) in a loop: a container that
 * runs until killed. Written byte by byte (ELF header, one PT_LOAD program header,
 * `mov eax, 34; syscall; jmp start`).
 */
export function pauseExecutable(): Buffer {
  const code = Buffer.from([0xb8, 0x22, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7]);
  const total = 64 + 56 + code.length;
  const base = 0x400000n;
  const b = Buffer.alloc(total);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // ELF, 64-bit, little-endian, version 1, System V
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(0x3e, 18); // x86-64
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(base + 120n, 24); // entry
  b.writeBigUInt64LE(64n, 32); // program headers right after the ELF header
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(1, 56);
  b.writeUInt16LE(64, 58);
  const ph = 64;
  b.writeUInt32LE(1, ph); // PT_LOAD
  b.writeUInt32LE(5, ph + 4); // R+X
  b.writeBigUInt64LE(0n, ph + 8);
  b.writeBigUInt64LE(base, ph + 16);
  b.writeBigUInt64LE(base, ph + 24);
  b.writeBigUInt64LE(BigInt(total), ph + 32);
  b.writeBigUInt64LE(BigInt(total), ph + 40);
  b.writeBigUInt64LE(0x1000n, ph + 48);
  code.copy(b, 120);
  return b;
}

/** True when pauseExecutable() runs on this machine. */
export function canRunPauseExecutable(): boolean {
  return arch() === 'x64';
}

/** Writes a docker-save archive of a one-layer image: /pause, /etc/passwd (root, app 1000), CMD /pause. */
export async function writePauseImage(file: string, repoTag: string): Promise<void> {
  await writeDockerArchive(file, {
    style: 'legacy',
    repoTags: [repoTag],
    config: { Cmd: ['/pause'], Env: ['PATH=/'] },
    layers: [
      {
        entries: [
          { path: 'pause', content: pauseExecutable(), mode: 0o755 },
          { path: 'etc/', type: 'dir' },
          { path: 'etc/passwd', content: 'root:x:0:0:root:/:/pause\napp:x:1000:1000:app:/:/pause\n' },
          { path: 'etc/group', content: 'root:x:0:\napp:x:1000:\n' },
        ],
      },
    ],
  });
}
