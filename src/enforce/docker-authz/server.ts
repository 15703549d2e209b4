/**
 * The plugin server: Docker's authz protocol on a unix socket (node:http), one
 * decision per AuthZReq from policy.ts, one JSON log line per decision (pino) for the
 * SIEM, Prometheus metrics at GET /metrics on the same socket.
 *
 * It fails closed: an envelope that is not JSON, nests too deep, is too large, arrives
 * too slowly, or lacks the method and URI is denied with a message, and so is any
 * internal error. Limits keep one bad client from holding memory or the event loop,
 * so other requests are answered meanwhile. AuthZRes (the daemon's response, after the
 * fact) is allowed when well-formed: the policy decides on requests; an oversized
 * response envelope (a large `docker ps`) is drained, not buffered, and allowed.
 *
 * Built apart from listen(): buildDockerAuthzServer() returns the unstarted server for
 * tests; runDockerAuthzServer() listens on the socket.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import type { ProjectConfig } from '../../config/project-config.js';
import { StockadeError } from '../../core/errors.js';
import type { TrustFacts } from '../../trust/policy.js';
import { parseRequestUri } from './api-path.js';
import { BodyError } from './go-json.js';
import { engineLookup } from './engine-api.js';
import { EngineSockets } from './host-paths.js';
import { decideRequest, ProtocolError, type AuthzDecision, type PolicyConfig, type PolicyEnv } from './policy.js';
import { ACTIVATE_PATH, AUTHZ_REQUEST_PATH, AUTHZ_RESPONSE_PATH, PLUGIN_CONTENT_TYPE, activateResponse, parseAuthzEnvelope, type AuthzRequest, type AuthzResponse } from './protocol.js';
import type { AuthzSettings } from './settings.js';

export const DEFAULT_SOCKET = '/run/docker/plugins/stockade.sock';

export interface DockerAuthzLimits {
  /** Largest AuthZReq envelope read (dockerd sends bodies under 1 MiB, base64: 1.4 MiB). */
  maxRequestBytes: number;
  /** AuthZRes envelopes up to this size are parsed; larger ones are drained and allowed. */
  maxResponseBytes: number;
  /** Time allowed for a request's headers and body to arrive. */
  bodyTimeoutMs: number;
  /** Deepest nesting of arrays/objects in an envelope or request body. */
  maxJsonDepth: number;
}

export const DEFAULT_LIMITS: DockerAuthzLimits = {
  maxRequestBytes: 4 * 1024 * 1024,
  maxResponseBytes: 8 * 1024 * 1024,
  bodyTimeoutMs: 5000,
  maxJsonDepth: 64,
};

export interface DockerAuthzServerOptions {
  /** Unix socket to listen on (default /run/docker/plugins/stockade.sock: dockerd finds a plugin named `stockade` there). */
  socket?: string;
  /** stockade.yaml (`trust`, `enforcement`). */
  project?: ProjectConfig;
  /** The proposed stockade.yaml `authz` section. */
  authz?: AuthzSettings;
  /** Where decision lines go: a pino logger, a file path, or a stream (default stdout). */
  logger?: Logger;
  logDestination?: string | DestinationStream;
  limits?: Partial<DockerAuthzLimits>;
  trustFacts?: (reference: string) => Promise<TrustFacts>;
  /** Clock (tests pin it for exception expiry). */
  now?: () => Date;
  /** File mode of the socket (default 0o600: only root, as dockerd, talks to it). */
  socketMode?: number;
}

export interface DockerAuthzApp {
  server: Server;
  logger: Logger;
  metrics: Registry;
  /** Runs one decision so the first real one is not slow. */
  warmUp(): Promise<void>;
  /** Swap the policy (stockade.yaml and authz settings) without dropping connections. */
  reload(config: { project?: ProjectConfig; authz?: AuthzSettings }): void;
}

export interface DockerAuthzServer extends DockerAuthzApp {
  socket: string;
  close(): Promise<void>;
}

class OversizeError extends Error {}
class SlowClientError extends Error {}

function makeLogger(options: DockerAuthzServerOptions): Logger {
  if (options.logger) return options.logger;
  const settings = { base: { service: 'stockade-docker-authz' }, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'msg' };
  const dest = options.logDestination;
  if (dest === undefined) return pino(settings, pino.destination({ dest: 1, sync: false }));
  if (typeof dest === 'string') return pino(settings, pino.destination({ dest, sync: false, mkdir: true }));
  return pino(settings, dest);
}

/** Reads a body up to `limit` bytes within `timeoutMs`; `drain` keeps reading past the limit without keeping bytes. */
function readBody(req: IncomingMessage, limit: number, timeoutMs: number, drain = false): Promise<{ body: Buffer; oversize: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let oversize = false;
    let settled = false;
    const finish = (err: Error | undefined, value?: { body: Buffer; oversize: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(value as { body: Buffer; oversize: boolean });
    };
    const timer = setTimeout(() => finish(new SlowClientError(`plugin request not received within ${timeoutMs} ms`)), timeoutMs);
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        oversize = true;
        if (!drain) {
          req.pause();
          finish(new OversizeError(`plugin request larger than ${limit} bytes`));
        }
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => finish(undefined, { body: oversize ? Buffer.alloc(0) : Buffer.concat(chunks, size), oversize });
    const onError = (e: Error) => finish(e);
    const onClose = () => finish(new Error('client closed the connection before the request was complete'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent || res.destroyed) {
    if (close) req.socket.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': PLUGIN_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), ...(close ? { Connection: 'close' } : {}) });
  res.end(text, () => {
    if (close) req.socket.destroy();
  });
}

/** The normalised path, for log lines (never the query: it may hold build args or tokens). */
function logPath(uri: string): string {
  try {
    return parseRequestUri(uri).path;
  } catch {
    return (uri.split('?')[0] ?? '').slice(0, 200);
  }
}

function deny(msg: string): AuthzResponse {
  return { Allow: false, Msg: msg };
}

export function buildDockerAuthzServer(options: DockerAuthzServerOptions = {}): DockerAuthzApp {
  const limits: DockerAuthzLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = makeLogger(options);
  const makeEnv = (project: ProjectConfig, authz: AuthzSettings): PolicyEnv => ({
    config: { project, authz } satisfies PolicyConfig,
    sockets: new EngineSockets(authz.engineSockets ?? [], authz.discoverEngineSockets ?? true),
    ...(options.trustFacts ? { trustFacts: options.trustFacts } : {}),
    now: options.now ?? (() => new Date()),
    ...(authz.engineApi ? { lookup: engineLookup(authz.engineApi) } : {}),
    maxJsonDepth: limits.maxJsonDepth,
  });
  let env = makeEnv(options.project ?? {}, options.authz ?? {});

  const metrics = new Registry();
  const decisions = new Counter({ name: 'stockade_authz_decisions_total', help: 'Authorization decisions by phase, API endpoint and outcome', labelNames: ['phase', 'endpoint', 'allowed'], registers: [metrics] });
  const findingsCounter = new Counter({ name: 'stockade_authz_findings_total', help: 'Rule findings by rule and enforcement mode', labelNames: ['rule', 'mode'], registers: [metrics] });
  const latency = new Histogram({
    name: 'stockade_authz_decision_seconds',
    help: 'Time from a complete plugin request to its answer',
    labelNames: ['phase'],
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25],
    registers: [metrics],
  });

  function logDecision(phase: 'request' | 'response', env0: AuthzRequest | undefined, d: Partial<AuthzDecision> & { allow: boolean; msg: string }, ms: number, extra: Record<string, unknown> = {}): void {
    const findings = d.findings ?? [];
    const ids = (mode: string) => [...new Set(findings.filter((f) => f.mode === mode).map((f) => f.rule))];
    const exempted = findings.filter((f) => f.exception).map((f) => ({ rule: f.rule, reason: f.exception?.reason, expires: f.exception?.expires }));
    for (const f of findings) findingsCounter.inc({ rule: f.rule, mode: f.mode });
    decisions.inc({ phase, endpoint: d.endpoint ?? 'unknown', allowed: String(d.allow) });
    latency.observe({ phase }, ms / 1000);
    logger.info(
      {
        event: 'authz',
        phase,
        user: env0?.User || null,
        authMethod: env0?.UserAuthNMethod || null,
        method: d.method ?? env0?.RequestMethod ?? null,
        path: d.path ?? null,
        endpoint: d.endpoint ?? null,
        allowed: d.allow,
        rules: ids('deny'),
        warn: ids('warn'),
        audit: ids('audit'),
        ...(exempted.length ? { exempted } : {}),
        ...(d.images?.length ? { images: d.images } : {}),
        findings: findings.filter((f) => f.mode !== 'off').map((f) => ({ rule: f.rule, mode: f.mode, reason: f.reason })),
        message: d.msg,
        ms: Math.round(ms * 1000) / 1000,
        ...extra,
      },
      'authz decision',
    );
  }

  async function onAuthz(req: IncomingMessage, res: ServerResponse, phase: 'request' | 'response'): Promise<void> {
    let started = performance.now();
    let read: { body: Buffer; oversize: boolean };
    try {
      read = await readBody(req, phase === 'request' ? limits.maxRequestBytes : limits.maxResponseBytes, limits.bodyTimeoutMs, phase === 'response');
    } catch (e) {
      const msg = `stockade: request denied: ${(e as Error).message}`;
      logDecision(phase, undefined, { allow: false, msg }, performance.now() - started, { error: (e as Error).message });
      send(req, res, 200, deny(msg), true);
      return;
    }
    started = performance.now();
    if (read.oversize) {
      // Only AuthZRes gets here: the decision was made on the request; its response is not inspected.
      logDecision(phase, undefined, { allow: true, msg: '' }, performance.now() - started, { oversize: true });
      send(req, res, 200, { Allow: true });
      return;
    }
    let envelope: AuthzRequest | undefined;
    try {
      envelope = parseAuthzEnvelope(read.body.toString('utf8'), limits.maxJsonDepth);
      if (phase === 'response') {
        if (!envelope.RequestMethod || !envelope.RequestUri) throw new ProtocolError('AuthZRes without RequestMethod or RequestUri');
        const d = { allow: true, msg: '', method: envelope.RequestMethod.toUpperCase(), path: logPath(envelope.RequestUri) };
        logDecision(phase, envelope, d, performance.now() - started, { status: envelope.ResponseStatusCode ?? null });
        send(req, res, 200, { Allow: true });
        return;
      }
      const d = await decideRequest(envelope, env);
      logDecision(phase, envelope, d, performance.now() - started);
      send(req, res, 200, d.allow ? { Allow: true } : deny(d.msg));
    } catch (e) {
      const known = e instanceof BodyError || e instanceof ProtocolError;
      const msg = known ? `stockade: request denied: ${(e as Error).message}` : `stockade: internal error, request denied: ${(e as Error).message}`;
      logDecision(phase, envelope, { allow: false, msg }, performance.now() - started, known ? { error: (e as Error).message } : { error: (e as Error).message, internal: true });
      send(req, res, 200, known ? deny(msg) : { Allow: false, Msg: msg, Err: msg });
    }
  }

  const server = createServer({ connectionsCheckingInterval: 1000, headersTimeout: limits.bodyTimeoutMs, requestTimeout: limits.bodyTimeoutMs * 2 }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const handle = async () => {
      if (path === AUTHZ_REQUEST_PATH) return onAuthz(req, res, 'request');
      if (path === AUTHZ_RESPONSE_PATH) return onAuthz(req, res, 'response');
      if (path === ACTIVATE_PATH) {
        await readBody(req, 64 * 1024, limits.bodyTimeoutMs).catch(() => undefined);
        // A daemon is starting: look at its command line (-H, --exec-root) before its first request.
        env.sockets.invalidate();
        logger.info({ event: 'activate' }, 'plugin activated');
        return send(req, res, 200, activateResponse());
      }
      if (req.method === 'GET' && path === '/metrics') {
        const text = await metrics.metrics();
        res.writeHead(200, { 'Content-Type': metrics.contentType });
        res.end(text);
        return;
      }
      if (req.method === 'GET' && path === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok\n');
        return;
      }
      send(req, res, 404, { Err: `unknown plugin endpoint ${path?.slice(0, 100)}` }, true);
    };
    handle().catch((e: unknown) => {
      logger.error({ event: 'error', err: e }, 'unhandled error');
      send(req, res, 200, { Allow: false, Msg: 'stockade: internal error, request denied', Err: 'internal error' }, true);
    });
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
    logger.warn({ event: 'client-error', error: err.message }, 'malformed plugin connection');
  });

  return {
    server,
    logger,
    metrics,
    async warmUp() {
      // Compiles the hot paths and loads the socket list before the first real request.
      const body = Buffer.from(JSON.stringify({ Image: 'warm-up', HostConfig: { Binds: ['/var/run/docker.sock:/s'], Privileged: true } })).toString('base64');
      await decideRequest({ RequestMethod: 'POST', RequestUri: '/v1.41/containers/create', RequestHeaders: { 'Content-Type': 'application/json' }, RequestBody: body }, env);
    },
    reload(config) {
      env = makeEnv(config.project ?? {}, config.authz ?? {});
      logger.info({ event: 'reload' }, 'policy reloaded');
    },
  };
}

/** Removes a stale socket file; refuses when another process still answers on it. */
async function claimSocket(path: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new StockadeError('usage', path, 'another process is listening on this socket');
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

export async function runDockerAuthzServer(options: DockerAuthzServerOptions = {}): Promise<DockerAuthzServer> {
  const socket = options.socket ?? DEFAULT_SOCKET;
  const app = buildDockerAuthzServer(options);
  await mkdir(dirname(socket), { recursive: true });
  await claimSocket(socket);
  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(socket, () => {
      app.server.off('error', reject);
      resolve();
    });
  });
  await chmod(socket, options.socketMode ?? 0o600);
  await app.warmUp().catch((e: unknown) => app.logger.warn({ event: 'warm-up-failed', error: (e as Error).message }, 'warm-up decision failed'));
  app.logger.info({ event: 'listening', socket }, 'docker authorization plugin listening');
  return {
    ...app,
    socket,
    async close() {
      await new Promise<void>((resolve) => {
        app.server.close(() => resolve());
        app.server.closeAllConnections();
      });
      await unlink(socket).catch(() => undefined);
      app.logger.flush?.();
    },
  };
}
