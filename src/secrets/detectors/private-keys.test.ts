/**
 * Private-key detectors against keys made in the test by the tools that make them in
 * real life: node:crypto (OpenSSL underneath) for PEM, ssh-keygen for OpenSSH keys,
 * openssl pkcs12 for key stores, gpg for OpenPGP blocks. Negatives are the public
 * halves, certificates, documentation stubs and damaged blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNothing, expectSecret } from '../detector-test-kit.js';
import { privateKeyOpenSsh } from './private-key-openssh.js';
import { privateKeyPem } from './private-key-pem.js';
import { privateKeyPgp } from './private-key-pgp.js';
import { privateKeyPkcs12 } from './private-key-pkcs12.js';
import { gcpServiceAccount } from './gcp-service-account.js';

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-secret-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

const pemCases: Array<[string, string, string]> = [
  ['PKCS#1 RSA', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, 'rsa'],
  ['PKCS#8 RSA', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'pkcs8'],
  ['SEC 1 EC', ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string, 'ec'],
  ['PKCS#8 Ed25519', ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'pkcs8'],
  ['encrypted PKCS#8', ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string, 'pkcs8-encrypted'],
  ['legacy encrypted PKCS#1', rsa.privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string, 'rsa-encrypted'],
];

for (const [name, pem, kind] of pemCases) {
  test(`PEM: ${name} from node:crypto is found as ${kind}`, () => {
    const key = pem.trim();
    expectSecret({ path: 'etc/ssl/private/server.key', text: `# deploy key\n${key}\n` }, privateKeyPem.id, key, kind);
  });
}

test('PEM: a key written into JSON or YAML strings with \\n escapes, or collapsed onto one line, is found', () => {
  const key = (rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).trim();
  const json = JSON.stringify({ tls: { key } });
  const escaped = JSON.stringify(key).slice(1, -1);
  expectSecret({ path: 'app/config.json', text: json }, privateKeyPem.id, escaped);
  const collapsed = key.replace(/\n/g, ' ');
  expectSecret({ path: 'app/.env', text: `TLS_KEY="${collapsed}"\n` }, privateKeyPem.id, collapsed);
});

test('PEM: public keys, certificates, stubs, truncated and mismatched blocks are not reported', (t) => {
  const pub = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const body = pkcs1.split('\n').slice(1, -2).join('\n');
  const negatives = [
    pub,
    rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    '-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n',
    '-----BEGIN PRIVATE KEY-----\n<your private key here>\n-----END PRIVATE KEY-----\n',
    `-----BEGIN RSA PRIVATE KEY-----\n${body}\n`,
    `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END EC PRIVATE KEY-----\n`,
    // Right shape, wrong content: base64 that is not one DER SEQUENCE.
    `-----BEGIN PRIVATE KEY-----\n${Buffer.alloc(600, 7).toString('base64')}\n-----END PRIVATE KEY-----\n`,
    `-----BEGIN RSA PRIVATE KEY-----\n${body.slice(0, body.length - 40)}\n-----END RSA PRIVATE KEY-----\n`,
  ];
  for (const text of negatives) expectNothing({ path: 'keys/doc.md', text });
  if (!has('openssl')) return t.skip('openssl not installed: certificate negative skipped');
  withTempDir((dir) => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=stockade-test', '-days', '1'], { stdio: 'ignore' });
    expectNothing({ path: 'etc/ssl/certs/c.pem', text: readFileSync(join(dir, 'c.pem'), 'utf8') });
    // The key openssl wrote beside it is found.
    const key = readFileSync(join(dir, 'k.pem'), 'utf8').trim();
    expectSecret({ path: 'k.pem', text: key }, privateKeyPem.id, key);
  });
});

test('PEM inside a GCP service-account file is one finding, by the more specific detector', () => {
  const key = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const longKey = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  for (const k of [key, longKey]) {
    const text = JSON.stringify({ type: 'service_account', project_id: 'demo-123', private_key_id: 'a'.repeat(40), private_key: k, client_email: 'x@demo-123.iam.gserviceaccount.com' }, null, 2);
    if (k.length < 200) {
      // An Ed25519 PKCS#8 key is too short to be a service-account key; the PEM detector reports it.
      expectSecret({ path: 'sa.json', text }, privateKeyPem.id, JSON.stringify(k.trim()).slice(1, -1));
      continue;
    }
    const value = JSON.stringify(k).slice(1, -1);
    expectSecret({ path: 'app/sa.json', text }, gcpServiceAccount.id, value, 'service-account-key');
  }
});

test('OpenSSH: keys from ssh-keygen are found with their type and protection', (t) => {
  if (!has('ssh-keygen')) return t.skip('ssh-keygen not installed (apt-get install openssh-client)');
  withTempDir((dir) => {
    const cases: Array<[string[], string]> = [
      [['-t', 'ed25519', '-N', ''], 'ssh-ed25519'],
      [['-t', 'rsa', '-b', '2048', '-N', ''], 'ssh-rsa'],
      [['-t', 'ecdsa', '-N', 'correct horse'], 'ecdsa-sha2-nistp256 encrypted'],
    ];
    cases.forEach(([args, kind], i) => {
      const file = join(dir, `id_${i}`);
      execFileSync('ssh-keygen', [...args, '-q', '-C', 'stockade-test', '-f', file], { stdio: 'ignore' });
      const key = readFileSync(file, 'utf8').trim();
      assert.ok(key.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----'), 'ssh-keygen wrote the openssh-key-v1 format');
      expectSecret({ path: 'root/.ssh/id_ed25519', text: key + '\n' }, privateKeyOpenSsh.id, key, kind);
      expectNothing({ path: 'root/.ssh/id.pub', text: readFileSync(`${file}.pub`, 'utf8') });
    });
  });
});

test('OpenSSH: a block whose body is not openssh-key-v1 is not reported', () => {
  const body = Buffer.from('not-openssh-key-v1\0'.repeat(10)).toString('base64');
  expectNothing({ path: 'id', text: `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n` });
});

test('PKCS#12: a store from openssl pkcs12 -export is found when read as latin1, and a certificate is not', (t) => {
  if (!has('openssl')) return t.skip('openssl not installed');
  withTempDir((dir) => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=stockade-test', '-days', '1'], { stdio: 'ignore' });
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', join(dir, 'k.pem'), '-in', join(dir, 'c.pem'), '-out', join(dir, 's.p12'), '-passout', 'pass:pw'], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-outform', 'DER', '-out', join(dir, 'c.der')], { stdio: 'ignore' });
    const p12 = readFileSync(join(dir, 's.p12'));
    const text = p12.toString('latin1');
    const hits = privateKeyPkcs12.find({ path: 'app/keystore.p12', text });
    assert.deepEqual(hits, [{ start: 0, end: text.length, kind: 'pkcs12' }]);
    assert.deepEqual(privateKeyPkcs12.find({ path: 'app/keystore.pfx', text: p12.toString('base64') }).map((h) => h.kind), ['pkcs12-base64']);
    assert.equal(privateKeyPkcs12.appliesToPath?.('app/keystore.txt'), false);
    assert.deepEqual(privateKeyPkcs12.find({ path: 'cert.p12', text: readFileSync(join(dir, 'c.der')).toString('latin1') }), []);
    expectNothing({ path: 'app/keystore.p12', text: 'hello, not a key store at all' });
  });
});

test('OpenPGP: a secret key exported by gpg is found; its public key and a tampered checksum are not', (t) => {
  if (!has('gpg')) return t.skip('gpg not installed');
  withTempDir((home) => {
    const env = { ...process.env, GNUPGHOME: home };
    try {
      execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', 'Stockade Test <test@stockade.invalid>', 'ed25519', 'sign', 'never'], { env, stdio: 'ignore' });
      const secret = execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys'], { env, encoding: 'utf8' }).trim();
      const pub = execFileSync('gpg', ['--batch', '--armor', '--export'], { env, encoding: 'utf8' });
      assert.ok(secret.startsWith('-----BEGIN PGP PRIVATE KEY BLOCK-----'));
      expectSecret({ path: 'root/signing.asc', text: secret + '\n' }, privateKeyPgp.id, secret, 'openpgp-secret-key');
      expectNothing({ path: 'root/public.asc', text: pub });
      const lines = secret.split('\n');
      const sumIndex = lines.findIndex((l) => /^=[A-Za-z0-9+/]{4}$/.test(l));
      if (sumIndex !== -1) {
        const bad = lines.map((l, i) => (i === sumIndex ? (l === '=AAAA' ? '=AAAB' : '=AAAA') : l)).join('\n');
        expectNothing({ path: 'root/signing.asc', text: bad });
      }
    } finally {
      spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
    }
  });
});
