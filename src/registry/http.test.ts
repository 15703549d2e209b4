// Transport rules. TLS trust and plain-HTTP refusal run against real docker-registry
// processes (TLS from the test CA, and a plain-HTTP one on 127.0.0.1). Redirect,
// timeout, retry and HTML cases need behaviour a real registry will not produce, so
// they use HAND-WRITTEN FAKE servers for hostile behaviour, labelled as such below.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import {
  makeTestPki,
  missingRegistryTools,
  sha256Of,
  skopeoInspect,
  startHttpsServer,
  startRegistry,
  startRegistryFixture,
  type RegistryFixture,
  type SmallServer,
} from '../testing/registry-server.js';
import { RegistryClient, type RegistryClientOptions } from './client.js';
import { HttpClient, parseRetryAfter } from './http.js';
import { parseImageReference } from './reference.js';

const skip = missingRegistryTools();
let fx: RegistryFixture;
before(async () => {
  if (!skip) fx = await startRegistryFixture();
});
after(async () => {
  await fx?.stop();
});

function mk(extra: RegistryClientOptions = {}): RegistryClient {
  const c = new RegistryClient({ env: fx.env, timeoutMs: 5000, ...extra });
  fx.onStop(() => c.close());
  return c;
}
const withCreds = (): RegistryClientOptions => ({ username: fx.username, password: fx.password, credentialsRegistry: fx.registry.host });

async function rejectsWith(p: Promise<unknown>, code: StockadeError['code'], pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StockadeError, String(e));
    assert.equal(e.code, code, e.oneLine);
    assert.match(e.oneLine, pattern);
    assert.ok(!/\n/.test(e.oneLine));
    return true;
  });
}

async function expectedDigest(): Promise<string> {
  return sha256Of(await skopeoInspect(`${fx.registry.host}/app:1`, { certDir: fx.pki.certDir, creds: fx.creds }, { raw: true }));
}

// ---------------------------------------------------------------------------------
// TLS trust (real registry)

test('TLS: a certificate from a CA we were not told about is refused with a clear error', async (t) => {
  if (skip) return t.skip(skip);
  const ref = parseImageReference(`${fx.registry.host}/app:1`);
  await rejectsWith(mk(withCreds()).getManifest(ref), 'not_found', /TLS certificate of 127\.0\.0\.1:\d+ is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); trust its CA with --ca-file/);
  // Another CA is not this CA.
  const other = makeTestPki(join(fx.base, 'other-pki'), 'Some Other CA');
  await rejectsWith(mk({ ...withCreds(), caFiles: [other.caCert] }).getManifest(ref), 'not_found', /is not trusted/);
});

test('TLS: trusted through a CA file option, SSL_CERT_FILE, or NODE_EXTRA_CA_CERTS', async (t) => {
  if (skip) return t.skip(skip);
  const ref = parseImageReference(`${fx.registry.host}/app:1`);
  const want = await expectedDigest();
  assert.equal((await mk({ ...withCreds(), caFiles: [fx.pki.caCert] }).getManifest(ref)).digest, want);
  assert.equal((await mk({ ...withCreds(), env: { ...fx.env, SSL_CERT_FILE: fx.pki.caCert } }).getManifest(ref)).digest, want);
  assert.equal((await mk({ ...withCreds(), env: { ...fx.env, NODE_EXTRA_CA_CERTS: fx.pki.caCert } }).getManifest(ref)).digest, want);
  // A CA file that is not there is named in the error.
  assert.throws(() => new HttpClient({ caFiles: [join(fx.base, 'nope.pem')] }), (e: unknown) => e instanceof StockadeError && e.code === 'not_found' && e.input.endsWith('nope.pem'));
  const notPem = join(fx.base, 'not-a-cert.pem');
  writeFileSync(notPem, 'hello');
  assert.throws(() => new HttpClient({ caFiles: [notPem] }), /holds no PEM certificate/);
});

// ---------------------------------------------------------------------------------
// Plain HTTP (real registry without TLS on loopback)

test('plain HTTP is refused for 127.0.0.1 unless listed as an insecure registry, then used', async (t) => {
  if (skip) return t.skip(skip);
  const plain = await startRegistry({ storageDir: fx.storage, tls: false });
  fx.onStop(() => plain.stop());
  const ref = parseImageReference(`${plain.host}/app:1`);
  await rejectsWith(mk().getManifest(ref), 'usage', new RegExp(`${plain.host.replace(/\./g, '\\.')} does not speak HTTPS .*--insecure-registry ${plain.host.replace(/\./g, '\\.')}`));
  // Listing another host does not help.
  await rejectsWith(mk({ insecureRegistries: ['127.0.0.1:1'] }).getManifest(ref), 'usage', /does not speak HTTPS/);
  const m = await mk({ insecureRegistries: [plain.host] }).getManifest(ref);
  const raw = await skopeoInspect(`${plain.host}/app:1`, { tlsVerify: false }, { raw: true });
  assert.equal(m.digest, sha256Of(raw));
  // Listing a host does not relax TLS for it: a TLS registry with an unknown CA is still refused.
  await rejectsWith(mk({ ...withCreds(), insecureRegistries: [fx.registry.host] }).getManifest(parseImageReference(`${fx.registry.host}/app:1`)), 'not_found', /is not trusted/);
});

// ---------------------------------------------------------------------------------
// Hand-written fakes for hostile behaviour

let fakes: SmallServer[] = [];
async function fake(handler: Parameters<typeof startHttpsServer>[1]): Promise<SmallServer> {
  const s = await startHttpsServer(fx.pki, handler);
  fakes.push(s);
  fx.onStop(() => s.stop());
  return s;
}
after(async () => {
  for (const s of fakes) await s.stop().catch(() => undefined);
  fakes = [];
});
const fakeClient = (extra: RegistryClientOptions = {}) => mk({ caFiles: [fx.pki.caCert], timeoutMs: 1000, retryBaseMs: 20, ...extra });
const MANIFEST = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 }, layers: [] }));
function serveManifest(res: import('node:http').ServerResponse): void {
  res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
  res.end(MANIFEST);
}

test('endless redirects stop after 5 with a clear error (hand-written fake)', async (t) => {
  if (skip) return t.skip(skip);
  let hits = 0;
  const s = await fake((_req, res) => {
    hits++;
    res.statusCode = 302;
    res.setHeader('location', `/loop/${hits}`);
    res.end();
  });
  await rejectsWith(fakeClient().getManifest(parseImageReference(`${s.host}/app:1`)), 'hostile_input', /more than 5 redirects while fetching manifest 1/);
  assert.equal(hits, 6);
});

test('redirects: Authorization kept on the same origin, dropped for another host, and HTTPS->HTTP refused (hand-written fakes)', async (t) => {
  if (skip) return t.skip(skip);
  const blob = Buffer.from('blob content served after a redirect');
  const digest = sha256Of(blob);
  const seen: Array<{ server: string; path: string; authorization: string | undefined }> = [];
  const other = await fake((req, res) => {
    seen.push({ server: 'other', path: req.url ?? '', authorization: req.headers.authorization });
    res.end(blob);
  });
  const basic = `Basic ${Buffer.from('alice:secret').toString('base64')}`;
  const registry = await fake((req, res) => {
    seen.push({ server: 'registry', path: req.url ?? '', authorization: req.headers.authorization });
    if (req.headers.authorization !== basic) {
      res.statusCode = 401;
      res.setHeader('www-authenticate', 'Basic realm="fake"');
      res.end();
      return;
    }
    // First a redirect on the same origin, then one to another host (like a blob store).
    res.statusCode = 307;
    res.setHeader('location', req.url?.includes('hop=same') ? `${other.url}/storage/elsewhere` : `/v2/app/blobs/${digest}?hop=same`);
    res.end();
  });
  const client = fakeClient({ hostCredentials: { [registry.host]: { username: 'alice', password: 'secret' } } });
  const ref = parseImageReference(`${registry.host}/app`);
  const bytes = await client.getBlobBytes(ref, { digest, size: blob.length }, 1024);
  assert.deepEqual(bytes, blob);
  const toOther = seen.filter((s) => s.server === 'other');
  assert.equal(toOther.length, 1);
  assert.equal(toOther[0]?.authorization, undefined, 'credentials must not follow a redirect to another host');
  const sameOrigin = seen.filter((s) => s.server === 'registry' && s.path.includes('hop=same'));
  assert.equal(sameOrigin.length, 1);
  assert.equal(sameOrigin[0]?.authorization, basic, 'a same-origin redirect keeps the credentials');

  // HTTPS -> HTTP redirect: refused (a plain-HTTP server on loopback, not listed).
  const plain = createHttpServer((_req, res) => res.end(blob));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  fx.onStop(() => new Promise<void>((r) => plain.close(() => r())));
  const plainPort = (plain.address() as AddressInfo).port;
  const downgrade = await fake((_req, res) => {
    res.statusCode = 302;
    res.setHeader('location', `http://127.0.0.1:${plainPort}/blob`);
    res.end();
  });
  await rejectsWith(fakeClient().getBlobBytes(parseImageReference(`${downgrade.host}/app`), { digest, size: blob.length }, 1024), 'hostile_input', /redirected blob sha256:[0-9a-f]+ from HTTPS to plain HTTP at 127\.0\.0\.1:\d+; refused/);
});

test('a server that never answers: a timeout error, no hang (hand-written fake)', async (t) => {
  if (skip) return t.skip(skip);
  const s = await fake(() => undefined);
  const t0 = Date.now();
  await rejectsWith(fakeClient({ timeoutMs: 800 }).getManifest(parseImageReference(`${s.host}/app:1`)), 'limit_exceeded', /127\.0\.0\.1:\d+ did not answer manifest 1 within 800 ms \(timeout; raise it with --timeout\)/);
  assert.ok(Date.now() - t0 < 4000, `took ${Date.now() - t0} ms`);
});

test('a token endpoint that hangs: a timeout error naming the token request (hand-written fakes)', async (t) => {
  if (skip) return t.skip(skip);
  const tokenHang = await fake(() => undefined);
  const s = await fake((_req, res) => {
    res.statusCode = 401;
    res.setHeader('www-authenticate', `Bearer realm="${tokenHang.url}/token",service="fake"`);
    res.end();
  });
  const t0 = Date.now();
  await rejectsWith(fakeClient({ timeoutMs: 800 }).getManifest(parseImageReference(`${s.host}/app:1`)), 'limit_exceeded', /did not answer a token for repository:app:pull within 800 ms/);
  assert.ok(Date.now() - t0 < 4000);
});

test('a manifest that trickles in under the idle timeout still hits the whole-request deadline (hand-written fake)', async (t) => {
  if (skip) return t.skip(skip);
  const s = await fake((_req, res) => {
    res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
    res.write('{');
    const timer = setInterval(() => res.write(' '), 200);
    res.on('close', () => clearInterval(timer));
  });
  const t0 = Date.now();
  await rejectsWith(fakeClient({ timeoutMs: 1000, documentDeadlineMs: 1500 }).getManifest(parseImageReference(`${s.host}/app:1`)), 'limit_exceeded', /took more than 1\.5 s to send manifest 1 \(deadline\)/);
  assert.ok(Date.now() - t0 < 5000);
});

test('429 with Retry-After is honoured; a Retry-After beyond the cap fails at once (hand-written fake)', async (t) => {
  if (skip) return t.skip(skip);
  let hits = 0;
  let retryAfter = '1';
  const s = await fake((_req, res) => {
    hits++;
    if (hits === 1) {
      res.statusCode = 429;
      res.setHeader('retry-after', retryAfter);
      res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
      return;
    }
    serveManifest(res);
  });
  const ref = parseImageReference(`${s.host}/app:1`);
  const t0 = Date.now();
  const m = await fakeClient().getManifest(ref);
  assert.equal(m.digest, sha256Of(MANIFEST));
  assert.equal(hits, 2);
  assert.ok(Date.now() - t0 >= 950, `retried after ${Date.now() - t0} ms`);

  hits = 0;
  retryAfter = '3600';
  const t1 = Date.now();
  await rejectsWith(fakeClient({ maxRetryWaitMs: 2000 }).getManifest(ref), 'not_found', /answered HTTP 429 to manifest 1 and asks to retry after 3600 s, longer than the 2 s we wait/);
  assert.equal(hits, 1);
  assert.ok(Date.now() - t1 < 1000);
  assert.ok((parseRetryAfter(new Date(Date.now() + 5000).toUTCString()) ?? 0) > 3000);
  assert.equal(parseRetryAfter('soon'), undefined);
});

test('5xx: retried with backoff, then reported; resets before the answer are retried (hand-written fake)', async (t) => {
  if (skip) return t.skip(skip);
  let hits = 0;
  let failures = 2;
  let mode: 'status' | 'reset' = 'status';
  const s = await fake((req, res) => {
    hits++;
    if (hits <= failures) {
      if (mode === 'reset') {
        req.socket.destroy();
        return;
      }
      res.statusCode = 503;
      res.end();
      return;
    }
    serveManifest(res);
  });
  const ref = parseImageReference(`${s.host}/app:1`);
  assert.equal((await fakeClient().getManifest(ref)).digest, sha256Of(MANIFEST));
  assert.equal(hits, 3);

  hits = 0;
  failures = 100;
  await rejectsWith(fakeClient({ retries: 3 }).getManifest(ref), 'not_found', /answered HTTP 503 to manifest 1/);
  assert.equal(hits, 4);

  hits = 0;
  failures = 1;
  mode = 'reset';
  assert.equal((await fakeClient().getManifest(ref)).digest, sha256Of(MANIFEST));
  assert.equal(hits, 2);
});

test('HTML instead of JSON: one clear error, for manifests, error pages and token responses (hand-written fakes)', async (t) => {
  if (skip) return t.skip(skip);
  const page = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please log in</body></html>';
  let status = 200;
  const s = await fake((_req, res) => {
    res.statusCode = status;
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(page);
  });
  const ref = parseImageReference(`${s.host}/app:1`);
  await rejectsWith(fakeClient().getManifest(ref), 'malformed_input', /answered manifest 1 with an HTML page \(HTTP 200\), not JSON/);
  status = 502;
  await rejectsWith(fakeClient({ retries: 0 }).getManifest(ref), 'malformed_input', /answered manifest 1 with an HTML page \(HTTP 502\)/);
  // The same page without a content type is still recognised.
  const bare = await fake((_req, res) => res.end(page));
  await rejectsWith(fakeClient().getManifest(parseImageReference(`${bare.host}/app:1`)), 'malformed_input', /HTML page/);
  const tokenHtml = await fake((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(page);
  });
  const reg = await fake((_req, res) => {
    res.statusCode = 401;
    res.setHeader('www-authenticate', `Bearer realm="${tokenHtml.url}/token",service="fake"`);
    res.end();
  });
  await rejectsWith(fakeClient().getManifest(parseImageReference(`${reg.host}/app:1`)), 'malformed_input', /answered token response with an HTML page/);
});
