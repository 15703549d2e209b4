/**
 * Hostile input: texts of about 100,000 characters built from every detector's keywords
 * and from the fragments its patterns look for, repeated without the terminators that
 * would complete a match (BEGIN without END, `user:pass` without `@`, base64 runs
 * without a boundary). A detector with a catastrophic pattern or a quadratic loop would
 * not finish; the timeout turns that into a failure instead of a hung run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SECRET_DETECTORS } from './index.js';
import { scanText } from './scan-text.js';

const SIZE = 100_000;

function fill(fragment: string, size = SIZE): string {
  return fragment.repeat(Math.max(1, Math.ceil(size / fragment.length))).slice(0, size);
}

function hostileTexts(): Array<[string, string]> {
  const keywords = [...new Set(SECRET_DETECTORS.flatMap((d) => d.keywords))];
  const texts: Array<[string, string]> = keywords.map((k) => [`keyword ${k} repeated`, fill(k)]);
  texts.push(
    ['keywords back to back', fill(keywords.join(''))],
    ['keywords upper-cased with separators', fill(keywords.map((k) => k.toUpperCase()).join('=')) ],
    ['AKIA x 25000', fill('AKIA')],
    ['AKIA then a base32 run', `AKIA${fill('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`],
    ['BEGIN RSA without END', fill('-----BEGIN RSA PRIVATE KEY-----\n')],
    ['BEGIN then an endless body', `-----BEGIN RSA PRIVATE KEY-----\n${fill('QUJD')}`],
    ['BEGIN then escaped newlines', `-----BEGIN PRIVATE KEY-----${fill('\\n')}`],
    ['BEGIN OPENSSH and PGP without END', fill('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n=AAAA\n')],
    ['user:pass without @', fill('a:a:a:a')],
    ['a:a:a:a@ repeated', fill('a:a:a:a@')],
    ['scheme then long userinfo', `https://a:${fill('b')}`],
    [':// x 33000', fill('://')],
    ['https://a: repeated', fill('https://a:')],
    ['password= x 10000', fill('password=')],
    ['password= then a long value', `password=${fill('a1B')}`],
    ['password: "unterminated', `password: "${fill('xY3')}`],
    ['secret_token_password names', fill('secret_token_password_api_key_')],
    ['base64 run', fill('A')],
    ['random base64 run', randomBytes(75_000).toString('base64')],
    ['random base64url run', randomBytes(75_000).toString('base64url')],
    ['eyJ x 33000', fill('eyJ')],
    ['eyJ then a long run', `eyJ${fill('a')}`],
    ['dotted eyJ parts', fill('eyJhbGciOiJIUzI1NiJ9.')],
    ['service-account fields', fill('"type": "service_account", "private_key": "')],
    ['private_key string without end', `{"type": "service_account", "private_key": "${fill('A')}`],
    ['slack dashes', `xoxb-${fill('1-')}`],
    ['slack webhook prefix', fill('https://hooks.slack.com/services/TAAAAAAAA/B')],
    ['gitlab body', `glpat-${fill('a')}`],
    ['gitlab routable dots', `glpat-${'a'.repeat(30)}${fill('.01.')}`],
    ['github body', `ghp_${fill('a')}`],
    ['github_pat parts', fill('github_pat_aaaaaaaaaaaaaaaaaaaaaa_')],
    ['npm_ x 25000', fill('npm_')],
    ['stripe body', `sk_live_${fill('a')}`],
    ['pypi body', `pypi-AgEIcHlwaS5vcmc${fill('A')}`],
    ['dockerhub body', `dckr_pat_${fill('a')}`],
    ['AccountKey base64', `AccountKey=${fill('A')}`],
    ['docker auth unterminated', `{"auths": {"x": {"auth": "${fill('A')}`],
    ['docker auth fields', fill('"auth": "YTpi", ')],
    ['kubeconfig lines', `users:\ncurrent-context: x\n${fill('    token: abcdefgh12345678\n')}`],
    ['kubeconfig one long line', `users:\ncurrent-context: x\ntoken: ${fill('a')}`],
    ['netrc tokens', fill('machine a login b password ')],
    ['netrc macdef', fill('macdef x\n')],
    ['dotenv lines', fill('A_PASSWORD=')],
    ['npmrc keys', fill('//r/:_authToken=')],
    ['pypirc sections', fill('[pypi]\npassword = \n')],
    ['newlines only', fill('\n')],
    ['quotes only', fill('"')],
    ['backslashes only', fill('\\')],
  );
  return texts;
}

const PATHS = ['x.txt', 'app/.env', 'root/.npmrc', 'app/.yarnrc.yml', 'root/.pypirc', 'root/.netrc', 'root/.git-credentials', 'root/.docker/config.json', 'keystore.p12', 'app/main.js'];

test('every detector, alone and through the scanner, finishes on hostile text of 100k characters', { timeout: 240_000 }, () => {
  const texts = hostileTexts();
  assert.ok(texts.length > 60);
  let scanned = 0;
  for (const [name, text] of texts) {
    assert.ok(text.length >= 30_000 && text.length <= SIZE + 200, `${name}: ${text.length}`);
    for (const path of PATHS) {
      const hits = scanText({ path, text });
      assert.ok(hits.length <= 1000 * SECRET_DETECTORS.length, name);
      scanned++;
    }
    for (const d of SECRET_DETECTORS) {
      const matches = d.find({ path: 'x.txt', text });
      assert.ok(matches.every((m) => m.start >= 0 && m.end <= text.length && m.start < m.end), `${d.id} on ${name}`);
    }
  }
  assert.equal(scanned, texts.length * PATHS.length);
});
