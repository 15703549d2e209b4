/**
 * Test plumbing for the admission webhook: a throwaway CA and serving certificate made
 * with openssl, an HTTPS client that trusts only that CA, AdmissionReview builders, and
 * an in-process server. Used by the tests and the benchmark; not part of the product.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AdmissionApp, type AdmissionAppOptions } from './app.js';
import { startAdmissionServer, type AdmissionServer, type ServerTimeouts } from './server.js';

export interface TestTls {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: Buffer;
}

/** Why openssl cannot be used, or undefined when it can. */
export function opensslMissing(): string | undefined {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'openssl not found on PATH';
}

/** A CA and a server certificate for localhost / 127.0.0.1 / ::1, valid for two days. */
export function makeTestTls(dir = mkdtempSync(join(tmpdir(), 'stockade-admission-tls-'))): TestTls {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=stockade-test-ca', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', ...ec, '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=stockade-admission']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  run(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '2', '-extfile', 'ext.cnf']);
  return { dir, caFile: join(dir, 'ca.crt'), certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), ca: readFileSync(join(dir, 'ca.crt')) };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request that trusts only the test CA. */
export function httpsCall(url: string, options: { method?: string; path: string; body?: string | Buffer; headers?: Record<string, string>; ca: Buffer; agent?: Agent; timeoutMs?: number }): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(options.path, url);
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (body && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
    const req = httpsRequest(
      { hostname: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, path: u.pathname, method: options.method ?? (body ? 'POST' : 'GET'), headers, ca: options.ca, agent: options.agent ?? false, servername: 'localhost' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 20_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

export interface ReviewOptions {
  namespace?: string;
  operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  uid?: string;
  dryRun?: boolean;
  username?: string;
  oldObject?: unknown;
  subResource?: string;
}

const GROUPS: Record<string, [string, string, string]> = {
  Pod: ['', 'v1', 'pods'],
  Namespace: ['', 'v1', 'namespaces'],
  ConfigMap: ['', 'v1', 'configmaps'],
  Secret: ['', 'v1', 'secrets'],
  Service: ['', 'v1', 'services'],
  PodTemplate: ['', 'v1', 'podtemplates'],
  ReplicationController: ['', 'v1', 'replicationcontrollers'],
  Deployment: ['apps', 'v1', 'deployments'],
  StatefulSet: ['apps', 'v1', 'statefulsets'],
  DaemonSet: ['apps', 'v1', 'daemonsets'],
  ReplicaSet: ['apps', 'v1', 'replicasets'],
  Job: ['batch', 'v1', 'jobs'],
  CronJob: ['batch', 'v1', 'cronjobs'],
  Role: ['rbac.authorization.k8s.io', 'v1', 'roles'],
  ClusterRole: ['rbac.authorization.k8s.io', 'v1', 'clusterroles'],
  RoleBinding: ['rbac.authorization.k8s.io', 'v1', 'rolebindings'],
  ClusterRoleBinding: ['rbac.authorization.k8s.io', 'v1', 'clusterrolebindings'],
};

let uidCounter = 0;

/** An AdmissionReview v1 request for `object` (its kind decides group and resource). */
export function review(object: Record<string, unknown>, options: ReviewOptions = {}): Record<string, unknown> {
  const kind = String(object['kind']);
  const [group, version, resource] = GROUPS[kind] ?? ['example.com', 'v1', `${kind.toLowerCase()}s`];
  const meta = (object['metadata'] ?? {}) as Record<string, unknown>;
  const namespace = kind === 'Namespace' ? undefined : (options.namespace ?? (meta['namespace'] as string | undefined) ?? 'default');
  const request: Record<string, unknown> = {
    uid: options.uid ?? `00000000-0000-4000-8000-${String(++uidCounter).padStart(12, '0')}`,
    kind: { group, version, kind },
    resource: { group, version, resource },
    requestKind: { group, version, kind },
    requestResource: { group, version, resource },
    name: meta['name'] ?? '',
    operation: options.operation ?? 'CREATE',
    userInfo: { username: options.username ?? 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
    object: options.operation === 'DELETE' ? null : object,
    oldObject: options.oldObject ?? null,
    dryRun: options.dryRun ?? false,
    options: { apiVersion: 'meta.k8s.io/v1', kind: options.operation === 'UPDATE' ? 'UpdateOptions' : 'CreateOptions' },
  };
  if (namespace !== undefined) request['namespace'] = namespace;
  if (options.subResource) request['subResource'] = options.subResource;
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

/** A Deployment whose pod template is `pod` (metadata labels and annotations kept). */
export function deploymentOf(pod: Record<string, unknown>, name = 'wrapped'): Record<string, unknown> {
  const meta = (pod['metadata'] ?? {}) as Record<string, unknown>;
  const labels = { app: name, ...((meta['labels'] as Record<string, string> | undefined) ?? {}) };
  const templateMeta: Record<string, unknown> = { labels };
  if (meta['annotations']) templateMeta['annotations'] = meta['annotations'];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, ...(meta['namespace'] ? { namespace: meta['namespace'] } : {}) },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: templateMeta, spec: pod['spec'] } },
  };
}

export interface ParsedAnswer {
  status: number;
  uid: string;
  allowed: boolean;
  message: string;
  code?: number;
  warnings: string[];
  annotations: Record<string, string>;
  patch?: unknown;
  raw: Record<string, unknown>;
}

/** Parses an AdmissionReview answer, failing loudly when it is not one. */
export function parseAnswer(result: { status: number; body: string }): ParsedAnswer {
  const raw = JSON.parse(result.body) as Record<string, unknown>;
  if (raw['apiVersion'] !== 'admission.k8s.io/v1' || raw['kind'] !== 'AdmissionReview') throw new Error(`not an AdmissionReview: ${result.body.slice(0, 200)}`);
  const r = raw['response'] as Record<string, unknown>;
  const status = (r['status'] ?? {}) as Record<string, unknown>;
  const out: ParsedAnswer = {
    status: result.status,
    uid: String(r['uid']),
    allowed: r['allowed'] === true,
    message: String(status['message'] ?? ''),
    warnings: (r['warnings'] as string[] | undefined) ?? [],
    annotations: (r['auditAnnotations'] as Record<string, string> | undefined) ?? {},
    raw,
  };
  if (typeof status['code'] === 'number') out.code = status['code'];
  if (typeof r['patch'] === 'string') out.patch = JSON.parse(Buffer.from(r['patch'], 'base64').toString('utf8'));
  return out;
}

export interface TestServer {
  app: AdmissionApp;
  server: AdmissionServer;
  url: string;
  tls: TestTls;
  agent: Agent;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<ParsedAnswer>;
  get(path: string): Promise<HttpResult>;
  close(): Promise<void>;
}

/** The real app behind real TLS on 127.0.0.1:0, with quiet logs unless given a logger. */
export async function startTestServer(options: AdmissionAppOptions & { timeouts?: Partial<ServerTimeouts>; tls?: TestTls } = {}): Promise<TestServer> {
  const tls = options.tls ?? makeTestTls();
  // Never pick up a ./stockade.yaml from wherever the tests run: an empty one unless given.
  const files = { ...options.files };
  if (files.config === undefined) {
    files.config = join(mkdtempSync(join(tmpdir(), 'stockade-admission-config-')), 'stockade.yaml');
    writeFileSync(files.config, '{}\n');
  }
  const app = new AdmissionApp({ logger: pino({ level: 'silent' }), ...options, files });
  await app.load();
  const server = await startAdmissionServer(app, { host: '127.0.0.1', port: 0, tls: { cert: tls.certFile, key: tls.keyFile }, ...(options.timeouts ? { timeouts: options.timeouts } : {}) });
  const agent = new Agent({ keepAlive: true, maxSockets: 16, ca: tls.ca });
  return {
    app,
    server,
    url: server.url,
    tls,
    agent,
    async post(path, body, headers = { 'content-type': 'application/json' }) {
      const r = await httpsCall(server.url, { path, body: typeof body === 'string' ? body : JSON.stringify(body), headers, ca: tls.ca, agent });
      return parseAnswer(r);
    },
    get(path) {
      return httpsCall(server.url, { path, ca: tls.ca, agent });
    },
    async close() {
      agent.destroy();
      await server.close();
    },
  };
}
