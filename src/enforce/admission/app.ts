/**
 * The admission webhook as an HTTP request handler, built apart from `listen()` (server.ts
 * puts it behind TLS). Routes:
 *
 *   POST /validate   AdmissionReview v1 -> AdmissionReview v1 (judge.ts)
 *   POST /mutate     safe defaults as a JSON Patch (mutate.ts), only with enableMutation
 *   GET  /healthz    200 while the process serves
 *   GET  /readyz     200 once the settings (stockade.yaml, PodSecurityConfiguration,
 *                    namespace labels) and rules are loaded; 503 before, and while draining
 *   GET  /metrics    Prometheus text (metrics.ts)
 *
 * Bad input is answered, never thrown: a wrong method (405), media type (415), size
 * (413), a body that arrives too slowly (408), or a body that is not an AdmissionReview
 * (400) each get an AdmissionReview whose response denies and says why. A rule, hook or
 * trust lookup that throws fails the request closed (`onError: 'deny'`, the default) or
 * open with a warning (`onError: 'allow'`), and is logged.
 *
 * Dry runs (`request.dryRun`) are judged exactly like real requests, so `kubectl apply
 * --dry-run=server` shows the real verdict; they have no side effects: nothing is learnt
 * from a dry-run Namespace, they are not counted in decisions_total, and their log line
 * says `dryRun: true`.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger } from 'pino';
import { loadProjectConfig, type ProjectConfig } from '../../config/project-config.js';
import { asStockadeError } from '../../core/errors.js';
import { judge, JudgeError, type Judgement, type JudgeSettings, type TemplateMode } from './judge.js';
import { createAdmissionMetrics, type AdmissionMetrics } from './metrics.js';
import { mutate } from './mutate.js';
import { loadNamespaceLabels, NamespaceDirectory } from './namespace-labels.js';
import { BUILT_IN_POLICY_HOOKS, type AdmissionPolicyHook, type TrustFactsProvider } from './policy-hooks.js';
import { loadPodSecurityConfiguration, type PodSecurityConfiguration } from './pod-security-policy.js';
import { acceptableContentType, decodeReview, DEFAULT_DECODE_LIMITS, errorReview, reviewResponse, type AdmissionRequest, type DecodeLimits, type ReviewError } from './review.js';

export interface AdmissionFiles {
  /** `--pss-config`: PodSecurityConfiguration (defaults and exemptions). */
  pssConfig?: string;
  /** `--config`: stockade.yaml (trust, enforcement). Without it, ./stockade.yaml when present. */
  config?: string;
  /** `--namespace-labels`: namespace -> labels. */
  namespaceLabels?: string;
}

export interface AdmissionAppOptions {
  files?: AdmissionFiles;
  enableMutation?: boolean;
  templates?: TemplateMode;
  onError?: 'deny' | 'allow';
  limits?: Partial<DecodeLimits> & { bodyTimeoutMs?: number };
  logger?: Logger;
  hooks?: readonly AdmissionPolicyHook[];
  trustFacts?: TrustFactsProvider;
  /** Clock for decisions (tests pin it). */
  now?: () => Date;
  /** Node process metrics (CPU, memory, event loop) on /metrics as well. */
  processMetrics?: boolean;
}

/** The settings read from files, replaced as a whole on reload. */
interface LoadedSettings {
  project: ProjectConfig;
  podSecurity: PodSecurityConfiguration;
}

export interface InjectRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface InjectResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Close the connection after answering (the body was not, or not fully, read). */
  close?: boolean;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const DEFAULT_BODY_TIMEOUT_MS = 10_000;

function json(status: number, value: unknown, close = false): Reply {
  return { status, headers: { ...JSON_HEADERS }, body: JSON.stringify(value), close };
}

function reviewError(e: ReviewError, close = false): Reply {
  return json(e.httpStatus, errorReview(e), close);
}

export class AdmissionApp {
  readonly metrics: AdmissionMetrics;
  readonly logger: Logger;
  readonly namespaces = new NamespaceDirectory();
  private loaded: LoadedSettings | undefined;
  private draining = false;
  private readonly limits: DecodeLimits & { bodyTimeoutMs: number };
  private readonly hooks: readonly AdmissionPolicyHook[];

  constructor(readonly options: AdmissionAppOptions = {}) {
    this.metrics = createAdmissionMetrics({ processMetrics: options.processMetrics ?? false });
    this.logger = options.logger ?? pino({ level: 'info', base: { component: 'admission' } });
    this.limits = { ...DEFAULT_DECODE_LIMITS, bodyTimeoutMs: DEFAULT_BODY_TIMEOUT_MS, ...options.limits };
    this.hooks = options.hooks ?? BUILT_IN_POLICY_HOOKS;
  }

  get ready(): boolean {
    return this.loaded !== undefined && !this.draining;
  }

  /** Reads every settings file; on failure nothing changes (the previous settings stay in force). */
  async load(logLevel: 'info' | 'debug' = 'info'): Promise<void> {
    const files = this.options.files ?? {};
    const [project, podSecurity, labels] = await Promise.all([
      loadProjectConfig(files.config),
      loadPodSecurityConfiguration(files.pssConfig),
      files.namespaceLabels === undefined ? Promise.resolve(undefined) : loadNamespaceLabels(files.namespaceLabels),
    ]);
    this.loaded = { project, podSecurity };
    if (labels) this.namespaces.replaceFile(labels.labels, labels.digest);
    this.logger[logLevel]({ config: project.file ?? null, pssConfig: podSecurity.file ?? null, namespaces: this.namespaces.size }, 'settings loaded');
  }

  /** SIGHUP (logged at info) or a periodic re-read (debug): a broken file is logged and the running settings kept. */
  async reload(logLevel: 'info' | 'debug' = 'info'): Promise<boolean> {
    try {
      await this.load(logLevel);
      return true;
    } catch (e) {
      this.logger.error({ err: asStockadeError(e, '').oneLine }, 'reload failed; previous settings kept');
      return false;
    }
  }

  /** Stop reporting ready (SIGTERM), so the Service stops sending while in-flight requests finish. */
  drain(): void {
    this.draining = true;
  }

  private settings(): JudgeSettings | undefined {
    if (!this.loaded) return undefined;
    const s: JudgeSettings = {
      project: this.loaded.project,
      podSecurity: this.loaded.podSecurity,
      namespaces: this.namespaces,
      templates: this.options.templates ?? 'deny',
      hooks: this.hooks,
    };
    if (this.options.trustFacts) s.trustFacts = this.options.trustFacts;
    return s;
  }

  // ---- routing ----------------------------------------------------------------------------

  /** The response to a request whose body has been read (or need not be). */
  private async route(method: string, path: string, headers: IncomingHttpHeaders, body: Uint8Array | undefined, started: bigint): Promise<Reply> {
    switch (path) {
      case '/healthz':
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok\n' };
      case '/readyz':
        return this.ready ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok\n' } : { status: 503, headers: { 'content-type': 'text/plain' }, body: this.draining ? 'draining\n' : 'loading settings\n' };
      case '/metrics':
        if (method !== 'GET') return { status: 405, headers: { allow: 'GET', 'content-type': 'text/plain' }, body: 'use GET\n' };
        return { status: 200, headers: { 'content-type': this.metrics.registry.contentType }, body: await this.metrics.registry.metrics() };
      default:
        break;
    }
    const endpoint = this.endpointOf(path);
    if (!endpoint) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found\n' };
    const preflight = this.preflight(method, headers);
    if (preflight) return preflight;
    const decoded = decodeReview(body ?? new Uint8Array(), this.limits);
    if ('error' in decoded) {
      this.metrics.requests.inc({ endpoint, kind: '', outcome: 'invalid', dry_run: 'false' });
      this.logger.warn({ endpoint, status: decoded.error.httpStatus, uid: decoded.error.uid || undefined, problem: decoded.error.message }, 'invalid admission request');
      return reviewError(decoded.error);
    }
    const reply = endpoint === 'validate' ? await this.validate(decoded.request) : this.mutate(decoded.request);
    this.metrics.latency.observe({ endpoint }, Number(process.hrtime.bigint() - started) / 1e9);
    return reply;
  }

  private endpointOf(path: string): 'validate' | 'mutate' | undefined {
    if (path === '/validate') return 'validate';
    if (path === '/mutate' && this.options.enableMutation) return 'mutate';
    return undefined;
  }

  /** Checks that need no body: method, media type, declared size. */
  private preflight(method: string, headers: IncomingHttpHeaders): Reply | undefined {
    if (method !== 'POST') return { ...reviewError({ httpStatus: 405, uid: '', reason: 'MethodNotAllowed', message: `${method} is not allowed: POST an AdmissionReview` }, true), headers: { ...JSON_HEADERS, allow: 'POST' } };
    if (!acceptableContentType(headers['content-type'])) return reviewError({ httpStatus: 415, uid: '', reason: 'UnsupportedMediaType', message: `Content-Type ${JSON.stringify(headers['content-type'])} is not supported: send application/json` }, true);
    const declared = Number(headers['content-length'] ?? 0);
    if (declared > this.limits.maxBodyBytes) return reviewError({ httpStatus: 413, uid: '', reason: 'RequestEntityTooLarge', message: `request body of ${declared} bytes is over the ${this.limits.maxBodyBytes}-byte limit` }, true);
    if (!this.ready) return reviewError({ httpStatus: 503, uid: '', reason: 'ServiceUnavailable', message: this.draining ? 'stockade admission is shutting down' : 'stockade admission is still loading its settings' });
    return undefined;
  }

  private async validate(request: AdmissionRequest): Promise<Reply> {
    const settings = this.settings();
    if (!settings) return reviewError({ httpStatus: 503, uid: request.uid, reason: 'ServiceUnavailable', message: 'settings not loaded' });
    const dryRun = request.dryRun === true;
    const started = process.hrtime.bigint();
    let judgement: Judgement;
    try {
      judgement = await judge(request, settings, this.options.now?.() ?? new Date());
    } catch (e) {
      return this.failed(request, e, dryRun);
    }
    const { response } = judgement;
    if (!dryRun && response.allowed && judgement.namespaceEffect) {
      const effect = judgement.namespaceEffect;
      if ('learn' in effect) this.namespaces.learn(effect.learn, effect.labels);
      else this.namespaces.forget(effect.forget);
    }
    const outcome = !judgement.judged ? 'skipped' : response.allowed ? 'allowed' : 'denied';
    this.metrics.requests.inc({ endpoint: 'validate', kind: judgement.kind, outcome, dry_run: String(dryRun) });
    if (!dryRun) for (const d of judgement.decisions) this.metrics.decisions.inc({ rule: d.ruleId, outcome: d.outcome });
    const line = {
      uid: request.uid,
      kind: judgement.kind,
      namespace: judgement.namespace,
      name: judgement.name,
      operation: request.operation,
      user: request.userInfo?.username,
      dryRun,
      allowed: response.allowed,
      rules: judgement.decisions.map((d) => `${d.ruleId}:${d.outcome}`),
      ms: Number(process.hrtime.bigint() - started) / 1e6,
    };
    if (judgement.judged) this.logger.info(line, 'admission decision');
    else this.logger.debug({ ...line, skipped: judgement.skipped }, 'admission not judged');
    return json(200, reviewResponse(response));
  }

  private failed(request: AdmissionRequest, e: unknown, dryRun: boolean): Reply {
    const open = this.options.onError === 'allow';
    const what = e instanceof JudgeError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
    this.logger.error({ uid: request.uid, kind: request.kind.kind, namespace: request.namespace, name: request.name, err: what, failedOpen: open }, 'admission evaluation failed');
    this.metrics.requests.inc({ endpoint: 'validate', kind: request.kind.kind, outcome: 'error', dry_run: String(dryRun) });
    if (open) return json(200, reviewResponse({ uid: request.uid, allowed: true, warnings: [`stockade could not judge this request (${what}); allowed because the webhook runs with --on-error allow`] }));
    return json(200, reviewResponse({ uid: request.uid, allowed: false, status: { status: 'Failure', code: 500, reason: 'InternalError', message: `stockade could not judge this request and fails closed: ${what}` } }));
  }

  private mutate(request: AdmissionRequest): Reply {
    const { response, operations } = mutate(request);
    this.metrics.requests.inc({ endpoint: 'mutate', kind: request.kind.kind, outcome: operations.length > 0 ? 'patched' : 'unchanged', dry_run: String(request.dryRun === true) });
    if (operations.length > 0) this.logger.info({ uid: request.uid, kind: request.kind.kind, namespace: request.namespace, name: request.name, dryRun: request.dryRun === true, patch: operations.map((o) => o.path) }, 'admission defaults added');
    return json(200, reviewResponse(response));
  }

  // ---- the node:http handler --------------------------------------------------------------

  /** For http(s).createServer. Reads the body within the limits, then routes. */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (reply: Reply): void => {
      if (res.headersSent || res.destroyed) return;
      if (reply.close) res.setHeader('connection', 'close');
      res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
      res.end(reply.body);
    };
    const answer = (body: Uint8Array | undefined): void => {
      this.route(method, path, req.headers, body, started)
        .then(send, (e: unknown) => {
          this.logger.error({ err: e instanceof Error ? e.message : String(e), path }, 'request failed');
          send(reviewError({ httpStatus: 500, uid: '', reason: 'InternalError', message: 'internal error' }, true));
        })
        .catch((e: unknown) => {
          // Writing the answer failed (the client went away): nothing left to tell anyone but the log.
          this.logger.debug({ err: e instanceof Error ? e.message : String(e), path }, 'answer not written');
          res.destroy();
        });
    };
    const endpoint = this.endpointOf(path);
    if (!endpoint) {
      req.resume();
      answer(undefined);
      return;
    }
    const early = this.preflight(method, req.headers);
    if (early) {
      send(early);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (reply?: Reply): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (reply) {
        // Stop buffering; Node discards the rest and closes after the answer.
        req.removeListener('data', onData);
        send(reply);
        return;
      }
      answer(Buffer.concat(chunks, size));
    };
    const timer = setTimeout(() => {
      this.metrics.requests.inc({ endpoint, kind: '', outcome: 'invalid', dry_run: 'false' });
      finish(reviewError({ httpStatus: 408, uid: '', reason: 'Timeout', message: `request body not received within ${this.limits.bodyTimeoutMs} ms` }, true));
    }, this.limits.bodyTimeoutMs);
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > this.limits.maxBodyBytes) {
        this.metrics.requests.inc({ endpoint, kind: '', outcome: 'invalid', dry_run: 'false' });
        finish(reviewError({ httpStatus: 413, uid: '', reason: 'RequestEntityTooLarge', message: `request body is over the ${this.limits.maxBodyBytes}-byte limit` }, true));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish());
    req.on('error', () => {
      clearTimeout(timer);
      done = true;
    });
    req.on('aborted', () => {
      clearTimeout(timer);
      done = true;
    });
  };

  /** The handler without a network (tests): the same routing, limits and answers. */
  async inject(request: InjectRequest): Promise<InjectResponse> {
    const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
    const headers: IncomingHttpHeaders = { ...(request.headers ?? {}) };
    if (body && headers['content-length'] === undefined) headers['content-length'] = String(body.byteLength);
    const method = request.method ?? (body ? 'POST' : 'GET');
    const endpoint = this.endpointOf(request.path);
    const early = endpoint ? this.preflight(method, headers) : undefined;
    const reply = early ?? (await this.route(method, request.path, headers, body, process.hrtime.bigint()));
    return { status: reply.status, headers: reply.headers, body: reply.body };
  }
}

/** Builds the app and loads its settings (throws when a file is missing or invalid). */
export async function createAdmissionApp(options: AdmissionAppOptions = {}): Promise<AdmissionApp> {
  const app = new AdmissionApp(options);
  await app.load();
  return app;
}
