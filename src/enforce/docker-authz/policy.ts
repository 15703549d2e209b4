/**
 * One AuthZReq in, one decision out: the call is identified (api-path.ts), its body
 * read as dockerd will read it and translated into the Compose document
 * (container-document.ts), the Compose rules and the API-call rules run, and each
 * finding gets its mode from `enforcement` (modes.ts: per rule, group, severity, and
 * exceptions by user and image). Any deny-mode finding denies; the message names the
 * rule ids. This file decides nothing itself.
 */
import type { ComposeDoc } from '../../checks/compose/index.js';
import { COMPOSE_RULES } from '../../checks/compose/index.js';
import type { Rule, RuleContext, RuleViolation } from '../../checks/rule.js';
import type { ProjectConfig } from '../../config/project-config.js';
import type { SeverityLevel } from '../../core/types.js';
import type { TrustFacts } from '../../trust/policy.js';
import { modeFor, type EnforcementMode, type EnforcementSubject } from '../modes.js';
import { parseApiTarget, RequestUriError, versionBefore, type Endpoint } from './api-path.js';
import { translateBuild, translateCreate, translateExec, translateService, translateStartHostConfig, translateUpdate, translateVolumeCreate, type ContainerLookup, type ContainerView } from './container-document.js';
import { LookupError } from './engine-api.js';
import { BodyError, parseJsonBounded } from './go-json.js';
import type { EngineSockets } from './host-paths.js';
import type { AuthzRequest } from './protocol.js';
import { API_RULES, type ApiRule, type DockerApiCall } from './rules/index.js';
import type { AuthzSettings } from './settings.js';

/** Compose rules the plugin runs on container documents. */
export const CONTAINER_RULES: readonly Rule<ComposeDoc>[] = COMPOSE_RULES;

export interface PolicyConfig {
  /** stockade.yaml: `trust` and `enforcement` are read. */
  project: ProjectConfig;
  /** The proposed `authz` section. */
  authz: AuthzSettings;
}

export interface PolicyEnv {
  config: PolicyConfig;
  sockets: EngineSockets;
  /** Facts about an image beyond its reference (created time, verified signature), when the policy needs them. */
  trustFacts?: (reference: string) => Promise<TrustFacts>;
  now: () => Date;
  /** Inspects containers a request borrows from (`authz.engineApi`); without it they are not looked at. */
  lookup?: ContainerLookup;
  /** Nesting limit for request bodies. */
  maxJsonDepth: number;
}

export interface Finding {
  rule: string;
  severity: SeverityLevel;
  mode: EnforcementMode;
  reason: string;
  exception?: { reason: string; expires: string };
}

export interface AuthzDecision {
  allow: boolean;
  /** Sent to the client on deny (dockerd prefixes "authorization denied by plugin NAME: "). */
  msg: string;
  findings: Finding[];
  method: string;
  path: string;
  endpoint: Endpoint['kind'];
  images: string[];
}

/** The plugin request itself is unusable (no method or URI, bad path): denied without consulting rules. */
export class ProtocolError extends Error {}

/** Bodies dockerd passes on: JSON, known length, under 1 MiB (pkg/authorization maxBodySize). */
const DAEMON_MAX_BODY = 1048576;
const MAX_MESSAGE = 2000;

/** Endpoints whose decision depends on the body. */
const NEEDS_BODY = new Set<Endpoint['kind']>(['container-create', 'container-update', 'exec-create', 'volume-create', 'service-create', 'service-update']);

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === want) return v;
  return undefined;
}

/** Why dockerd did not send a body, from the headers it did send. */
function missingBodyReason(headers: Record<string, string> | undefined): string {
  const type = header(headers, 'Content-Type');
  const length = header(headers, 'Content-Length');
  if (type === undefined) return 'the request has no Content-Type, so dockerd did not pass its body on (it still decodes it)';
  if (type !== 'application/json') return `the request's Content-Type is ${JSON.stringify(type.slice(0, 80))}, not exactly application/json, so dockerd did not pass its body on`;
  if (length === undefined) return 'the request body has no Content-Length (chunked?), so dockerd did not pass it on';
  if (Number(length) >= DAEMON_MAX_BODY) return `the request body is ${length} bytes, over the 1 MiB dockerd passes on`;
  return 'the request has no body';
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeBody(b64: string, maxDepth: number): unknown {
  if (!BASE64.test(b64)) throw new BodyError('RequestBody is not standard base64');
  const text = Buffer.from(b64, 'base64').toString('utf8');
  return parseJsonBounded(text, 'request body', maxDepth);
}

/** `fromImage` with `tag` as dockerd joins them: a digest tag pins, another tag replaces the name's. */
export function pullReference(fromImage: string, tag: string | null): string {
  if (!tag) return fromImage;
  const at = fromImage.indexOf('@');
  let name = at < 0 ? fromImage : fromImage.slice(0, at);
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) name = name.slice(0, colon);
  return /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/.test(tag) ? `${name}@${tag}` : `${name}:${tag}`;
}

function containerName(query: URLSearchParams): string {
  const n = query.get('name');
  return n ? n.replace(/^\//, '') : 'container';
}

interface Translated {
  call: DockerApiCall;
  view?: ContainerView;
}

/** The call as rules see it: endpoint, body translated, images named, problems listed. */
export async function translateRequest(req: AuthzRequest, env: PolicyEnv): Promise<Translated> {
  const method = (req.RequestMethod ?? '').toUpperCase();
  const uri = req.RequestUri;
  if (!method || uri === undefined || uri === '') throw new ProtocolError('AuthZReq without RequestMethod or RequestUri');
  let target;
  try {
    target = parseApiTarget(method, uri);
  } catch (e) {
    if (e instanceof RequestUriError) throw new ProtocolError(e.message);
    throw e;
  }
  const { endpoint, query } = target;
  const call: DockerApiCall = {
    method,
    path: target.path,
    ...(target.version !== undefined ? { version: target.version } : {}),
    query,
    endpoint,
    images: [],
    importsImage: false,
    problems: [],
    ...(req.User ? { user: req.User } : {}),
    ...(req.UserAuthNMethod ? { authMethod: req.UserAuthNMethod } : {}),
  };
  // r.ParseForm lets a form-encoded body override the query string dockerd's handlers read.
  const type = header(req.RequestHeaders, 'Content-Type');
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && type !== undefined && /^\s*application\/x-www-form-urlencoded/i.test(type)) {
    call.problems.push('a form-encoded body can override the query parameters dockerd reads, and is not passed to the plugin');
  }

  let body: unknown;
  let hasBody = false;
  const bodyNeeded = NEEDS_BODY.has(endpoint.kind);
  const oldStart = endpoint.kind === 'container-start' && versionBefore(target.version, 1, 24);
  if (req.RequestBody !== undefined && req.RequestBody !== '' && (bodyNeeded || oldStart)) {
    try {
      body = decodeBody(req.RequestBody, env.maxJsonDepth);
      hasBody = true;
    } catch (e) {
      if (!(e instanceof BodyError)) throw e;
      call.problems.push(e.message);
    }
  } else if (bodyNeeded) {
    call.problems.push(`${method} ${target.path} is decided by its body, and ${missingBodyReason(req.RequestHeaders)}`);
  } else if (oldStart) {
    // API < 1.24 start applies a host config from a body longer than 7 bytes or of unknown length.
    const length = header(req.RequestHeaders, 'Content-Length');
    if (length === undefined || Number(length) > 7) call.problems.push(`start at API ${target.version} may carry a host configuration, and ${missingBodyReason(req.RequestHeaders)}`);
  }

  let view: ContainerView | undefined;
  const sockets = async () => env.sockets.list();
  try {
    switch (endpoint.kind) {
      case 'container-create':
        if (hasBody) {
          view = await translateCreate(body, containerName(query), sockets, env.lookup);
          call.container = { ...(view.image ? { image: view.image } : {}), ...(view.runtime ? { runtime: view.runtime } : {}) };
          if (view.image) call.images.push(view.image);
        }
        break;
      case 'container-start':
        if (hasBody) {
          // The body replaces the whole host config, Runtime included: judged as a new container's.
          view = await translateStartHostConfig(body, `${endpoint.id} (start)`, sockets, env.lookup);
          call.container = view.runtime ? { runtime: view.runtime } : {};
        }
        break;
      case 'container-update':
        if (hasBody) view = await translateUpdate(body, `${endpoint.id} (update)`, sockets);
        break;
      case 'exec-create':
        if (hasBody) {
          const exec = translateExec(body, `${endpoint.id} (exec)`);
          view = exec;
          call.exec = exec.exec;
        }
        break;
      case 'volume-create':
        if (hasBody) view = await translateVolumeCreate(body, sockets);
        break;
      case 'service-create':
      case 'service-update':
        if (hasBody) {
          view = await translateService(body, sockets);
          if (view.image) call.images.push(view.image);
        }
        break;
      case 'build':
        view = translateBuild(query);
        break;
      case 'image-create': {
        const from = query.get('fromImage');
        if (from) call.images.push(pullReference(from, query.get('tag')));
        if (query.get('fromSrc')) call.importsImage = true;
        break;
      }
      case 'image-tag':
        call.images.push(endpoint.name);
        break;
      default:
        break;
    }
  } catch (e) {
    if (!(e instanceof BodyError) && !(e instanceof LookupError)) throw e;
    call.problems.push(e.message);
    view = undefined;
  }
  return { call, ...(view ? { view } : {}) };
}

/** Violations of the Compose rules on the view, minus those the empty baseline has too. */
function containerViolations(view: ContainerView, context: RuleContext): Array<{ rule: Rule<ComposeDoc>; v: RuleViolation }> {
  const run = (doc: ComposeDoc) => CONTAINER_RULES.flatMap((rule) => rule.check(doc, context).map((v) => ({ rule, v })));
  const found = run(view.doc);
  if (!view.baseline) return found;
  const base = new Set(run(view.baseline).map((x) => `${x.rule.id}\0${x.v.reason}`));
  return found.filter((x) => !base.has(`${x.rule.id}\0${x.v.reason}`));
}

export async function decideRequest(req: AuthzRequest, env: PolicyEnv): Promise<AuthzDecision> {
  const { call, view } = await translateRequest(req, env);
  const { project, authz } = env.config;
  const now = env.now();

  const trustFacts = new Map<string, TrustFacts>();
  if (env.trustFacts && project.trust) {
    for (const image of call.images) trustFacts.set(image, await env.trustFacts(image));
  }

  const raw: Array<{ meta: ApiRule | Rule<ComposeDoc>; groups: readonly string[]; v: RuleViolation }> = [];
  if (view) {
    const context: RuleContext = project.trust ? { trust: project.trust } : {};
    for (const { rule, v } of containerViolations(view, context)) raw.push({ meta: rule, groups: ['compose'], v });
  }
  const apiContext = { trustFacts, settings: authz, now, ...(project.trust ? { trust: project.trust } : {}) };
  for (const rule of API_RULES) for (const v of rule.check(call, apiContext)) raw.push({ meta: rule, groups: rule.groups, v });

  const images = call.images.length ? call.images : view?.image ? [view.image] : [];
  const subject: EnforcementSubject = { ...(call.user !== undefined ? { user: call.user } : {}), ...(images.length ? { images } : {}) };
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const { meta, groups, v } of raw) {
    const key = `${meta.id}\0${v.reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const m = modeFor(meta.id, meta.severity, project.enforcement, subject, now, groups);
    findings.push({ rule: meta.id, severity: meta.severity, mode: m.mode, reason: v.reason, ...(m.exception ? { exception: m.exception } : {}) });
  }

  const denying = findings.filter((f) => f.mode === 'deny');
  let msg = '';
  if (denying.length) {
    msg = `stockade: ${denying.map((f) => `[${f.rule}] ${f.reason}`).join('; ')}`;
    if (view?.notes.length) msg += ` (${view.notes.join('; ')})`;
    if (msg.length > MAX_MESSAGE) msg = `${msg.slice(0, MAX_MESSAGE - 3)}...`;
  }
  return { allow: denying.length === 0, msg, findings, method: call.method, path: call.path, endpoint: call.endpoint.kind, images };
}
