/**
 * One HTTP(S) request function for talking to registries and token services, over
 * node:https / node:http so that every safety rule is ours to see:
 *
 * - TLS is always verified, against Node's bundled roots plus the system bundle (or
 *   SSL_CERT_FILE when set), NODE_EXTRA_CA_CERTS and CA files the caller names.
 *   Certificate errors are never downgraded, not even for insecure registries.
 * - Plain HTTP only for hosts listed in `insecureRegistries` (loopback is not exempt):
 *   such a host is tried over HTTPS first and falls back to HTTP only when it does not
 *   speak TLS at all. An unlisted host that answers in plain HTTP is an error that says
 *   how to allow it.
 * - Every request has a connect + idle timeout (default 30 s); callers reading small
 *   documents add a whole-request deadline.
 * - Redirects: at most 5; never to another scheme than https (http only to a listed
 *   host); the Authorization header is dropped as soon as a redirect leaves the origin
 *   it was meant for, and never restored.
 * - 429 and 5xx are retried with exponential backoff, honouring Retry-After up to a
 *   cap; a Retry-After beyond the cap fails at once rather than hang.
 * - Bodies are read through size caps while streaming (Content-Length is checked first).
 */
import { existsSync, readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { StockadeError, type ErrorCode } from '../core/errors.js';

export interface HttpClientOptions {
  /** Connect and idle timeout of each request, in milliseconds. Default 30 000. */
  timeoutMs?: number;
  /** Extra PEM files of CA certificates to trust (as well as the system store). */
  caFiles?: string[];
  /** `host[:port]` entries that may be reached over plain HTTP. */
  insecureRegistries?: string[];
  /** Default 5. */
  maxRedirects?: number;
  /** Retries after a 429, a 5xx or a reset connection. Default 3. */
  retries?: number;
  /** First backoff step in ms (doubled each retry, with jitter). Default 500. */
  retryBaseMs?: number;
  /** Longest wait before a retry, ms; a Retry-After beyond it fails at once. Default 60 000. */
  maxRetryWaitMs?: number;
  /** Environment for SSL_CERT_FILE / NODE_EXTRA_CA_CERTS. Default process.env. */
  env?: NodeJS.ProcessEnv;
  userAgent?: string;
}

export interface RequestSpec {
  method?: 'GET' | 'HEAD' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
  /**
   * Authorization header value. Sent only to the origin of `url` (scheme, host and
   * port); dropped for good when a redirect leads elsewhere.
   */
  authorization?: string;
  /** The user's input, for error messages (an image reference). */
  label: string;
  /** What is fetched, for error messages: `manifest latest`, `token`, `blob sha256:…`. */
  what: string;
  /** Whole-request deadline in ms (headers and body), on top of the idle timeout. */
  deadlineMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Where the response finally came from, after redirects. */
  url: URL;
  /** The body; errors on it are StockadeErrors (timeouts, deadline, resets). */
  body: IncomingMessage;
  /** Cancels the deadline timer; called by readCapped, call it yourself when streaming. */
  done(): void;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
const RETRY_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** The well-known places of the OS bundle, as Go's crypto/x509 looks for them. */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', '/etc/ssl/cert.pem'];

/** `host[:port]` of a URL, with the default port left out. */
export function hostOf(url: URL): string {
  return url.host;
}

function readCaFile(file: string, why: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
      throw new StockadeError('malformed_input', file, `${why} holds no PEM certificate`);
    }
    return text;
  } catch (e) {
    if (e instanceof StockadeError) throw e;
    throw new StockadeError('not_found', file, `cannot read ${why}: ${(e as Error).message}`);
  }
}

/**
 * The trusted roots: Node's bundled Mozilla roots, the OS bundle (SSL_CERT_FILE
 * replaces it when set, as in OpenSSL), NODE_EXTRA_CA_CERTS (Node drops it as soon as
 * `ca` is passed, so it is read here), and the caller's CA files.
 */
export function trustedRoots(options: Pick<HttpClientOptions, 'caFiles' | 'env'> = {}): string[] {
  const env = options.env ?? process.env;
  const roots: string[] = [...rootCertificates];
  const sslCertFile = env['SSL_CERT_FILE'];
  if (sslCertFile) roots.push(readCaFile(sslCertFile, 'SSL_CERT_FILE'));
  else {
    const system = SYSTEM_BUNDLES.find((f) => existsSync(f));
    if (system) roots.push(readCaFile(system, 'the system CA bundle'));
  }
  const extra = env['NODE_EXTRA_CA_CERTS'];
  if (extra) roots.push(readCaFile(extra, 'NODE_EXTRA_CA_CERTS'));
  for (const f of options.caFiles ?? []) roots.push(readCaFile(f, 'CA file'));
  return roots;
}

const TLS_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
]);

function notTls(e: NodeJS.ErrnoException): boolean {
  return e.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || (e.code === 'EPROTO' && /wrong version number|http request|unknown protocol|packet length too long/i.test(e.message));
}

/** A one-line StockadeError for a failed connection or TLS handshake. */
function networkError(label: string, what: string, url: URL, e: NodeJS.ErrnoException): StockadeError {
  const host = hostOf(url);
  const code = e.code ?? '';
  const make = (c: ErrorCode, problem: string): StockadeError => new StockadeError(c, label, problem, { cause: e });
  if (TLS_UNTRUSTED.has(code)) {
    return make('not_found', `TLS certificate of ${host} is not trusted (${code}); trust its CA with --ca-file FILE, SSL_CERT_FILE or NODE_EXTRA_CA_CERTS`);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return make('not_found', `TLS certificate of ${host} is not valid for that name (${e.message})`);
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return make('not_found', `TLS certificate of ${host} is not valid now (${code})`);
  if (notTls(e)) {
    return make('usage', `${host} does not speak HTTPS (it answered in plain HTTP?); plain HTTP is refused unless you allow it for this host with --insecure-registry ${host}`);
  }
  if (code === 'ECONNREFUSED') return make('not_found', `cannot connect to ${host}: connection refused`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return make('not_found', `cannot resolve host ${url.hostname}`);
  if (code === 'ECONNRESET') return make('not_found', `connection to ${host} was reset while fetching ${what}`);
  return make('not_found', `cannot fetch ${what} from ${host}: ${e.message}`);
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class AttemptError extends Error {
  constructor(readonly error: StockadeError, readonly retryable: boolean, readonly fallbackToHttp: boolean) {
    super(error.message);
  }
}

export class HttpClient {
  readonly timeoutMs: number;
  private readonly insecure: Set<string>;
  private readonly maxRedirects: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly maxRetryWaitMs: number;
  private readonly userAgent: string;
  private readonly httpsAgent: HttpsAgent;
  private readonly httpAgent: HttpAgent;
  /** Listed hosts found to speak only plain HTTP. */
  private readonly plainHosts = new Set<string>();

  constructor(options: HttpClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.insecure = new Set((options.insecureRegistries ?? []).map((h) => h.toLowerCase()));
    this.maxRedirects = options.maxRedirects ?? 5;
    this.retries = options.retries ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 60_000;
    this.userAgent = options.userAgent ?? 'stockade';
    this.httpsAgent = new HttpsAgent({ keepAlive: true, ca: trustedRoots(options), minVersion: 'TLSv1.2' });
    this.httpAgent = new HttpAgent({ keepAlive: true });
  }

  /** Whether `host[:port]` may be reached over plain HTTP. */
  isInsecure(host: string): boolean {
    return this.insecure.has(host.toLowerCase());
  }

  /** The base URL of a registry host: https, or http once a listed host proved to speak only HTTP. */
  baseUrl(host: string): URL {
    return new URL(`${this.plainHosts.has(host.toLowerCase()) ? 'http' : 'https'}://${host}`);
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  /**
   * Sends a request, following redirects and retrying 429/5xx. Resolves with the final
   * response (any status: the caller judges it); rejects with a one-line StockadeError.
   */
  async request(spec: RequestSpec): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.followRedirects(spec);
      } catch (e) {
        if (e instanceof AttemptError && e.retryable && attempt < this.retries) {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw e instanceof AttemptError ? e.error : e;
      }
      if (!RETRY_STATUSES.has(res.status) || attempt >= this.retries) return res;
      const retryAfter = parseRetryAfter(headerValue(res.headers['retry-after']));
      res.body.resume();
      res.done();
      if (retryAfter !== undefined && retryAfter > this.maxRetryWaitMs) {
        throw new StockadeError(
          'not_found',
          spec.label,
          `${hostOf(res.url)} answered HTTP ${res.status} to ${spec.what} and asks to retry after ${Math.ceil(retryAfter / 1000)} s, longer than the ${Math.ceil(this.maxRetryWaitMs / 1000)} s we wait`,
        );
      }
      await sleep(retryAfter ?? this.backoff(attempt));
    }
  }

  private backoff(attempt: number): number {
    const base = this.retryBaseMs * 2 ** attempt;
    return Math.min(this.maxRetryWaitMs, base + Math.random() * base * 0.2);
  }

  private async followRedirects(spec: RequestSpec): Promise<HttpResponse> {
    let url = spec.url;
    let method = spec.method ?? 'GET';
    let body = spec.body;
    let authorization = spec.authorization;
    const origin = url.origin;
    const deadline = spec.deadlineMs !== undefined ? Date.now() + spec.deadlineMs : undefined;
    for (let hop = 0; ; hop++) {
      if (url.protocol === 'http:' && !this.isInsecure(hostOf(url))) {
        throw new StockadeError('usage', spec.label, `refusing plain HTTP to ${hostOf(url)} for ${spec.what}; allow it with --insecure-registry ${hostOf(url)} if you trust the network`);
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new StockadeError('hostile_input', spec.label, `${spec.what}: refusing a redirect to a ${url.protocol} URL`);
      }
      if (authorization !== undefined && url.origin !== origin) authorization = undefined;
      const res = await this.once(spec, url, method, body, authorization, deadline);
      if (!REDIRECTS.has(res.status)) return res;
      res.body.resume();
      res.done();
      const location = headerValue(res.headers.location);
      if (!location) throw new StockadeError('malformed_input', spec.label, `${hostOf(url)} answered HTTP ${res.status} to ${spec.what} without a Location`);
      if (hop + 1 > this.maxRedirects) {
        throw new StockadeError('hostile_input', spec.label, `more than ${this.maxRedirects} redirects while fetching ${spec.what} (last from ${hostOf(url)})`);
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new StockadeError('malformed_input', spec.label, `${hostOf(url)} redirected ${spec.what} to an invalid URL`);
      }
      if (url.protocol === 'https:' && next.protocol === 'http:' && !this.isInsecure(hostOf(next))) {
        throw new StockadeError('hostile_input', spec.label, `${hostOf(url)} redirected ${spec.what} from HTTPS to plain HTTP at ${hostOf(next)}; refused`);
      }
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      url = next;
    }
  }

  /** One request to one URL, with the HTTPS -> HTTP fallback for listed hosts. */
  private async once(spec: RequestSpec, url: URL, method: string, body: Buffer | undefined, authorization: string | undefined, deadline: number | undefined): Promise<HttpResponse> {
    const host = hostOf(url).toLowerCase();
    if (url.protocol === 'https:' && this.plainHosts.has(host)) url = withProtocol(url, 'http:');
    try {
      return await this.send(spec, url, method, body, authorization, deadline);
    } catch (e) {
      if (e instanceof AttemptError && e.fallbackToHttp && url.protocol === 'https:' && this.isInsecure(host)) {
        this.plainHosts.add(host);
        return this.send(spec, withProtocol(url, 'http:'), method, body, authorization, deadline);
      }
      throw e;
    }
  }

  private send(spec: RequestSpec, url: URL, method: string, body: Buffer | undefined, authorization: string | undefined, deadline: number | undefined): Promise<HttpResponse> {
    const secure = url.protocol === 'https:';
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...(spec.headers ?? {}) };
    if (authorization !== undefined) headers['authorization'] = authorization;
    if (body !== undefined) headers['content-length'] = String(body.length);
    const timeoutMs = this.timeoutMs;
    return new Promise<HttpResponse>((resolve, reject) => {
      let response: IncomingMessage | undefined;
      let deadlineTimer: NodeJS.Timeout | undefined;
      let settled = false;
      const fail = (error: StockadeError, retryable = false, fallback = false): void => {
        if (deadlineTimer) clearTimeout(deadlineTimer);
        if (response) {
          response.destroy(error);
        } else {
          req.destroy();
          if (!settled) {
            settled = true;
            reject(new AttemptError(error, retryable && method !== 'POST', fallback));
          }
        }
      };
      const options = {
        method,
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (secure ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        headers,
        timeout: timeoutMs,
        ...(secure ? { agent: this.httpsAgent, servername: /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname } : { agent: this.httpAgent }),
      };
      const req = (secure ? httpsRequest : httpRequest)(options, (res) => {
        response = res;
        settled = true;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          url,
          body: res,
          done: () => {
            if (deadlineTimer) clearTimeout(deadlineTimer);
          },
        });
      });
      req.on('timeout', () => {
        const phase = response ? `stalled while sending ${spec.what}` : `did not answer ${spec.what}`;
        fail(new StockadeError('limit_exceeded', spec.label, `${hostOf(url)} ${phase} within ${seconds(timeoutMs)} (timeout; raise it with --timeout)`), false);
      });
      if (deadline !== undefined) {
        const left = Math.max(0, deadline - Date.now());
        deadlineTimer = setTimeout(() => {
          fail(new StockadeError('limit_exceeded', spec.label, `${hostOf(url)} took more than ${seconds(spec.deadlineMs ?? left)} to send ${spec.what} (deadline)`));
        }, left);
        deadlineTimer.unref();
      }
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) {
          if (response && !response.destroyed) response.destroy(networkError(spec.label, spec.what, url, e));
          return;
        }
        if (e instanceof StockadeError) {
          fail(e);
          return;
        }
        fail(networkError(spec.label, spec.what, url, e), RETRY_ERRORS.has(e.code ?? ''), notTls(e));
      });
      if (body !== undefined) req.end(body);
      else req.end();
    });
  }
}

function withProtocol(url: URL, protocol: 'http:' | 'https:'): URL {
  const u = new URL(url.href);
  u.protocol = protocol;
  return u;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Reads a response body into memory, refusing more than `max` bytes: at once when
 * Content-Length says so, else as soon as the stream passes the cap.
 */
export async function readCapped(res: HttpResponse, max: number, label: string, what: string): Promise<Buffer> {
  const declared = headerValue(res.headers['content-length']);
  const tooBig = (n?: string): StockadeError =>
    new StockadeError('limit_exceeded', label, `${what} from ${hostOf(res.url)} is ${n !== undefined ? `${n} bytes, more than` : 'larger than'} the ${max}-byte limit`);
  let total = 0;
  try {
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > max) {
      res.body.destroy();
      throw tooBig(declared);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) {
      total += (chunk as Buffer).length;
      if (total > max) {
        res.body.destroy();
        throw tooBig();
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  } catch (e) {
    throw bodyError(e, label, res, what, total);
  } finally {
    res.done();
  }
}

/** A failure while reading a body, as one line: a cut connection says how far it got. */
export function bodyError(e: unknown, label: string, res: Pick<HttpResponse, 'url' | 'headers'>, what: string, received: number, expected?: number): StockadeError {
  if (e instanceof StockadeError) return e;
  const err = e as NodeJS.ErrnoException;
  const total = expected ?? Number(headerValue(res.headers['content-length']) ?? NaN);
  if (err?.code === 'ECONNRESET' || err?.message === 'aborted') {
    const of = Number.isFinite(total) ? ` of ${total}` : '';
    return new StockadeError('not_found', label, `connection to ${hostOf(res.url)} closed after ${received}${of} bytes of ${what}`, { cause: e });
  }
  return new StockadeError('not_found', label, `connection to ${hostOf(res.url)} failed while reading ${what}: ${err?.message ?? String(e)}`, { cause: e });
}

/** True when a body looks like an HTML page (a proxy's error page, a login portal). */
export function looksLikeHtml(res: Pick<HttpResponse, 'headers'>, bytes: Buffer): boolean {
  const type = headerValue(res.headers['content-type'])?.toLowerCase() ?? '';
  if (type.includes('text/html') || type.includes('application/xhtml')) return true;
  const head = bytes.subarray(0, 256).toString('utf8').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head') || head.startsWith('<body');
}

export function htmlError(label: string, res: Pick<HttpResponse, 'status' | 'url'>, what: string): StockadeError {
  return new StockadeError(
    'malformed_input',
    label,
    `${hostOf(res.url)} answered ${what} with an HTML page (HTTP ${res.status}), not JSON: a proxy, captive portal or login page is in the way, or this is not a registry`,
  );
}

/** Parses a JSON body that is not HTML, as one clear error either way. */
export function parseJsonBody(label: string, res: Pick<HttpResponse, 'headers' | 'status' | 'url'>, bytes: Buffer, what: string): unknown {
  if (looksLikeHtml(res, bytes)) throw htmlError(label, res, what);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    const reason = e instanceof RangeError ? 'nested too deeply' : 'not valid JSON';
    throw new StockadeError('malformed_input', label, `${what} from ${hostOf(res.url)} is ${reason}`);
  }
}

/** The first message of a distribution-spec error body (`{"errors":[{"code","message"}]}`), sanitised. */
export function registryErrorMessage(bytes: Buffer): string | undefined {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = doc.errors?.[0];
    if (!first) return undefined;
    const text = [first.code, first.message].filter((x) => typeof x === 'string' && x !== '').join(': ');
    return text === '' ? undefined : sanitize(text);
  } catch {
    return undefined;
  }
}

/** One line, printable, at most 200 characters: for text a server chose. */
export function sanitize(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
