/**
 * File-format detectors against files written the way their tools write them
 * (npm, twine, ftp/curl, git credential-store, docker login, kubectl, dotenv), with
 * random credentials generated here, and against their placeholder and reference forms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { expectNothing, expectSecret } from '../detector-test-kit.js';
import { scanText } from '../scan-text.js';
import { dockerConfigAuth } from './docker-config-auth.js';
import { dotenvSecret } from './dotenv-secret.js';
import { gitCredentials } from './git-credentials.js';
import { kubeconfigCredential } from './kubeconfig-credential.js';
import { netrcPassword } from './netrc-password.js';
import { npmrcAuth } from './npmrc-auth.js';
import { pypircPassword } from './pypirc-password.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** A password as a generator makes one: letters, digits and punctuation that need no quoting. */
function password(length = 16): string {
  const alphabet = `${ALNUM}!#%+-_=`;
  let out = '';
  while (out.length < length) out += alphabet.charAt(randomInt(alphabet.length));
  return `${out}A9x`;
}

test('.npmrc: a legacy UUID _authToken, _auth and _password are found; ${NPM_TOKEN} is not', () => {
  const uuid = randomUUID();
  expectSecret({ path: 'root/.npmrc', text: `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${uuid}\n` }, npmrcAuth.id, uuid, '_authtoken');
  const auth = Buffer.from(`ci:${password()}`).toString('base64');
  expectSecret({ path: 'app/.npmrc', text: `_auth = "${auth}"\nalways-auth=true\n` }, npmrcAuth.id, auth, '_auth');
  const pw = Buffer.from(password()).toString('base64');
  expectSecret({ path: 'etc/npmrc', text: `//npm.corp/:username=ci\n//npm.corp/:_password=${pw}\n` }, npmrcAuth.id, pw, '_password');
  const yarn = randomUUID();
  expectSecret({ path: 'app/.yarnrc.yml', text: `npmScopes:\n  corp:\n    npmAuthToken: "${yarn}"\n` }, npmrcAuth.id, yarn, 'npmauthtoken');
  expectNothing({ path: 'app/.npmrc', text: '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n# _auth=abc\n' });
  expectNothing({ path: 'app/npmrc.md', text: `//registry.npmjs.org/:_authToken=${uuid}\n` }, [npmrcAuth.id]);
});

test('.pypirc: a password under a repository section is found; placeholders and [distutils] are not', () => {
  const pw = password();
  expectSecret({ path: 'root/.pypirc', text: `[distutils]\nindex-servers =\n  corp\n\n[corp]\nrepository = https://pypi.corp/\nusername = ci\npassword = ${pw}\n` }, pypircPassword.id, pw, 'corp');
  expectNothing({ path: 'root/.pypirc', text: '[pypi]\nusername = __token__\npassword = <your token>\n[testpypi]\npassword = ${TEST_PYPI}\n' });
});

test('.netrc: passwords on one line and across lines are found; macdef bodies and placeholders are not', () => {
  const one = password();
  const two = password(20);
  const text = `machine api.corp.internal login ci password ${one}\n\nmachine ftp.corp.internal\n  login deploy\n  password ${two}\nmacdef init\npassword notatoken\n\ndefault login anonymous password $EMAIL\n`;
  expectSecret({ path: 'root/.netrc', text }, netrcPassword.id, one, 'api.corp.internal');
  expectSecret({ path: 'root/.netrc', text }, netrcPassword.id, two, 'ftp.corp.internal');
  assert.equal(scanText({ path: 'root/.netrc', text }).filter((h) => h.detector.id === netrcPassword.id).length, 2);
});

test('.git-credentials: the password of each stored URL is found', () => {
  const pw = password(24);
  const text = `https://ci:${pw}@git.corp.internal\nhttps://x-access-token:\${TOKEN}@github.com\n`;
  expectSecret({ path: 'root/.git-credentials', text }, gitCredentials.id, pw, 'credential-store');
  expectSecret({ path: 'home/ci/.config/git/credentials', text }, gitCredentials.id, pw);
  assert.equal(scanText({ path: 'root/.git-credentials', text }).length, 1, 'one finding per stored password, the reference is not one');
});

test('Docker config.json: auths.*.auth (base64 user:password) and identitytoken are found; empty and helper-only configs are not', () => {
  const auth = Buffer.from(`ci:${password()}`).toString('base64');
  const token = randomBytes(24).toString('base64url');
  const text = JSON.stringify({ auths: { 'registry.corp:5000': { auth }, 'https://index.docker.io/v1/': { auth: '', identitytoken: token } } }, null, '\t');
  expectSecret({ path: 'root/.docker/config.json', text }, dockerConfigAuth.id, auth, 'auth');
  expectSecret({ path: 'kaniko/.docker/config.json', text }, dockerConfigAuth.id, token, 'identitytoken');
  expectSecret({ path: 'run/containers/0/auth.json', text }, dockerConfigAuth.id, auth);
  expectNothing({ path: 'root/.docker/config.json', text: JSON.stringify({ auths: { 'ghcr.io': {} }, credsStore: 'desktop' }) });
  expectNothing({ path: 'root/.docker/config.json', text: JSON.stringify({ auths: { x: { auth: Buffer.from('user-without-colon').toString('base64') } } }) });
  expectNothing({ path: 'app/package/config.json', text }, [dockerConfigAuth.id]);
});

test('kubeconfig: token, client-key-data and password under users are found; templates are not', () => {
  const token = randomBytes(48).toString('base64url');
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;
  const keyData = Buffer.from(key).toString('base64');
  const pw = password();
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster: {server: "https://10.0.0.1:6443"}',
    '  name: prod',
    'current-context: prod',
    'users:',
    '- name: admin',
    '  user:',
    `    client-key-data: ${keyData}`,
    '- name: ci',
    '  user:',
    `    token: ${token}`,
    '- name: basic',
    '  user:',
    `    password: "${pw}"`,
    '',
  ].join('\n');
  expectSecret({ path: 'root/.kube/config', text }, kubeconfigCredential.id, keyData, 'client-key-data');
  expectSecret({ path: 'app/deploy/kubeconfig.yaml', text }, kubeconfigCredential.id, token, 'token');
  expectSecret({ path: 'x', text }, kubeconfigCredential.id, pw, 'password');
  expectNothing({ path: 'chart/kubeconfig.yaml', text: 'current-context: x\nusers:\n- name: ci\n  user:\n    token: {{ .Values.token }}\n    password: ${PASSWORD}\n' });
  expectNothing({ path: 'chart/kubeconfig.yaml', text: `current-context: x\nusers:\n- name: ci\n  user:\n    client-key-data: ${Buffer.from('not a key').toString('base64')}\n` });
});

test('.env: secret-named literals are found; references, pointers, words and placeholders are not', () => {
  const db = password(12);
  const api = randomBytes(16).toString('hex');
  const text = [
    '# database',
    `DB_PASSWORD=${db}`,
    `export STRIPE_API_KEY="${api}"`,
    'DB_PASSWORD_FILE=/run/secrets/db',
    'LOG_LEVEL=debug',
    'JWT_SECRET=${JWT_SECRET}',
    'ADMIN_PASSWORD=changeme',
    'AUTH_ENABLED=true',
    'SESSION_SECRET=',
    'TOKEN_TTL=3600',
    '',
  ].join('\n');
  expectSecret({ path: 'app/.env', text }, dotenvSecret.id, db, 'DB_PASSWORD');
  expectSecret({ path: 'app/.env.production', text }, dotenvSecret.id, api, 'STRIPE_API_KEY');
  assert.equal(scanText({ path: 'app/.env', text }).length, 2, JSON.stringify(scanText({ path: 'app/.env', text }).map((h) => h.kind)));
  assert.equal(dotenvSecret.appliesToPath?.('app/env.ts'), false);
  assert.equal(dotenvSecret.appliesToPath?.('app/prod.env'), true);
});
