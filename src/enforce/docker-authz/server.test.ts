/**
 * The plugin server on a real unix socket: the protocol's shapes, one log line per
 * decision, and bad input (non-JSON, huge, deeply nested, slow, truncated, internal
 * errors), each denied without a crash while other requests keep being answered.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { validateProjectConfig } from '../../config/project-config.js';
import { runDockerAuthzServer, type DockerAuthzServer } from './server.js';

const dir = mkdtempSync(join(tmpdir(), 'sk-authz-server-'));
const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
    cb();
  },
});
let server: DockerAuthzServer;
let failFacts = false;

before(async () => {
  server = await runDockerAuthzServer({
    socket: join(dir, 'plugin.sock'),
    logDestination: sink,
    limits: { bodyTimeoutMs: 800, maxRequestBytes: 4 * 1024 * 1024, maxResponseBytes: 1024 * 1024 },
    project: validateProjectConfig({ trust: { registries: ['registry.example'] } }, 'stockade.yaml'),
    trustFacts: async () => {
      if (failFacts) throw new Error('signature service unreachable');
      return {};
    },
  });
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  type: string | undefined;
  json: Record<string, unknown>;
  ms: number;
}

function post(path: string, body: string | Buffer | undefined, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: server.socket, method: 'POST', path, headers: { ...headers, ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, ms: performance.now() - started });
      });
    });
    r.on('error', reject);
    r.end(body);
  });
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
function authzReq(method: string, uri: string, body?: unknown, user?: string): string {
  return JSON.stringify({
    ...(user ? { User: user, UserAuthNMethod: 'TLS' } : {}),
    RequestMethod: method,
    RequestUri: uri,
    ...(body !== undefined ? { RequestBody: b64(body), RequestHeaders: { 'Content-Type': 'application/json', 'Content-Length': '10' } } : {}),
  });
}
const PLAIN = authzReq('POST', '/v1.41/containers/create?name=web', { Image: 'registry.example/app:1' });
const PRIVILEGED = authzReq('POST', '/v1.41/containers/create?name=web', { Image: 'registry.example/app:1', HostConfig: { Privileged: true } }, 'alice');

/** Opens a raw connection and sends `head`; resolves with everything the server sends until it closes. */
function raw(head: string | Buffer): { socket: Socket; done: Promise<string> } {
  const socket = connect(server.socket);
  const chunks: Buffer[] = [];
  const done = new Promise<string>((resolve) => {
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', () => undefined);
  });
  socket.write(head);
  return { socket, done };
}

/** 50 ordinary decisions at once; all must come back right and fast while something else misbehaves. */
async function othersStillServed(): Promise<void> {
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post('/AuthZPlugin.AuthZReq', i % 2 ? PLAIN : PRIVILEGED)));
  answers.forEach((a, i) => assert.equal(a.json['Allow'], i % 2 === 1));
  assert.ok(Math.max(...answers.map((a) => a.ms)) < 2000, 'answered promptly');
}

test('Plugin.Activate answers Implements: ["authz"] with the plugin media type', async () => {
  const a = await post('/Plugin.Activate', '', { Accept: 'application/vnd.docker.plugins.v1.2+json' });
  assert.equal(a.status, 200);
  assert.equal(a.type, 'application/vnd.docker.plugins.v1+json');
  assert.deepEqual(a.json, { Implements: ['authz'] });
});

test('AuthZReq: allow and deny shapes, one JSON log line per decision with the SIEM fields', async () => {
  const allow = await post('/AuthZPlugin.AuthZReq', PLAIN);
  assert.deepEqual(allow.json, { Allow: true });
  const deny = await post('/AuthZPlugin.AuthZReq', PRIVILEGED);
  assert.equal(deny.json['Allow'], false);
  assert.match(String(deny.json['Msg']), /\[SK-COMPOSE-0001\]/);
  const line = lines.filter((l) => l['event'] === 'authz' && l['user'] === 'alice').at(-1);
  assert.ok(line, 'decision logged');
  assert.match(String(line['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(line['method'], 'POST');
  assert.equal(line['path'], '/containers/create');
  assert.equal(line['allowed'], false);
  assert.deepEqual(line['rules'], ['SK-COMPOSE-0001']);
  assert.equal(line['message'], deny.json['Msg']);
  assert.equal(line['authMethod'], 'TLS');
  // Bodies, headers and query strings (build args, registry auth) are never logged.
  assert.ok(!JSON.stringify(line).includes('RequestBody'));
});

test('AuthZRes: allowed when well-formed, logged with the status; malformed is denied', async () => {
  const ok = await post('/AuthZPlugin.AuthZRes', JSON.stringify({ RequestMethod: 'GET', RequestUri: '/v1.41/containers/json', ResponseStatusCode: 200, ResponseBody: b64([]) }));
  assert.deepEqual(ok.json, { Allow: true });
  assert.equal(lines.filter((l) => l['phase'] === 'response').at(-1)?.['status'], 200);
  const bad = await post('/AuthZPlugin.AuthZRes', '{"RequestMethod": 7}');
  assert.equal(bad.json['Allow'], false);
});

test('non-JSON, wrong types, missing fields, truncated, binary: denied with a message', async () => {
  for (const body of ['not json', '{"RequestMethod":"POST","RequestUri":', '{"RequestMethod":"POST","RequestUri":5}', '{"RequestMethod":"POST"}', '[]', '', '\u0000\u00ff\u0001', 'null']) {
    const a = await post('/AuthZPlugin.AuthZReq', body);
    assert.equal(a.status, 200);
    assert.equal(a.json['Allow'], false, JSON.stringify(body));
    assert.match(String(a.json['Msg']), /^stockade: /);
  }
  // A body without Content-Type is read all the same (and judged).
  const noType = await post('/AuthZPlugin.AuthZReq', PRIVILEGED, {});
  assert.equal(noType.json['Allow'], false);
  assert.match(String(noType.json['Msg']), /SK-COMPOSE-0001/);
});

test('deeply nested JSON, in the envelope and in the request body, is denied without a stack overflow', async () => {
  const deep = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
  const a = await post('/AuthZPlugin.AuthZReq', deep);
  assert.equal(a.json['Allow'], false);
  assert.match(String(a.json['Msg']), /nested deeper/);
  const inner = JSON.stringify({ RequestMethod: 'POST', RequestUri: '/containers/create', RequestHeaders: { 'Content-Type': 'application/json' }, RequestBody: Buffer.from(`{"Image":"x","HostConfig":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`).toString('base64') });
  const b = await post('/AuthZPlugin.AuthZReq', inner);
  assert.equal(b.json['Allow'], false);
  assert.match(String(b.json['Msg']), /SK-AUTHZ-0005.*nested deeper/);
  await othersStillServed();
});

test('a huge request is cut off and denied; other requests are answered meanwhile', async () => {
  const { socket, done } = raw(`POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`);
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let sent = 0;
  const pump = async () => {
    while (sent < 64 && !socket.destroyed) {
      if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
      sent++;
    }
  };
  const [answer] = await Promise.all([done, pump(), othersStillServed()]);
  assert.match(answer, /"Allow":false/);
  assert.match(answer, /larger than 4194304 bytes/);
  assert.ok(sent < 64, 'the server closed the connection instead of reading 64 MiB');
});

test('an oversized AuthZRes (a large docker ps) is drained and allowed, not buffered', async () => {
  const big = JSON.stringify({ RequestMethod: 'GET', RequestUri: '/v1.41/containers/json', ResponseStatusCode: 200, ResponseBody: 'A'.repeat(3 * 1024 * 1024) });
  const a = await post('/AuthZPlugin.AuthZRes', big);
  assert.deepEqual(a.json, { Allow: true });
  assert.equal(lines.filter((l) => l['phase'] === 'response').at(-1)?.['oversize'], true);
});

test('a slow client is denied at the deadline while others are served', async () => {
  const body = PRIVILEGED;
  const { socket, done } = raw(`POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
  const started = Date.now();
  await othersStillServed();
  const answer = await done;
  assert.match(answer, /"Allow":false/);
  assert.match(answer, /not received within 800 ms/);
  assert.ok(Date.now() - started < 5000);
  socket.destroy();
  // Headers that never finish: the connection is closed by the server.
  const slowHeaders = raw('POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  const t0 = Date.now();
  await othersStillServed();
  await slowHeaders.done;
  assert.ok(Date.now() - t0 < 5000, 'slow headers closed by the server');
});

test('an internal error is denied, with Err set, and the server carries on', async () => {
  failFacts = true;
  try {
    const a = await post('/AuthZPlugin.AuthZReq', PLAIN);
    assert.equal(a.json['Allow'], false);
    assert.match(String(a.json['Msg']), /internal error.*signature service unreachable/);
    assert.ok(a.json['Err']);
    assert.equal(lines.at(-1)?.['internal'], true);
  } finally {
    failFacts = false;
  }
  assert.deepEqual((await post('/AuthZPlugin.AuthZReq', PLAIN)).json, { Allow: true });
});

test('unknown endpoints get 404; metrics and health on the same socket', async () => {
  const a = await post('/VolumeDriver.Create', '{}');
  assert.equal(a.status, 404);
  const metrics = await new Promise<string>((resolve, reject) => {
    request({ socketPath: server.socket, path: '/metrics' }, (res) => {
      let t = '';
      res.on('data', (c: Buffer) => (t += c.toString()));
      res.on('end', () => resolve(t));
    })
      .on('error', reject)
      .end();
  });
  assert.match(metrics, /stockade_authz_decisions_total\{phase="request",endpoint="container-create",allowed="false"\} \d+/);
  assert.match(metrics, /stockade_authz_decision_seconds_bucket/);
});

test('reload swaps the policy for the next request', async () => {
  assert.equal((await post('/AuthZPlugin.AuthZReq', PRIVILEGED)).json['Allow'], false);
  server.reload({ project: validateProjectConfig({ enforcement: { rules: { 'SK-COMPOSE-0001': 'warn' } } }, 'stockade.yaml') });
  try {
    assert.equal((await post('/AuthZPlugin.AuthZReq', PRIVILEGED)).json['Allow'], true);
    assert.ok((lines.filter((l) => l['event'] === 'authz').at(-1)?.['warn'] as string[]).includes('SK-COMPOSE-0001'));
  } finally {
    server.reload({ project: validateProjectConfig({ trust: { registries: ['registry.example'] } }, 'stockade.yaml') });
  }
});

test('500 concurrent mixed requests all answered correctly', async () => {
  const mix = [PLAIN, PRIVILEGED, authzReq('GET', '/v1.41/containers/json'), authzReq('POST', '/v1.41/plugins/x/disable'), authzReq('POST', '/v1.41/images/create?fromImage=evil.example%2Fx&tag=1')];
  const expected = [true, false, true, false, false];
  const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => post('/AuthZPlugin.AuthZReq', mix[i % mix.length] as string)));
  answers.forEach((a, i) => assert.equal(a.json['Allow'], expected[i % mix.length]));
});
