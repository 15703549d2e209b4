/**
 * Real registries for the registry client's tests: Debian's `docker-registry`
 * (distribution 2.8) started on 127.0.0.1 with a test CA made by openssl, htpasswd
 * (bcrypt, by `htpasswd -B`) or bearer-token auth, and images pushed with skopeo.
 *
 * The token server here is the one piece we write ourselves, because distribution
 * only verifies tokens and never issues them: it answers the Docker token protocol
 * (GET realm?service=&scope= with optional Basic credentials, and the OAuth2
 * refresh-token POST) with ES256 JWTs whose header carries `x5c` = [signing cert]; the
 * registry's `rootcertbundle` is that same self-signed cert, so distribution's own
 * chain and signature checks decide whether our tokens are good.
 *
 * Everything lives under a temp dir of os.tmpdir(); every process started here is
 * killed by stop() and, as a last resort, when the test process exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOciLayout, type CraftedLayout, type EntrySpec } from './craft-image.js';

// ---------------------------------------------------------------------------------
// Tools

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, tool)));
}

/** A reason to skip (`t.skip(reason)`) when a tool the registry tests need is absent. */
export function missingRegistryTools(...extra: string[]): string | undefined {
  const absent = ['docker-registry', 'skopeo', 'openssl', 'htpasswd', ...extra].filter((t) => !onPath(t));
  return absent.length ? `not installed: ${absent.join(', ')}` : undefined;
}

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** A fresh temp directory under os.tmpdir(). */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `stockade-${prefix}-`));
}

// ---------------------------------------------------------------------------------
// PKI: a test CA, a server cert for 127.0.0.1 and localhost, a token signing cert

export interface TestPki {
  dir: string;
  /** PEM of the CA certificate. */
  caCert: string;
  caKey: string;
  /** PEM of the server certificate (SAN IP:127.0.0.1, DNS:localhost), signed by the CA. */
  serverCert: string;
  serverKey: string;
  /** A directory holding only `ca.crt`, the shape skopeo's --cert-dir wants. */
  certDir: string;
}

/** Makes a CA and a server certificate with openssl (EC P-256). */
export function makeTestPki(dir: string, name = 'Stockade Test CA'): TestPki {
  mkdirSync(dir, { recursive: true });
  const p = (f: string): string => join(dir, f);
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'),
    '-days', '3', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(p('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
  run('openssl', ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '2', '-extfile', p('server.ext')]);
  const certDir = p('certs.d');
  mkdirSync(certDir, { recursive: true });
  writeFileSync(join(certDir, 'ca.crt'), readFileSync(p('ca.crt')));
  return { dir, caCert: p('ca.crt'), caKey: p('ca.key'), serverCert: p('server.crt'), serverKey: p('server.key'), certDir };
}

export interface SigningCert {
  /** PEM certificate (also the registry's rootcertbundle). */
  cert: string;
  key: string;
  /** base64 DER, as it goes into the JWT header's x5c. */
  x5c: string;
}

/** A self-signed EC P-256 certificate that signs tokens. */
export function makeSigningCert(dir: string, name = 'Stockade Test Token Signer'): SigningCert {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, 'token-signing.crt');
  const key = join(dir, 'token-signing.key');
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '3', '-subj', `/CN=${name}`]);
  const der = new X509Certificate(readFileSync(cert)).raw;
  return { cert, key, x5c: der.toString('base64') };
}

// ---------------------------------------------------------------------------------
// Processes

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** A free TCP port on 127.0.0.1 (closed again before returning: a small race, retried by callers). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
  live.delete(child);
}

// ---------------------------------------------------------------------------------
// docker-registry

export interface TokenAuthConfig {
  realm: string;
  service: string;
  issuer: string;
  /** PEM file of the certificate(s) token signatures must chain to. */
  rootCertBundle: string;
}

export interface RegistryOptions {
  /** Storage root; several registries may serve the same one. */
  storageDir: string;
  /** TLS with this PKI's server certificate; false for plain HTTP. */
  tls: TestPki | false;
  htpasswd?: { username: string; password: string };
  token?: TokenAuthConfig;
}

export interface RunningRegistry {
  /** `127.0.0.1:<port>`. */
  host: string;
  port: number;
  /** `https://127.0.0.1:<port>` (or http). */
  url: string;
  dir: string;
  stop(): Promise<void>;
  /** What the registry printed (its log), for failure messages. */
  output(): string;
}

/** Starts `docker-registry serve` and waits until /v2/ answers. */
export async function startRegistry(opts: RegistryOptions): Promise<RunningRegistry> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startRegistryOnce(opts, await freePort());
    } catch (e) {
      last = e;
      if (!/address already in use/i.test(String(e))) throw e;
    }
  }
  throw last;
}

async function startRegistryOnce(opts: RegistryOptions, port: number): Promise<RunningRegistry> {
  const dir = tempDir('registry');
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${opts.storageDir}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (opts.tls) lines.push('  tls:', `    certificate: ${opts.tls.serverCert}`, `    key: ${opts.tls.serverKey}`);
  if (opts.htpasswd) {
    const file = join(dir, 'htpasswd');
    writeFileSync(file, run('htpasswd', ['-Bbn', opts.htpasswd.username, opts.htpasswd.password]));
    lines.push('auth:', '  htpasswd:', '    realm: stockade-test', `    path: ${file}`);
  } else if (opts.token) {
    lines.push('auth:', '  token:', `    realm: ${opts.token.realm}`, `    service: ${opts.token.service}`, `    issuer: ${opts.token.issuer}`,
      `    rootcertbundle: ${opts.token.rootCertBundle}`);
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, lines.join('\n') + '\n');

  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let log = '';
  const keep = (b: Buffer): void => {
    log = (log + b.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  };

  const ca = opts.tls ? readFileSync(opts.tls.caCert) : undefined;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry exited (${child.exitCode}): ${log}`);
    }
    const status = await probe(`${url}/v2/`, ca).catch(() => undefined);
    if (status !== undefined) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on ${url} within 15 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, port, url, dir, stop, output: () => log };
}

function probe(url: string, ca: Buffer | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { ca, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------
// Token server

export interface TokenRequestRecord {
  method: string;
  /** The scopes asked for. */
  scopes: string[];
  service: string | undefined;
  /** The user whose Basic credentials (or refresh token) came with the request, if any. */
  user: string | undefined;
  /** Whether any Authorization header came at all (even a wrong one). */
  sentAuthorization: boolean;
  grantType?: string;
}

export interface TokenServerOptions {
  pki: TestPki;
  signing: SigningCert;
  service: string;
  issuer: string;
  users: Record<string, string>;
  /** OAuth2 refresh tokens (docker config `identitytoken`) accepted, mapped to a user. */
  refreshTokens?: Record<string, string>;
  /** Repositories anonymous users may pull. */
  anonymousPull?: string[];
  /** expires_in of issued tokens, seconds (default 300). */
  expiresIn?: number;
  /** Answer with `access_token` instead of `token`. */
  accessTokenField?: boolean;
}

export interface TokenServer {
  /** The realm URL, `https://127.0.0.1:<port>/token`. */
  realm: string;
  host: string;
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** An ES256 JWT for distribution's token verifier (registry/auth/token/token.go). */
export function signRegistryToken(
  signing: SigningCert,
  claims: { issuer: string; service: string; subject: string; access: Array<{ type: string; name: string; actions: string[] }>; expiresIn: number },
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [signing.x5c] };
  const payload = {
    iss: claims.issuer,
    sub: claims.subject,
    aud: claims.service,
    exp: now + claims.expiresIn,
    nbf: now - 5,
    iat: now,
    jti: randomBytes(12).toString('hex'),
    access: claims.access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const key = createPrivateKey(readFileSync(signing.key));
  // JOSE wants r||s (IEEE P1363), not DER.
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

/** Parses `repository:name:pull,push` (the name may hold `:` only with a port, which repos do not). */
function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first === -1 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const requests: TokenRequestRecord[] = [];
  const server = createHttpsServer({ cert: readFileSync(opts.pki.serverCert), key: readFileSync(opts.pki.serverKey) }, (req, res) => {
    void handleToken(opts, requests, req, res).catch((e: unknown) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  const port = await listen(server);
  return {
    realm: `https://127.0.0.1:${port}/token`,
    host: `127.0.0.1:${port}`,
    requests,
    stop: () => closeServer(server),
  };
}

async function readRequestBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const c of req) {
    body += (c as Buffer).toString('utf8');
    if (body.length > 65536) throw new Error('body too large');
  }
  return body;
}

async function handleToken(opts: TokenServerOptions, log: TokenRequestRecord[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://token.invalid');
  if (url.pathname !== '/token') {
    res.statusCode = 404;
    res.end();
    return;
  }
  const authz = req.headers.authorization;
  let user: string | undefined;
  let authFailed = false;
  let scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
  let service = url.searchParams.get('service') ?? undefined;
  let grantType: string | undefined;
  if (req.method === 'POST') {
    const form = new URLSearchParams(await readRequestBody(req));
    grantType = form.get('grant_type') ?? undefined;
    service = form.get('service') ?? undefined;
    scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (grantType === 'refresh_token') {
      user = opts.refreshTokens?.[form.get('refresh_token') ?? ''];
      authFailed = user === undefined;
    } else if (grantType === 'password') {
      const u = form.get('username') ?? '';
      authFailed = opts.users[u] !== form.get('password');
      if (!authFailed) user = u;
    } else authFailed = true;
  } else if (authz) {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authz);
    const decoded = m ? Buffer.from(m[1] as string, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const u = decoded.slice(0, colon);
    if (colon > 0 && opts.users[u] === decoded.slice(colon + 1)) user = u;
    else authFailed = true;
  }
  log.push({ method: req.method ?? 'GET', scopes, service, user, sentAuthorization: authz !== undefined, ...(grantType ? { grantType } : {}) });
  if (authFailed) {
    res.statusCode = 401;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ details: 'incorrect username or password' }));
    return;
  }
  if (service !== opts.service) {
    res.statusCode = 400;
    res.end(JSON.stringify({ details: 'unknown service' }));
    return;
  }
  const access: Array<{ type: string; name: string; actions: string[] }> = [];
  for (const s of scopes) {
    const parsed = parseScope(s);
    if (!parsed || parsed.type !== 'repository') continue;
    const allowed = user !== undefined ? parsed.actions : (opts.anonymousPull ?? []).includes(parsed.name) ? parsed.actions.filter((a) => a === 'pull') : [];
    if (allowed.length) access.push({ ...parsed, actions: allowed });
  }
  const expiresIn = opts.expiresIn ?? 300;
  const token = signRegistryToken(opts.signing, { issuer: opts.issuer, service: opts.service, subject: user ?? '', access, expiresIn });
  res.setHeader('content-type', 'application/json');
  const field = opts.accessTokenField ? 'access_token' : 'token';
  res.end(JSON.stringify({ [field]: token, expires_in: expiresIn, issued_at: new Date().toISOString() }));
}

// ---------------------------------------------------------------------------------
// Small HTTPS servers (for hand-written hostile fakes in tests)

export interface SmallServer {
  host: string;
  port: number;
  url: string;
  stop(): Promise<void>;
}

async function listen(server: HttpsServer | import('node:http').Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

async function closeServer(server: HttpsServer | import('node:http').Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** An HTTPS server on 127.0.0.1 with the PKI's server certificate and the given handler. */
export async function startHttpsServer(pki: TestPki, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<SmallServer> {
  const server = createHttpsServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, handler);
  const port = await listen(server);
  return { host: `127.0.0.1:${port}`, port, url: `https://127.0.0.1:${port}`, stop: () => closeServer(server) };
}

// ---------------------------------------------------------------------------------
// skopeo (asynchronous: a token server in this same process must keep answering)

export interface SkopeoAuth {
  certDir?: string;
  creds?: string;
  /** Plain HTTP registry. */
  tlsVerify?: boolean;
}

/** Runs a command without blocking the event loop; resolves with stdout bytes. */
export function runAsync(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    live.add(child);
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString('utf8')).slice(-16384);
    });
    child.on('error', (e) => {
      live.delete(child);
      reject(e);
    });
    child.on('close', (code) => {
      live.delete(child);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err}`));
    });
  });
}

/** `skopeo copy [--all] [--format F] SRC DEST` to a registry. */
export async function skopeoCopy(src: string, dest: string, auth: SkopeoAuth, opts: { all?: boolean; format?: 'v2s2' | 'oci'; preserveDigests?: boolean } = {}): Promise<void> {
  const args = ['copy', '--quiet', '--retry-times', '2'];
  if (opts.all) args.push('--all');
  // Without it skopeo compresses uncompressed layers on push, changing the manifest.
  if (opts.preserveDigests) args.push('--preserve-digests');
  if (opts.format) args.push('--format', opts.format);
  if (auth.certDir) args.push('--dest-cert-dir', auth.certDir);
  if (auth.creds) args.push('--dest-creds', auth.creds);
  if (auth.tlsVerify === false) args.push('--dest-tls-verify=false');
  args.push(src, dest);
  await runAsync('skopeo', args);
}

/** `skopeo inspect [--raw|--config] docker://REF`: the oracle for digests and manifests. Raw bytes. */
export async function skopeoInspect(ref: string, auth: SkopeoAuth, opts: { raw?: boolean; config?: boolean; overrideArch?: string; overrideVariant?: string } = {}): Promise<Buffer> {
  const args: string[] = [];
  if (opts.overrideArch) args.push('--override-arch', opts.overrideArch);
  if (opts.overrideVariant) args.push('--override-variant', opts.overrideVariant);
  args.push('inspect');
  if (opts.raw) args.push('--raw');
  if (opts.config) args.push('--config');
  if (auth.certDir) args.push('--cert-dir', auth.certDir);
  if (auth.creds) args.push('--creds', auth.creds);
  if (auth.tlsVerify === false) args.push('--tls-verify=false');
  args.push(ref.startsWith('docker://') ? ref : `docker://${ref}`);
  return runAsync('skopeo', args);
}

/** sha256 of bytes as `sha256:<hex>` (for oracle output such as `skopeo inspect --raw`). */
export function sha256Of(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** `sha256sum FILE`, as `sha256:<hex>`. */
export function sha256sum(file: string): string {
  return `sha256:${run('sha256sum', [file]).split(' ')[0]}`;
}

// ---------------------------------------------------------------------------------
// The standard fixture: one storage dir with crafted images, served by a TLS +
// htpasswd registry; more registries (token auth, plain HTTP, mirrors) can serve the
// same storage.

export interface FixtureImages {
  /** `app:1` and `app:2`: one OCI image, three layers (gzip, gzip, uncompressed). */
  app: CraftedLayout;
  /** The tar entries of each layer of `app`, as written. */
  appEntries: EntrySpec[][];
  /** `multi:1`: an OCI index (nested in the layout) for linux/amd64, linux/arm64/v8 and linux/arm/v7. */
  multi: CraftedLayout;
  /** `dockerv2:1`: Docker schema 2 media types (converted by skopeo --format v2s2 from this OCI layout). */
  dockerv2: CraftedLayout;
}

export interface RegistryFixture {
  base: string;
  pki: TestPki;
  storage: string;
  username: string;
  password: string;
  /** `user:password` for skopeo. */
  creds: string;
  /** TLS + htpasswd, serving `storage`. */
  registry: RunningRegistry;
  images: FixtureImages;
  /**
   * An environment that makes tests independent of the machine: HOME is an empty dir
   * (no ~/.docker), PATH is kept (for helpers), and SSL_CERT_FILE, NODE_EXTRA_CA_CERTS,
   * DOCKER_CONFIG and STOCKADE_* are absent.
   */
  env: NodeJS.ProcessEnv;
  /** Registers cleanup to run at stop(). */
  onStop(fn: () => Promise<void> | void): void;
  stop(): Promise<void>;
}

export const APP_ENTRIES: EntrySpec[][] = [
  [
    { path: 'etc', type: 'dir' },
    { path: 'etc/os-release', content: 'ID=stockade-test\nVERSION_ID=1\n' },
    { path: 'etc/remove-me', content: 'gone in layer 1' },
    { path: 'usr', type: 'dir' },
    { path: 'usr/bin', type: 'dir' },
    { path: 'usr/bin/tool', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
    { path: 'usr/bin/alias', type: 'symlink', linkname: 'tool' },
  ],
  [
    { path: 'etc/.wh.remove-me', content: '' },
    { path: 'opt', type: 'dir' },
    { path: 'opt/app.txt', content: 'layer one\n'.repeat(1000) },
  ],
  [
    { path: 'opt/big.bin', content: Buffer.alloc(300_000, 7) },
    { path: 'opt/hardlink', type: 'link', linkname: 'opt/app.txt' },
  ],
];

export const MULTI_PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];

export async function startRegistryFixture(): Promise<RegistryFixture> {
  const base = tempDir('registry-fixture');
  const cleanups: Array<() => Promise<void> | void> = [];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c();
    rmSync(base, { recursive: true, force: true });
  };
  try {
    const pki = makeTestPki(join(base, 'pki'));
    const storage = join(base, 'storage');
    const username = 'stockade';
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const registry = await startRegistry({ storageDir: storage, tls: pki, htpasswd: { username, password } });
    cleanups.push(() => registry.stop());
    const creds = `${username}:${password}`;
    const auth = { certDir: pki.certDir, creds };

    const app = await writeOciLayout(join(base, 'layouts', 'app'), {
      layers: APP_ENTRIES.map((entries, i) => ({ entries, compression: i === 2 ? 'none' : 'gzip', createdBy: `RUN step ${i}` })),
      config: { Env: ['PATH=/usr/bin'], User: '1000', Labels: { 'org.example': 'stockade' } },
    });
    await skopeoCopy(`oci:${app.dir}:latest`, `docker://${registry.host}/app:1`, auth, { preserveDigests: true });
    await skopeoCopy(`oci:${app.dir}:latest`, `docker://${registry.host}/app:2`, auth, { preserveDigests: true });

    const multi = await writeOciLayout(join(base, 'layouts', 'multi'), {
      layers: [],
      platforms: MULTI_PLATFORMS,
      layersFor: (p) => [{ entries: [{ path: 'platform', content: `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}\n` }] }],
      nestedIndex: true,
    });
    await skopeoCopy(`oci:${multi.dir}:latest`, `docker://${registry.host}/multi:1`, auth, { all: true, preserveDigests: true });

    // skopeo's oci: transport reads only OCI-typed layouts; it converts to Docker schema 2 on push.
    const dockerv2 = await writeOciLayout(join(base, 'layouts', 'dockerv2'), {
      layers: [{ entries: [{ path: 'hello.txt', content: 'docker media types\n' }] }],
    });
    await skopeoCopy(`oci:${dockerv2.dir}:latest`, `docker://${registry.host}/dockerv2:1`, auth, { format: 'v2s2' });

    const home = join(base, 'home');
    mkdirSync(home, { recursive: true });
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home };
    return {
      base,
      pki,
      storage,
      username,
      password,
      creds,
      registry,
      images: { app, appEntries: APP_ENTRIES, multi, dockerv2 },
      env,
      onStop: (fn) => cleanups.push(fn),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface TokenRegistry {
  registry: RunningRegistry;
  tokenServer: TokenServer;
  signing: SigningCert;
  service: string;
  issuer: string;
}

/** A registry on the fixture's storage that requires bearer tokens from a token server of ours. */
export async function startTokenRegistry(fx: RegistryFixture, opts: Partial<Omit<TokenServerOptions, 'pki' | 'signing'>> = {}): Promise<TokenRegistry> {
  const signing = makeSigningCert(tempDirIn(fx.base, 'signing'));
  const service = opts.service ?? 'stockade-test-registry';
  const issuer = opts.issuer ?? 'stockade-test-issuer';
  const tokenServer = await startTokenServer({ pki: fx.pki, signing, service, issuer, users: { [fx.username]: fx.password }, ...opts });
  fx.onStop(() => tokenServer.stop());
  const registry = await startRegistry({ storageDir: fx.storage, tls: fx.pki, token: { realm: tokenServer.realm, service, issuer, rootCertBundle: signing.cert } });
  fx.onStop(() => registry.stop());
  return { registry, tokenServer, signing, service, issuer };
}

function tempDirIn(base: string, prefix: string): string {
  return mkdtempSync(join(base, `${prefix}-`));
}
