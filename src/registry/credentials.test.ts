// Credential sources, each end to end: Docker config.json files written as `docker
// login` writes them, STOCKADE_* variables, and docker-credential-* helpers (a small
// Node script on a temp PATH that speaks the helper protocol: `get`, server URL on
// stdin, {"ServerURL","Username","Secret"} on stdout, "credentials not found in
// native keychain" and exit 1 when it has none). The proof that credentials are the
// right ones is the real htpasswd registry accepting them (its digest checked against
// skopeo inspect).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import { missingRegistryTools, skopeoInspect, startRegistryFixture, tempDir, type RegistryFixture } from '../testing/registry-server.js';
import { RegistryClient } from './client.js';
import { CredentialResolver, DOCKER_HUB_CONFIG_KEY, credentialHost, dockerConfigPath } from './credentials.js';
import { parseImageReference } from './reference.js';

const work = tempDir('credentials-test');
after(() => rmSync(work, { recursive: true, force: true }));
const b64 = (s: string) => Buffer.from(s).toString('base64');

function configDir(name: string, config: unknown): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

/**
 * A docker-credential-<name> helper: a Node script (absolute shebang to this node, so
 * it needs nothing on PATH) that answers from a table host -> user:secret, logs every
 * server URL it is asked about, and can be told to hang.
 */
function helper(name: string, table: Record<string, string>, opts: { hang?: boolean } = {}): { pathDir: string; log: string } {
  const pathDir = join(work, `bin-${name}`);
  mkdirSync(pathDir, { recursive: true });
  const log = join(pathDir, 'asked.log');
  const script = `#!${process.execPath}
const fs = require('node:fs');
const table = ${JSON.stringify(table)};
if (process.argv[2] !== 'get') { console.log('unsupported action ' + process.argv[2]); process.exit(1); }
let url = '';
process.stdin.on('data', (d) => { url += d; });
process.stdin.on('end', () => {
  fs.appendFileSync(${JSON.stringify(log)}, url + '\\n');
  const answer = () => {
    const entry = table[url];
    if (entry === undefined) { console.log('credentials not found in native keychain'); process.exit(1); }
    const colon = entry.indexOf(':');
    process.stdout.write(JSON.stringify({ ServerURL: url, Username: entry.slice(0, colon), Secret: entry.slice(colon + 1) }));
  };
  ${opts.hang ? 'setTimeout(answer, 30000);' : 'answer();'}
});
`;
  const file = join(pathDir, `docker-credential-${name}`);
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return { pathDir, log };
}

const baseEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(work, 'no-home') });
const asked = (log: string): string[] => readFileSync(log, 'utf8').trim().split('\n');

// ---------------------------------------------------------------------------------
// Resolution rules (local files and processes only)

test('config keys: scheme and path stripped; every Docker Hub spelling is Docker Hub', () => {
  assert.equal(credentialHost('https://index.docker.io/v1/'), 'docker.io');
  for (const h of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'INDEX.docker.io']) assert.equal(credentialHost(h), 'docker.io');
  assert.equal(credentialHost('https://registry.example.com:5000/v2/'), 'registry.example.com:5000');
  assert.equal(credentialHost('registry.example.com'), 'registry.example.com');
  assert.equal(dockerConfigPath({ env: { DOCKER_CONFIG: '/x' } }), '/x/config.json');
  assert.equal(dockerConfigPath({ env: { HOME: '/home/u' } }), '/home/u/.docker/config.json');
});

test('docker config auths: base64 auth, username/password, identitytoken; Docker Hub under https://index.docker.io/v1/', async () => {
  const dir = configDir('auths', {
    auths: {
      [DOCKER_HUB_CONFIG_KEY]: { auth: b64('hubuser:hub:pass:with:colons') },
      'https://registry.example.com': { username: 'alice', password: 'a-pw' },
      'oauth.example.com': { auth: '', identitytoken: 'refresh-xyz' },
    },
  });
  const r = new CredentialResolver({ env: { ...baseEnv(), DOCKER_CONFIG: dir } });
  for (const hub of ['docker.io', 'registry-1.docker.io', 'index.docker.io']) {
    const c = await r.get(hub);
    assert.equal(c?.username, 'hubuser');
    assert.equal(c?.password, 'hub:pass:with:colons');
    assert.match(c?.source ?? '', /auths\["https:\/\/index\.docker\.io\/v1\/"\]/);
  }
  assert.deepEqual({ ...(await r.get('registry.example.com')), source: '' }, { username: 'alice', password: 'a-pw', source: '' });
  assert.equal((await r.get('oauth.example.com'))?.identityToken, 'refresh-xyz');
  assert.equal(await r.get('other.example.com'), undefined);
});

test('order: --username/--password (own registry only) > hostCredentials > STOCKADE_* > docker config', async () => {
  const dir = configDir('order', { auths: { 'r.example': { auth: b64('from-config:x') }, 'mirror.example': { auth: b64('mirror-user:y') } } });
  const env = { ...baseEnv(), DOCKER_CONFIG: dir, STOCKADE_USERNAME: 'from-env', STOCKADE_PASSWORD: 'e' };
  const explicit = new CredentialResolver({ env, username: 'from-flag', password: 'f', hostCredentials: { 'r.example': { username: 'from-host', password: 'h' } } }, 'r.example');
  assert.equal((await explicit.get('r.example'))?.username, 'from-flag');
  // The flags are the image registry's: a mirror gets the env (unbound = every registry).
  assert.equal((await explicit.get('mirror.example'))?.username, 'from-env');
  // And a token service on another host gets neither the flags nor unbound env credentials.
  assert.equal((await explicit.get('mirror.example', 'realm'))?.username, 'mirror-user');
  assert.equal(await explicit.get('token.example', 'realm'), undefined);
  const hostOnly = new CredentialResolver({ env, hostCredentials: { 'r.example': { username: 'from-host', password: 'h' } } });
  assert.equal((await hostOnly.get('r.example'))?.username, 'from-host');
  const envOnly = new CredentialResolver({ env });
  assert.equal((await envOnly.get('r.example'))?.username, 'from-env');
  const configOnly = new CredentialResolver({ env: { ...baseEnv(), DOCKER_CONFIG: dir } });
  assert.equal((await configOnly.get('r.example'))?.username, 'from-config');
});

test('STOCKADE_REGISTRY binds the STOCKADE_* credentials to one host (realm hosts included when named)', async () => {
  const env = { ...baseEnv(), STOCKADE_USERNAME: 'u', STOCKADE_PASSWORD: 'p', STOCKADE_REGISTRY: 'r.example:5000' };
  const r = new CredentialResolver({ env });
  assert.equal((await r.get('r.example:5000'))?.username, 'u');
  assert.equal(await r.get('other.example'), undefined);
  assert.equal(await r.get('r.example'), undefined);
  assert.equal((await new CredentialResolver({ env: { ...env, STOCKADE_REGISTRY: 'docker.io' } }).get('registry-1.docker.io'))?.username, 'u');
});

test('credHelpers per host and credsStore through the docker-credential protocol', async () => {
  const h = helper('stockadetest', { 'r.example:5000': 'helper-user:helper-secret', [DOCKER_HUB_CONFIG_KEY]: 'hub-user:hub-secret', 'tok.example': '<token>:refresh-1' });
  const env = { ...baseEnv(), PATH: `${h.pathDir}:${baseEnv().PATH}` };
  const helpers = configDir('helpers', { credHelpers: { 'r.example:5000': 'stockadetest', 'tok.example': 'stockadetest' } });
  const r = new CredentialResolver({ env: { ...env, DOCKER_CONFIG: helpers } });
  const c = await r.get('r.example:5000');
  assert.deepEqual({ u: c?.username, p: c?.password, s: c?.source }, { u: 'helper-user', p: 'helper-secret', s: 'docker-credential-stockadetest' });
  // Username "<token>" means the secret is an identity (refresh) token.
  assert.equal((await r.get('tok.example'))?.identityToken, 'refresh-1');
  assert.equal(await r.get('unconfigured.example'), undefined);

  const store = configDir('store', { credsStore: 'stockadetest', auths: { [DOCKER_HUB_CONFIG_KEY]: {} } });
  const s = new CredentialResolver({ env: { ...env, DOCKER_CONFIG: store } });
  assert.equal((await s.get('docker.io'))?.username, 'hub-user');
  // "credentials not found" from the store is "none", not an error.
  assert.equal(await s.get('nothing.example'), undefined);
  // Docker Hub is asked for under the key docker login writes.
  assert.ok(asked(h.log).includes(DOCKER_HUB_CONFIG_KEY));
  assert.ok(asked(h.log).includes('r.example:5000'));
});

test('helpers that hang, are missing, or are named like a path: one clear error each', async () => {
  const slow = helper('slowtest', { 'r.example': 'u:p' }, { hang: true });
  const env = { ...baseEnv(), PATH: `${slow.pathDir}:${baseEnv().PATH}` };
  const t0 = Date.now();
  await assert.rejects(new CredentialResolver({ env: { ...env, DOCKER_CONFIG: configDir('slow', { credHelpers: { 'r.example': 'slowtest' } }) }, helperTimeoutMs: 300 }).get('r.example'), (e: unknown) => {
    assert.ok(e instanceof StockadeError);
    assert.equal(e.code, 'limit_exceeded');
    assert.match(e.oneLine, /docker-credential-slowtest: credential helper did not answer within 0\.3 s/);
    return true;
  });
  assert.ok(Date.now() - t0 < 5000);
  const oneLine = (pattern: RegExp) => (e: unknown) => {
    assert.ok(e instanceof StockadeError);
    assert.match(e.oneLine, pattern);
    return true;
  };
  await assert.rejects(
    new CredentialResolver({ env: { ...baseEnv(), DOCKER_CONFIG: configDir('missing', { credsStore: 'nosuchhelper' }) } }).get('r.example'),
    oneLine(/^docker-credential-nosuchhelper: credential helper not found in PATH/),
  );
  await assert.rejects(
    new CredentialResolver({ env: { ...baseEnv(), DOCKER_CONFIG: configDir('traversal', { credsStore: '../../bin/sh' }) } }).get('r.example'),
    oneLine(/credential helper name may hold only/),
  );
});

test('a broken config.json is a malformed_input error naming the file; a missing one means no credentials', async () => {
  const dir = configDir('broken', '{"auths": {');
  await assert.rejects(new CredentialResolver({ env: { ...baseEnv(), DOCKER_CONFIG: dir } }).get('r.example'), (e: unknown) => {
    assert.ok(e instanceof StockadeError);
    assert.equal(e.code, 'malformed_input');
    assert.equal(e.input, join(dir, 'config.json'));
    return true;
  });
  const badAuth = configDir('bad-auth', { auths: { 'r.example': { auth: b64('no-colon') } } });
  await assert.rejects(new CredentialResolver({ env: { ...baseEnv(), DOCKER_CONFIG: badAuth } }).get('r.example'), /auth is not base64 of "user:password"/);
  assert.equal(await new CredentialResolver({ env: { ...baseEnv(), DOCKER_CONFIG: join(work, 'does-not-exist') } }).get('r.example'), undefined);
  assert.throws(() => new CredentialResolver({ username: 'only-user' }), /--username and --password go together/);
});

// ---------------------------------------------------------------------------------
// Against the real htpasswd registry

const skip = missingRegistryTools();
let fx: RegistryFixture;
before(async () => {
  if (!skip) fx = await startRegistryFixture();
});
after(async () => {
  await fx?.stop();
});

async function pullsWith(env: NodeJS.ProcessEnv): Promise<void> {
  const client = new RegistryClient({ caFiles: [fx.pki.caCert], env, timeoutMs: 10_000 });
  try {
    const m = await client.getManifest(parseImageReference(`${fx.registry.host}/app:1`));
    const inspected = JSON.parse((await skopeoInspect(`${fx.registry.host}/app:1`, { certDir: fx.pki.certDir, creds: fx.creds })).toString()) as { Digest: string };
    assert.equal(m.digest, inspected.Digest);
  } finally {
    client.close();
  }
}

test('real registry: credentials from a docker config.json (DOCKER_CONFIG) are accepted', async (t) => {
  if (skip) return t.skip(skip);
  const dir = configDir('real-config', { auths: { [`https://${fx.registry.host}`]: { auth: b64(fx.creds) } } });
  await pullsWith({ ...fx.env, DOCKER_CONFIG: dir });
});

test('real registry: credentials from a credential helper (credHelpers) are accepted', async (t) => {
  if (skip) return t.skip(skip);
  const h = helper('realtest', { [fx.registry.host]: fx.creds });
  const dir = configDir('real-helper', { credHelpers: { [fx.registry.host]: 'realtest' } });
  await pullsWith({ ...fx.env, PATH: `${h.pathDir}:${fx.env.PATH}`, DOCKER_CONFIG: dir });
  assert.deepEqual(asked(h.log), [fx.registry.host]);
});

test('real registry: STOCKADE_USERNAME/STOCKADE_PASSWORD, bound by STOCKADE_REGISTRY', async (t) => {
  if (skip) return t.skip(skip);
  await pullsWith({ ...fx.env, STOCKADE_USERNAME: fx.username, STOCKADE_PASSWORD: fx.password });
  await pullsWith({ ...fx.env, STOCKADE_USERNAME: fx.username, STOCKADE_PASSWORD: fx.password, STOCKADE_REGISTRY: fx.registry.host });
  await assert.rejects(pullsWith({ ...fx.env, STOCKADE_USERNAME: fx.username, STOCKADE_PASSWORD: fx.password, STOCKADE_REGISTRY: 'elsewhere.example' }), /authentication required/);
});
