/**
 * Secrets in a real image built by umoci (an independent OCI tool computes the layer
 * diffs and whiteouts): credentials planted in a first layer, then deleted or
 * overwritten in a second, one left in place, one in the image's Env and one in its
 * build history. Expected files, lines and layers come from what the test planted;
 * every output format is checked never to contain a planted value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanResult, SecretFinding } from '../core/types.js';
import { REPO_ROOT } from '../testing/corpus.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function randomFrom(alphabet: string, n: number): string {
  return Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
}
const base64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** Planted values, each in its vendor's documented format. */
function plant() {
  // AWS: access key ids are AKIA + 16 characters of A-Z2-7; secret keys 40 base64 characters.
  const awsId = `AKIA${randomFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
  const awsSecret = randomFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 40);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  // Slack incoming webhook: https://hooks.slack.com/services/T<team>/B<bot>/<24 alphanumerics>.
  const slackPath = `T${randomFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 10)}/B${randomFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 10)}/${randomFrom('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 24)}`;
  const dbPassword = `${randomFrom('abcdefghijkmnpqrstuvwxyz', 6)}${randomFrom('ABCDEFGHJKLMNPQRSTUVWXYZ', 4)}${randomFrom('23456789', 4)}`;
  // JWT (RFC 7519): header.payload.HMAC-SHA256 signature, all base64url.
  const jwtBody = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify({ sub: 'ci', iss: 'build', exp: 1900000000 }))}`;
  const jwt = `${jwtBody}.${createHmac('sha256', randomBytes(32)).update(jwtBody).digest('base64url')}`;
  return { awsId, awsSecret, rsa, slackPath, dbPassword, jwt };
}

function umoci(args: string[]): void {
  execFileSync('umoci', args, { stdio: 'pipe' });
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

test('secrets in every layer, deleted and overwritten ones included, and in the image config; no format shows a value', (t) => {
  try {
    execFileSync('umoci', ['--version'], { stdio: 'ignore' });
  } catch {
    return t.skip('umoci not installed');
  }
  const s = plant();
  const dir = mkdtempSync(join(tmpdir(), 'stockade-secret-image-'));
  const layout = join(dir, 'layout');
  const image = `${layout}:app`;
  umoci(['init', '--layout', layout]);
  umoci(['new', '--image', image]);

  // Layer 1: an .env file, an SSH key and an app config with a webhook.
  const bundle1 = join(dir, 'b1');
  umoci(['unpack', '--image', image, bundle1]);
  const root1 = join(bundle1, 'rootfs');
  mkdirSync(join(root1, 'app'), { recursive: true });
  mkdirSync(join(root1, 'root', '.ssh'), { recursive: true });
  const env = `# local settings\nAWS_ACCESS_KEY_ID=${s.awsId}\naws_secret_access_key = ${s.awsSecret}\nLOG_LEVEL=debug\n`;
  const config = `service:\n  name: app\nalerts:\n  slack_webhook: https://hooks.slack.com/services/${s.slackPath}\n`;
  writeFileSync(join(root1, 'app', '.env'), env);
  writeFileSync(join(root1, 'root', '.ssh', 'id_rsa'), s.rsa, { mode: 0o600 });
  writeFileSync(join(root1, 'app', 'config.yaml'), config);
  umoci(['repack', '--image', image, '--history.created_by', 'COPY . /app', bundle1]);

  // Layer 2: the .env deleted (umoci writes the whiteout), the key overwritten.
  const bundle2 = join(dir, 'b2');
  umoci(['unpack', '--image', image, bundle2]);
  rmSync(join(bundle2, 'rootfs', 'app', '.env'));
  writeFileSync(join(bundle2, 'rootfs', 'root', '.ssh', 'id_rsa'), 'moved to the secret store\n');
  // Its history line leaks a build argument: reports must name the layer without it.
  umoci(['repack', '--image', image, '--history.created_by', `RUN |1 CI_TOKEN=${s.jwt} /bin/sh -c rm /app/.env`, bundle2]);

  // Image config: a connection string in Env, a build argument in the history.
  umoci(['config', '--image', image, '--config.env', `DATABASE_URL=postgres://app:${s.dbPassword}@db.internal:5432/app`, '--history.created_by', 'ENV DATABASE_URL=postgres://app:...']);

  const scan = (format: string) => spawnSync(process.execPath, [CLI, 'image', '--input', image, '--scanners', 'secret', '-f', format, '-q', '--no-cache'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const json = scan('json');
  assert.equal(json.status, 0, json.stderr);
  const result = JSON.parse(json.stdout) as ScanResult;
  const secrets = result.secrets ?? [];
  const at = (file: string) => secrets.filter((f) => f.file === file);

  const envHits = at('/app/.env');
  assert.deepEqual(envHits.map((f) => f.line).sort(), [lineOf(env, s.awsId), lineOf(env, s.awsSecret)].sort(), JSON.stringify(secrets.map((f) => [f.file, f.line, f.ruleId])));
  for (const f of envHits) {
    assert.equal(f.layer?.index, 0);
    assert.equal(f.removedIn?.how, 'deleted');
    assert.equal(f.removedIn?.layer.index, 1);
    assert.match(f.message, /present in layer 1 \(COPY \. \/app\), deleted in layer 2 \(RUN \|1 CI_TOKEN=eyJh\*\*\*\* \/bin\/sh -c rm \/app\/\.env\), still pullable/);
  }
  const key = at('/root/.ssh/id_rsa');
  assert.equal(key.length, 1);
  assert.equal(key[0]?.severity, 'CRITICAL');
  assert.equal(key[0]?.removedIn?.how, 'overwritten');
  assert.equal(key[0]?.line, 1);
  const webhook = at('/app/config.yaml');
  assert.deepEqual(webhook.map((f) => f.line), [lineOf(config, 'hooks.slack.com')]);
  assert.equal(webhook[0]?.removedIn, undefined);
  assert.equal(at('image config: Env').length, 1);
  assert.equal(at('image config: history').length, 1);
  for (const f of secrets) {
    assert.ok(f.frameworks.includes('nist-800-190:4.1.4'), f.ruleId);
    assert.match(f.remediation, /Vault|secret manager|Secret/i);
  }

  // The values never appear: not whole, not in any 8-character piece past the 4 shown.
  const values = [s.awsId, s.awsSecret, s.rsa.split('\n')[1] as string, s.slackPath, s.dbPassword, s.jwt];
  for (const format of ['json', 'table', 'sarif', 'html', 'cyclonedx', 'spdx-json']) {
    const out = format === 'json' ? json : scan(format);
    assert.equal(out.status, 0, `${format}: ${out.stderr}`);
    for (const v of values) {
      for (let i = 4; i + 8 <= v.length; i++) assert.ok(!out.stdout.includes(v.slice(i, i + 8)), `${format} output contains part of a planted secret (${v.slice(0, 4)}…)`);
    }
  }

  // The layer cache keeps masked records only, and a warm scan reports the same.
  const cacheDir = join(dir, 'cache');
  const cached = () => spawnSync(process.execPath, [CLI, 'image', '--input', image, '--scanners', 'secret', '-f', 'json', '-q', '--cache-dir', cacheDir], { encoding: 'utf8' });
  const cold = (JSON.parse(cached().stdout) as ScanResult).secrets;
  const warm = (JSON.parse(cached().stdout) as ScanResult).secrets;
  assert.deepEqual(warm, cold);
  assert.equal(cold?.length, secrets.length);
  const cacheText = execFileSync('sh', ['-c', `cat "${cacheDir}"/layers/*.json`], { encoding: 'utf8' });
  assert.ok(cacheText.includes('SK-SECRET-'), 'cache holds the secret records');
  for (const v of values) assert.ok(!cacheText.includes(v.slice(4, 12)), 'cache holds a planted value');

  // The allow-list reports, not drops; --exit-code counts only what remains.
  writeFileSync(join(dir, 'stockade.yaml'), 'secrets:\n  allow:\n    paths: ["app/**"]\n');
  const allowed = spawnSync(process.execPath, [CLI, 'image', '--input', image, '--scanners', 'secret', '-f', 'json', '-q', '--config', join(dir, 'stockade.yaml'), '--exit-code', '3'], { encoding: 'utf8' });
  const after = (JSON.parse(allowed.stdout) as ScanResult).secrets as SecretFinding[];
  assert.equal(after.length, secrets.length);
  assert.deepEqual(after.filter((f) => f.suppressed).map((f) => f.file).sort(), [...envHits, ...webhook].map((f) => f.file).sort());
  assert.equal(allowed.status, 3, 'the key, Env and history findings still count');
});
