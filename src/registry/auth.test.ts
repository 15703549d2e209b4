// Authentication. The challenge parser is checked against RFC 9110 §11 grammar cases
// and the headers distribution itself sends; the bearer flow runs against a real
// docker-registry 2.8 configured with `auth: token` (it verifies our token server's
// ES256 JWTs with its own x5c chain check against `rootcertbundle`), so a token the
// registry accepts is one distribution considers valid. The token server counts
// requests and records which credentials arrived, the oracle for caching and for
// the rule on where credentials may go.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import { walkLayer, DEFAULT_WALK_LIMITS } from '../image/walk-layer.js';
import {
  missingRegistryTools,
  skopeoInspect,
  startHttpsServer,
  startRegistryFixture,
  startTokenRegistry,
  type RegistryFixture,
  type TokenRegistry,
} from '../testing/registry-server.js';
import { canonicalHost, parseWwwAuthenticate, realmMayReceiveRegistryCredentials, WwwAuthenticateError } from './auth.js';
import { RegistryClient, type RegistryClientOptions } from './client.js';
import { openRegistryImage } from './open-registry-image.js';
import { parseImageReference } from './reference.js';

// ---------------------------------------------------------------------------------
// WWW-Authenticate parsing (pure)

test('parses the Bearer challenge distribution 2.8 sends', () => {
  const h = 'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:library/app:pull"';
  assert.deepEqual(parseWwwAuthenticate(h), [
    { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:library/app:pull' } },
  ]);
});

test('quoted strings: commas, equals signs and escaped quotes inside quotes are data', () => {
  const [c] = parseWwwAuthenticate('Bearer realm="https://a/t?x=1,y=2", scope="repository:a:pull,push repository:b:pull", error="say \\"hi\\", \\\\ ok"');
  assert.deepEqual(c?.params, { realm: 'https://a/t?x=1,y=2', scope: 'repository:a:pull,push repository:b:pull', error: 'say "hi", \\ ok' });
});

test('several challenges, token values, case-insensitive names, empty list elements', () => {
  assert.deepEqual(parseWwwAuthenticate('Basic realm="Registry Realm", BEARER Realm=token-value , , Negotiate'), [
    { scheme: 'basic', params: { realm: 'Registry Realm' } },
    { scheme: 'bearer', params: { realm: 'token-value' } },
    { scheme: 'negotiate', params: {} },
  ]);
  assert.deepEqual(parseWwwAuthenticate('Bearer realm = "a" , service= b'), [{ scheme: 'bearer', params: { realm: 'a', service: 'b' } }]);
  assert.deepEqual(parseWwwAuthenticate('Newauth abc123=='), [{ scheme: 'newauth', params: {}, token68: 'abc123==' }]);
  // By the grammar `realm=` alone is a token68, not a parameter; a Bearer challenge
  // without a realm parameter is then refused by the token flow (tested below).
  assert.deepEqual(parseWwwAuthenticate('Bearer realm='), [{ scheme: 'bearer', params: {}, token68: 'realm=' }]);
});

test('malformed challenges are refused, not guessed at', () => {
  const bad = [
    '',
    'Bearer realm="https://a/token',
    'Bearer realm="x\\',
    'Bearer realm=https://unquoted/url',
    'Bearer realm="a" service="b"',
    'Bearer realm="a",realm="b"',
    'Bearer realm="a";service="b"',
    '"Bearer" realm="a"',
    'realm="a"',
    'Bearer realm="a\u0001b"',
    'Bearer realm=a"b"',
    'x'.repeat(20_000),
  ];
  for (const h of bad) assert.throws(() => parseWwwAuthenticate(h), WwwAuthenticateError, JSON.stringify(h.slice(0, 40)));
});

// ---------------------------------------------------------------------------------
// Where credentials may go (pure)

test('credential rule: same host:port only, plus the published sister token hosts', () => {
  const realm = (u: string) => new URL(u);
  assert.equal(realmMayReceiveRegistryCredentials('registry.example.com', realm('https://registry.example.com/token')), true);
  assert.equal(realmMayReceiveRegistryCredentials('registry.example.com', realm('https://registry.example.com:443/token')), true);
  assert.equal(realmMayReceiveRegistryCredentials('127.0.0.1:5000', realm('https://127.0.0.1:5000/token')), true);
  // Same name, another port: another service.
  assert.equal(realmMayReceiveRegistryCredentials('127.0.0.1:5000', realm('https://127.0.0.1:5001/token')), false);
  assert.equal(realmMayReceiveRegistryCredentials('registry.example.com', realm('https://auth.example.com/token')), false);
  assert.equal(realmMayReceiveRegistryCredentials('registry.example.com', realm('https://registry.example.com.evil.test/token')), false);
  assert.equal(realmMayReceiveRegistryCredentials('registry-1.docker.io', realm('https://auth.docker.io/token')), true);
  assert.equal(realmMayReceiveRegistryCredentials('registry-1.docker.io', realm('http://auth.docker.io/token')), false);
  assert.equal(canonicalHost('Example.COM'), 'example.com:443');
});

// ---------------------------------------------------------------------------------
// The token flow against a real token-auth registry

const skip = missingRegistryTools();
let fx: RegistryFixture;
let tr: TokenRegistry;
before(async () => {
  if (skip) return;
  fx = await startRegistryFixture();
  tr = await startTokenRegistry(fx);
});
after(async () => {
  await fx?.stop();
});

function tokenClient(extra: RegistryClientOptions = {}): RegistryClient {
  const c = new RegistryClient({ caFiles: [fx.pki.caCert], env: fx.env, timeoutMs: 10_000, credentialsRegistry: tr.registry.host, ...extra });
  fx.onStop(() => c.close());
  return c;
}

/** Both hosts configured: the registry and the token service on its other port. */
const bothHosts = () => ({
  hostCredentials: {
    [tr.registry.host]: { username: fx.username, password: fx.password },
    [tr.tokenServer.host]: { username: fx.username, password: fx.password },
  },
});

test('bearer: one token per (registry, scope) for a whole pull, reused, scoped to the repository; distribution accepts it', async (t) => {
  if (skip) return t.skip(skip);
  const client = tokenClient(bothHosts());
  const before = tr.tokenServer.requests.length;
  const name = `${tr.registry.host}/app:1`;
  // Manifest, config and three layer blobs: five authorised requests, one token.
  const image = await openRegistryImage(name, { client });
  for (const l of image.layers) await walkLayer(l, { extractors: [], limits: DEFAULT_WALK_LIMITS });
  const ours = tr.tokenServer.requests.slice(before);
  assert.equal(ours.length, 1, JSON.stringify(ours));
  assert.deepEqual(ours[0]?.scopes, ['repository:app:pull']);
  assert.equal(ours[0]?.user, fx.username);
  assert.equal(client.auth.tokenRequests, 1);
  // Oracle for what was pulled: skopeo, through the same token registry.
  const inspected = JSON.parse((await skopeoInspect(name, { certDir: fx.pki.certDir, creds: fx.creds })).toString()) as { Digest: string };
  assert.equal(image.info.manifestDigest, inspected.Digest);

  // Same repository again: cached. Another repository: a new scope, one more token.
  await (await openRegistryImage(name, { client })).close();
  assert.equal(client.auth.tokenRequests, 1);
  const countBefore = tr.tokenServer.requests.length;
  await (await openRegistryImage(`${tr.registry.host}/multi:1`, { client })).close();
  assert.equal(client.auth.tokenRequests, 2);
  const last = tr.tokenServer.requests.slice(countBefore);
  assert.equal(last.length, 1);
  assert.deepEqual(last[0]?.scopes, ['repository:multi:pull']);
  assert.equal(last[0]?.service, tr.service);
  await image.close();
});

test('bearer: requests racing on a fresh client share one token request', async (t) => {
  if (skip) return t.skip(skip);
  const client = tokenClient(bothHosts());
  const ref = parseImageReference(`${tr.registry.host}/app:1`);
  const layers = fx.images.app.manifests[0]?.layers ?? [];
  const start = tr.tokenServer.requests.length;
  const results = await Promise.all([
    client.getManifest(ref),
    ...layers.map((l) => client.getBlobBytes(ref, l, 1 << 20)),
  ]);
  assert.equal(results.length, 1 + layers.length);
  assert.equal(client.auth.tokenRequests, 1);
  assert.equal(tr.tokenServer.requests.length - start, 1);
});

test('bearer: anonymous pull refused with "authentication required"; no Authorization sent to the token service', async (t) => {
  if (skip) return t.skip(skip);
  const start = tr.tokenServer.requests.length;
  await assert.rejects(tokenClient().getManifest(parseImageReference(`${tr.registry.host}/app:1`)), (e: unknown) => {
    assert.ok(e instanceof StockadeError);
    assert.match(e.oneLine, /authentication required: .*refused anonymous access to app/);
    return true;
  });
  const reqs = tr.tokenServer.requests.slice(start);
  assert.equal(reqs.length, 1);
  assert.equal(reqs[0]?.sentAuthorization, false);
});

test('credential rule: the registry\'s credentials are withheld from a token service on another host:port', async (t) => {
  if (skip) return t.skip(skip);
  const start = tr.tokenServer.requests.length;
  // --username/--password belong to the registry; the realm is 127.0.0.1:<other port>.
  const client = tokenClient({ username: fx.username, password: fx.password });
  await assert.rejects(client.getManifest(parseImageReference(`${tr.registry.host}/app:1`)), (e: unknown) => {
    assert.ok(e instanceof StockadeError);
    assert.match(e.oneLine, /refused anonymous access/);
    assert.match(e.oneLine, new RegExp(`not sent because the token service is on another host .*configure credentials for ${tr.tokenServer.host.replace(/\./g, '\\.')}`));
    assert.ok(!e.oneLine.includes(fx.password));
    return true;
  });
  const reqs = tr.tokenServer.requests.slice(start);
  assert.equal(reqs.length, 1);
  assert.equal(reqs[0]?.sentAuthorization, false, 'the token service on another port must not see the registry password');
});

test('credential rule: credentials configured for the token host (docker config.json) are sent to it', async (t) => {
  if (skip) return t.skip(skip);
  const dir = join(fx.base, 'docker-config-token');
  mkdirSync(dir, { recursive: true });
  const auth = Buffer.from(`${fx.username}:${fx.password}`).toString('base64');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [tr.tokenServer.host]: { auth } } }));
  const start = tr.tokenServer.requests.length;
  const m = await tokenClient({ env: { ...fx.env, DOCKER_CONFIG: dir } }).getManifest(parseImageReference(`${tr.registry.host}/app:1`));
  assert.equal(m.kind, 'manifest');
  assert.equal(tr.tokenServer.requests.slice(start)[0]?.user, fx.username);
});

test('identity token (docker config identitytoken): OAuth2 refresh-token POST to the realm', async (t) => {
  if (skip) return t.skip(skip);
  const tr2 = await startTokenRegistry(fx, { refreshTokens: { 'refresh-abc': fx.username }, accessTokenField: true });
  const dir = join(fx.base, 'docker-config-identity');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [tr2.tokenServer.host]: { identitytoken: 'refresh-abc' } } }));
  const client = new RegistryClient({ caFiles: [fx.pki.caCert], env: { ...fx.env, DOCKER_CONFIG: dir }, timeoutMs: 10_000 });
  fx.onStop(() => client.close());
  const m = await client.getManifest(parseImageReference(`${tr2.registry.host}/app:1`));
  assert.equal(m.kind, 'manifest');
  const [req] = tr2.tokenServer.requests;
  assert.equal(req?.method, 'POST');
  assert.equal(req?.grantType, 'refresh_token');
  assert.equal(req?.user, fx.username);
  assert.deepEqual(req?.scopes, ['repository:app:pull']);
});

test('token expiry: a token with expires_in=2 is fetched again after it expires', async (t) => {
  if (skip) return t.skip(skip);
  const tr3 = await startTokenRegistry(fx, { expiresIn: 2, anonymousPull: ['app'] });
  const client = new RegistryClient({ caFiles: [fx.pki.caCert], env: fx.env, timeoutMs: 10_000 });
  fx.onStop(() => client.close());
  const ref = parseImageReference(`${tr3.registry.host}/app:1`);
  await client.getManifest(ref);
  await client.getManifest(ref);
  assert.equal(tr3.tokenServer.requests.length, 1);
  await new Promise((r) => setTimeout(r, 2100));
  await client.getManifest(ref);
  assert.equal(tr3.tokenServer.requests.length, 2);
  // Anonymous pull allowed for this repository: no Authorization sent.
  assert.ok(tr3.tokenServer.requests.every((r) => !r.sentAuthorization));
});

test('wrong credentials for the token service: "authentication failed" naming the user, not the password', async (t) => {
  if (skip) return t.skip(skip);
  const client = tokenClient({ hostCredentials: { [tr.tokenServer.host]: { username: fx.username, password: 'not-the-password' } } });
  await assert.rejects(client.getManifest(parseImageReference(`${tr.registry.host}/app:1`)), (e: unknown) => {
    assert.ok(e instanceof StockadeError);
    assert.match(e.oneLine, /authentication failed: the token service at 127\.0\.0\.1:\d+ refused user stockade/);
    assert.ok(!e.oneLine.includes('not-the-password'));
    return true;
  });
});

test('odd WWW-Authenticate quoting from a registry: one clear malformed_input error (hand-written fake registry)', async (t) => {
  if (skip) return t.skip(skip);
  // A hand-written fake for hostile behaviour: a real registry always quotes correctly.
  const cases: Array<[string, RegExp]> = [
    ['Bearer realm="https://127.0.0.1:1/token', /\(unterminated quoted string\)/],
    ['Bearer realm="https://127.0.0.1:1/token,service="x', /\(unexpected "x" after parameter realm\)/],
    ['Bearer realm="a",Realm="b"', /\(parameter Realm given twice\)/],
    ['Bearer realm="a" service="b"', /\(unexpected "s" after parameter realm\)/],
  ];
  let header = '';
  const fake = await startHttpsServer(fx.pki, (_req, res) => {
    res.statusCode = 401;
    res.setHeader('www-authenticate', header);
    res.end('{}');
  });
  fx.onStop(() => fake.stop());
  const client = new RegistryClient({ caFiles: [fx.pki.caCert], env: fx.env, timeoutMs: 5000 });
  fx.onStop(() => client.close());
  for (const [h, why] of cases) {
    header = h;
    await assert.rejects(client.getManifest(parseImageReference(`${fake.host}/app:1`)), (e: unknown) => {
      assert.ok(e instanceof StockadeError);
      assert.equal(e.code, 'malformed_input');
      assert.match(e.oneLine, /sent a malformed WWW-Authenticate header/);
      assert.match(e.oneLine, why);
      return true;
    });
  }
  header = 'Bearer realm=';
  await assert.rejects(client.getManifest(parseImageReference(`${fake.host}/app:1`)), /sent a Bearer challenge without a realm/);
});

test('a Bearer realm over plain http or with userinfo is refused (hand-written fake registry)', async (t) => {
  if (skip) return t.skip(skip);
  // A hand-written fake for hostile behaviour.
  let realm = 'http://127.0.0.1:1/token';
  const fake = await startHttpsServer(fx.pki, (_req, res) => {
    res.statusCode = 401;
    res.setHeader('www-authenticate', `Bearer realm="${realm}",service="x"`);
    res.end();
  });
  fx.onStop(() => fake.stop());
  const client = new RegistryClient({ caFiles: [fx.pki.caCert], env: fx.env, timeoutMs: 5000 });
  fx.onStop(() => client.close());
  const ref = parseImageReference(`${fake.host}/app:1`);
  await assert.rejects(client.getManifest(ref), /only https:\/\/ realms are used/);
  realm = 'https://user:pw@127.0.0.1:1/token';
  await assert.rejects(client.getManifest(ref), /token realm with credentials in its URL/);
});
