/**
 * Admission webhook benchmark (`npm run bench`, admission part): the real server (its own
 * process, HTTPS with a throwaway CA, decision logs written as in production) driven on
 * loopback by autocannon at a fixed rate with a realistic mix of AdmissionReviews: pods
 * and Deployments, passing and failing, in namespaces at restricted, baseline (warn and
 * audit restricted), privileged and unlabelled (defaults), with a trust policy in force.
 * Three runs: a steady open-loop 500 req/s (the target: p99 < 5 ms, no errors), autocannon's
 * fixed-rate mode (which sends each second's quota in a burst: reported for comparison),
 * and autocannon at saturation (throughput). Latencies are exact, per response. Prints a
 * summary and one JSON line.
 *
 * Usage: node dist/bench/admission.js [--rate 500] [--duration 10] [--connections 20]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { AdmissionApp } from '../enforce/admission/app.js';
import { startAdmissionServer } from '../enforce/admission/server.js';
import { deploymentOf, makeTestTls, review } from '../enforce/admission/test-support.js';
import { pacedLoad, type PacedResult } from './paced-load.js';

const TARGET_P99_MS = 5;
const TARGET_RATE = 500;

/** The slice of autocannon's API used here (it ships no types). */
interface AutocannonResult {
  requests: { average: number; total: number; sent: number };
  latency: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
}
type Autocannon = ((opts: Record<string, unknown>, cb: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance) & { track?: unknown };
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

// ---- the server side (a child process, so the load generator has its own core) -------------

async function serve(dir: string): Promise<void> {
  const tls = { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
  const app = new AdmissionApp({
    files: { config: join(dir, 'stockade.yaml'), pssConfig: join(dir, 'pss.yaml'), namespaceLabels: join(dir, 'labels.yaml') },
    // As in production: one JSON line per decision, written asynchronously (to /dev/null here).
    logger: pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false })),
  });
  await app.load();
  const server = await startAdmissionServer(app, { host: '127.0.0.1', port: 0, tls });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

// ---- the mix --------------------------------------------------------------------------------

function pod(i: number): Record<string, unknown> {
  const hardened = i % 3 === 0;
  const registry = i % 17 === 0 ? 'docker.io/evil' : 'registry.example.com/team';
  const tag = i % 11 === 0 ? 'latest' : `1.${i % 7}.0`;
  const container: Record<string, unknown> = {
    name: 'app',
    image: `${registry}/app-${i % 40}:${tag}`,
    ports: [{ containerPort: 8080 }],
    env: [{ name: 'LOG_LEVEL', value: 'info' }],
    resources: i % 2 === 0 ? { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } } : {},
    securityContext: hardened
      ? { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }
      : { privileged: i % 13 === 0, capabilities: { add: i % 5 === 0 ? ['NET_ADMIN'] : [] } },
  };
  const spec: Record<string, unknown> = {
    containers: [container, { name: 'sidecar', image: `registry.example.com/team/proxy:2.${i % 3}.1`, securityContext: hardened ? { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } : {} }],
    volumes: [{ name: 'data', ...(i % 19 === 0 ? { hostPath: { path: '/var/lib/data' } } : { emptyDir: {} }) }],
  };
  if (hardened) spec['securityContext'] = { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } };
  if (i % 7 === 0) spec['hostNetwork'] = true;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `app-${i}`, labels: { app: `app-${i % 40}`, team: `t${i % 4}` }, annotations: { 'example.com/owner': 'team' } }, spec };
}

const NAMESPACES = ['prod', 'staging', 'dev', 'sandbox'];

function bodies(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = pod(i);
    const namespace = NAMESPACES[i % NAMESPACES.length] as string;
    const object = i % 2 === 0 ? p : deploymentOf(p, `app-${i}`);
    out.push(JSON.stringify(review(object, { namespace, uid: `bench-${i}`, username: `user-${i % 5}` })));
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { serve: { type: 'string' }, rate: { type: 'string', default: String(TARGET_RATE) }, duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '20' } } });
  if (values.serve) return serve(values.serve);
  const rate = Number(values.rate);
  const duration = Number(values.duration);
  const connections = Number(values.connections);

  const dir = mkdtempSync(join(tmpdir(), 'stockade-bench-admission-'));
  makeTestTls(dir);
  writeFileSync(join(dir, 'labels.yaml'), `prod: {pod-security.kubernetes.io/enforce: restricted}
staging: {pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/warn: restricted, pod-security.kubernetes.io/audit: restricted}
dev: {pod-security.kubernetes.io/enforce: privileged, pod-security.kubernetes.io/audit: baseline, pod-security.kubernetes.io/enforce-version: v1.30}
`);
  writeFileSync(join(dir, 'pss.yaml'), 'apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults: {enforce: baseline, warn: restricted}\nexemptions: {usernames: [user-4]}\n');
  writeFileSync(join(dir, 'stockade.yaml'), 'trust:\n  registries: [registry.example.com]\n  forbiddenTags: [latest]\nenforcement:\n  severities: {MEDIUM: warn, LOW: audit}\n');

  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code})`)));
  });

  const mix = bodies(400);
  const tls = { ca: readFileSync(join(dir, 'ca.crt')) };
  const verdicts = { allowed: 0, denied: 0, warned: 0, invalid: 0 };
  const tally = (status: number, body: string): void => {
    if (status !== 200) return void verdicts.invalid++;
    const r = (JSON.parse(body) as { response: { allowed: boolean; warnings?: string[] } }).response;
    if (r.allowed) verdicts.allowed++;
    else verdicts.denied++;
    if (r.warnings?.length) verdicts.warned++;
  };
  // autocannon resets a connection's context after each pass over `requests`: cycle with our own counter.
  let next = 0;
  const acRequest = () => ({
    method: 'POST',
    path: '/validate',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req: Record<string, unknown>) => ({ ...req, body: mix[next++ % mix.length] }),
    onResponse: tally,
  });
  const cannon = (opts: Record<string, unknown>): Promise<{ result: AutocannonResult; latencies: number[] }> =>
    new Promise((resolve, reject) => {
      const latencies: number[] = [];
      const instance = autocannon({ url, connections, requests: [acRequest()], ...opts }, (err, result) => (err ? reject(err) : resolve({ result, latencies })));
      instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
    });

  // Warm-up (JIT, TLS sessions), not measured.
  await cannon({ connections: 4, amount: 3000 });

  // 1. Steady 500 req/s: open-loop arrivals every 1/rate s over `connections` keep-alive connections.
  Object.assign(verdicts, { allowed: 0, denied: 0, warned: 0, invalid: 0 });
  const steady = await paced(url, tls.ca, mix, rate, duration, connections, tally);
  const steadyVerdicts = { ...verdicts };

  // 2. autocannon's fixed-rate mode: each connection sends its per-second quota back to back at
  //    the start of every second (lib/httpClient.js: reqsMadeThisSecond), i.e. a burst of `rate`
  //    requests, `connections` in flight, once a second: latency of a burst at saturation.
  const fixed = await cannon({ duration, overallRate: rate });

  // 3. Saturation: as fast as `connections` keep-alive connections go.
  const saturated = await cannon({ duration: Math.min(5, duration) });
  child.kill('SIGTERM');

  const summary = (latencies: number[], seconds: number) => {
    const sorted = [...latencies].sort((a, b) => a - b);
    return { requests: sorted.length, reqPerSec: Math.round(sorted.length / seconds), p50Ms: Number(percentile(sorted, 50).toFixed(3)), p99Ms: Number(percentile(sorted, 99).toFixed(3)), maxMs: Number((sorted[sorted.length - 1] ?? NaN).toFixed(3)) };
  };
  const s1 = summary(steady.latencies, steady.seconds);
  const s1s = summary(steady.fromSchedule, steady.seconds);
  const s2 = summary(fixed.latencies, fixed.result.duration);
  const s3 = summary(saturated.latencies, saturated.result.duration);
  const acErrors = (r: AutocannonResult) => r.errors + r.timeouts + r.non2xx;
  const errors = steady.errors + steadyVerdicts.invalid;
  const met = s1.p99Ms < TARGET_P99_MS && errors === 0 && s1.reqPerSec >= rate * 0.95;
  process.stdout.write(
    [
      '== admission webhook (HTTPS, loopback, server in its own process)',
      `steady ${rate} req/s, ${connections} connections, ${duration} s: ${s1.requests} reviews, ${s1.reqPerSec} req/s, p50 ${s1.p50Ms} ms, p99 ${s1.p99Ms} ms, max ${s1.maxMs} ms, errors ${errors} [target p99 < ${TARGET_P99_MS} ms at ${TARGET_RATE} req/s, no errors] ${met ? 'met' : 'MISSED'}`,
      `  from the scheduled send time (driver timer jitter included): p50 ${s1s.p50Ms} ms, p99 ${s1s.p99Ms} ms`,
      `  verdicts: ${steadyVerdicts.allowed} allowed (${steadyVerdicts.warned} with warnings), ${steadyVerdicts.denied} denied`,
      `autocannon overallRate ${rate} (per-second bursts): ${s2.reqPerSec} req/s, p50 ${s2.p50Ms} ms, p99 ${s2.p99Ms} ms, max ${s2.maxMs} ms, errors ${acErrors(fixed.result)}`,
      `autocannon saturation, ${connections} connections: ${s3.reqPerSec} req/s, p50 ${s3.p50Ms} ms, p99 ${s3.p99Ms} ms, errors ${acErrors(saturated.result)}`,
    ].join('\n') + '\n',
  );
  process.stdout.write(
    JSON.stringify({
      bench: 'admission',
      rate,
      connections,
      seconds: Number(steady.seconds.toFixed(2)),
      ...s1,
      errors,
      allowed: steadyVerdicts.allowed,
      denied: steadyVerdicts.denied,
      targetP99Ms: TARGET_P99_MS,
      met,
      fromSchedule: { p50Ms: s1s.p50Ms, p99Ms: s1s.p99Ms, maxMs: s1s.maxMs },
      autocannonFixedRate: { ...s2, errors: acErrors(fixed.result) },
      autocannonSaturation: { ...s3, errors: acErrors(saturated.result) },
      loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
      cpus: cpus().length,
    }) + '\n',
  );
}

/** The steady driver over HTTPS to /validate (see paced-load.ts). */
async function paced(url: string, ca: Buffer, mix: readonly string[], rate: number, seconds: number, connections: number, onAnswer: (status: number, body: string) => void): Promise<PacedResult> {
  const u = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections, ca });
  try {
    return await pacedLoad(rate, seconds, (k) =>
      new Promise<boolean>((resolve) => {
        const body = mix[k % mix.length] as string;
        const req = httpsRequest({ hostname: u.hostname, port: u.port, path: '/validate', method: 'POST', agent, servername: 'localhost', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            onAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
            resolve(true);
          });
        });
        req.on('error', () => resolve(false));
        req.end(body);
      }),
    );
  } finally {
    agent.destroy();
  }
}

await main();
