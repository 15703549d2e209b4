/**
 * Bad input, all at once, while well-formed reviews keep arriving on other connections:
 * non-JSON, invalid UTF-8, wrong media type, no media type, empty, oversize (declared and
 * streamed), deeply nested, wrong apiVersion, missing uid, null object, unknown kinds,
 * prototype-polluting keys, a huge but legal pod, wrong method and path, and slow clients
 * (no TLS handshake, headers that never end, a body that trickles). Every one is answered
 * (an AdmissionReview error where HTTP allows one) or closed within its timeout; the
 * server never crashes and the good requests get their right verdicts meanwhile.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { request as httpsRequest } from 'node:https';
import { httpsCall, opensslMissing, parseAnswer, review, startTestServer, type TestServer } from './test-support.js';

const skip = opensslMissing();
let s: TestServer;
const MAX_BODY = 256 * 1024;

before(async () => {
  if (skip) return;
  s = await startTestServer({
    limits: { maxBodyBytes: MAX_BODY, maxDepth: 100, bodyTimeoutMs: 800 },
    timeouts: { handshakeTimeoutMs: 800, headersTimeoutMs: 800, requestTimeoutMs: 3000, connectionsCheckingIntervalMs: 100, keepAliveTimeoutMs: 5000 },
  });
});

after(async () => {
  await s?.close();
});

const privileged = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx:1', securityContext: { privileged: true } }] } };
/** Mounts the Docker socket: SK-K8S-0009 (CRITICAL) denies by default, whatever the namespace's PSS level. */
const socketPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 's' }, spec: { containers: [{ name: 'c', image: 'nginx:1' }], volumes: [{ name: 'd', hostPath: { path: '/var/run/docker.sock' } }] } };
const plain = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q' }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } };

async function post(body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, path = '/validate', method?: string) {
  return httpsCall(s.url, { path, body, headers, ca: s.tls.ca, ...(method ? { method } : {}) });
}

/** A raw TLS connection that sends `data` and reports what came back and when the server closed. */
function rawTls(data: string, opts: { thenWrite?: string; afterMs?: number } = {}): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = tlsConnect({ host: '127.0.0.1', port: s.server.port, ca: s.tls.ca, servername: 'localhost' }, () => {
      socket.write(data);
      if (opts.thenWrite) setTimeout(() => socket.writable && socket.write(opts.thenWrite as string), opts.afterMs ?? 100);
    });
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`server kept a slow client for 8 s: ${text.slice(0, 100)}`));
    }, 8000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, ms: Date.now() - started });
    });
  });
}

/** A TCP connection that never starts TLS. */
function silentTcp(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = netConnect({ host: '127.0.0.1', port: s.server.port });
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('server kept a silent TCP client for 8 s'));
    }, 8000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

/** Streams `total` bytes chunked (no Content-Length); resolves with the status, or the error when the server cut it. */
function streamHuge(total: number): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = httpsRequest({ hostname: '127.0.0.1', port: s.server.port, path: '/validate', method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, ca: s.tls.ca, servername: 'localhost', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ status: res.statusCode ?? 0, error: e.message }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

test('hostile input is answered while good requests are served, concurrently', { skip }, async (t) => {
  const deep = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"deep","object":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
  const missingUid = review(plain) as { request: Record<string, unknown> };
  delete missingUid.request['uid'];
  const v1beta1 = { ...review(plain), apiVersion: 'admission.k8s.io/v1beta1' };
  const nullObject = review(plain) as { request: Record<string, unknown> };
  nullObject.request['object'] = null;
  const polluted = JSON.parse(JSON.stringify(review(socketPod)).replace('"metadata":{', '"metadata":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},')) as unknown;
  const manyContainers = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'many' }, spec: { containers: Array.from({ length: 1000 }, (_, i) => ({ name: `c${i}`, image: 'nginx:1' })) } };

  const hostile: Array<[string, Promise<unknown>]> = [
    ['non-JSON', post('this is not json {').then((r) => { assert.equal(r.status, 400); const a = parseAnswer(r); assert.equal(a.allowed, false); assert.match(a.message, /not JSON/); })],
    ['invalid UTF-8', post(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])).then((r) => { assert.equal(r.status, 400); assert.match(parseAnswer(r).message, /UTF-8/); })],
    ['empty body', post('').then((r) => { assert.equal(r.status, 400); assert.match(parseAnswer(r).message, /empty/); })],
    ['text/plain', post(JSON.stringify(review(plain)), { 'content-type': 'text/plain' }).then((r) => { assert.equal(r.status, 415); assert.equal(parseAnswer(r).allowed, false); })],
    ['no Content-Type is read as JSON', post(JSON.stringify(review(socketPod)), {}).then((r) => { assert.equal(r.status, 200); assert.equal(parseAnswer(r).allowed, false); })],
    ['declared oversize', post(Buffer.alloc(16), { 'content-type': 'application/json', 'content-length': String(100 * 1024 * 1024) }).then(
      (r) => { assert.equal(r.status, 413); assert.equal(parseAnswer(r).allowed, false); },
      (e: Error) => assert.match(e.message, /ECONNRESET|socket hang up|EPIPE/),
    )],
    ['streamed oversize', streamHuge(8 * 1024 * 1024).then((r) => {
      t.diagnostic(`streamed 8 MiB: ${r.status !== undefined ? `answered ${r.status}` : `cut off (${r.error})`}`);
      if (r.status !== undefined && r.body) { assert.equal(r.status, 413); assert.match(parseAnswer({ status: r.status, body: r.body }).message, /over the 262144-byte limit/); }
      else assert.match(r.error ?? '', /ECONNRESET|EPIPE|socket hang up/, 'cut off when not answered');
    })],
    ['deeply nested', post(deep).then((r) => { assert.equal(r.status, 400); const a = parseAnswer(r); assert.equal(a.uid, ''); assert.match(a.message, /nests deeper than 100/); })],
    ['missing uid', post(JSON.stringify(missingUid)).then((r) => { assert.equal(r.status, 400); const a = parseAnswer(r); assert.equal(a.uid, ''); assert.equal(a.allowed, false); assert.match(a.message, /request\.uid/); })],
    ['v1beta1', post(JSON.stringify(v1beta1)).then((r) => { assert.equal(r.status, 400); const a = parseAnswer(r); assert.ok(a.uid.length > 0, 'uid echoed'); assert.match(a.message, /admissionReviewVersions: \[v1\]/); })],
    ['null object', post(JSON.stringify(nullObject)).then((r) => { assert.equal(r.status, 200); const a = parseAnswer(r); assert.equal(a.allowed, false); assert.equal(a.code, 400); })],
    ['prototype keys', post(JSON.stringify(polluted)).then((r) => { assert.equal(parseAnswer(r).allowed, false); assert.equal(({} as Record<string, unknown>)['polluted'], undefined); })],
    ['1000 containers', post(JSON.stringify(review(manyContainers))).then((r) => { assert.equal(r.status, 200); assert.equal(parseAnswer(r).allowed, true); })],
    ['unknown kind', post(JSON.stringify(review({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { privileged: true } }))).then((r) => { assert.equal(parseAnswer(r).allowed, true); })],
    ['GET /validate', post('', {}, '/validate', 'GET').then((r) => { assert.equal(r.status, 405); assert.equal(parseAnswer(r).allowed, false); })],
    ['unknown path', post('{}', { 'content-type': 'application/json' }, '/nope').then((r) => assert.equal(r.status, 404))],
    ['no TLS handshake', silentTcp().then((ms) => assert.ok(ms < 5000, `closed after ${ms} ms`))],
    ['headers never end', rawTls('POST /validate HTTP/1.1\r\nHost: localhost\r\nX-Slow: ').then(({ text, ms }) => { assert.ok(ms < 5000, `closed after ${ms} ms`); assert.match(text, /^HTTP\/1\.1 408/); })],
    ['body trickles', rawTls('POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"api', { thenWrite: 'Version"', afterMs: 200 }).then(({ text, ms }) => {
      assert.ok(ms < 5000, `closed after ${ms} ms`);
      assert.match(text, /^HTTP\/1\.1 408/);
      assert.match(text, /"kind":"AdmissionReview".*not received within 800 ms/s);
    })],
  ];

  // Meanwhile, good requests on their own connections, with their right answers and bounded latency.
  const good = (async () => {
    let worst = 0;
    for (let i = 0; i < 60; i++) {
      const started = Date.now();
      const [denied, privilegedOk, allowed] = await Promise.all([s.post('/validate', review(socketPod)), s.post('/validate', review(privileged)), s.post('/validate', review(plain))]);
      worst = Math.max(worst, Date.now() - started);
      assert.equal(denied.allowed, false);
      assert.match(denied.message, /^SK-K8S-0009: /);
      // No PodSecurityConfiguration and no labels: PSA's defaults are privileged, so PSS allows.
      assert.equal(privilegedOk.allowed, true);
      assert.equal(allowed.allowed, true);
    }
    return worst;
  })();

  const outcomes = await Promise.allSettled(hostile.map(([, p]) => p));
  const failures = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`${hostile[i]?.[0]}: ${(o.reason as Error).message}`] : []));
  assert.deepEqual(failures, []);
  const worst = await good;
  assert.ok(worst < 2000, `a good request waited ${worst} ms`);
  // Still serving, still ready.
  assert.equal((await s.get('/readyz')).status, 200);
  const metrics = (await s.get('/metrics')).body;
  assert.match(metrics, /stockade_admission_requests_total\{endpoint="validate",kind="",outcome="invalid",dry_run="false"\} \d+/);
});
