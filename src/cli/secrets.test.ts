/**
 * The secret scanner through the CLI on plain directories (`fs`) and configuration
 * files (`config`). Expected files and lines come from the text the test writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanResult } from '../core/types.js';
import { REPO_ROOT } from '../testing/corpus.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** AWS access key ids: AKIA + 16 characters of A-Z and 2-7 (AWS IAM identifiers documentation). */
function awsKeyId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return `AKIA${Array.from(randomBytes(16), (b) => alphabet[b % 32]).join('')}`;
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

test('fs: secrets in text files and inside an app binary, .git skipped, files over the cap read in part', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-fs-secrets-'));
  const id = awsKeyId();
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  mkdirSync(join(dir, 'deploy'), { recursive: true });
  mkdirSync(join(dir, '.git'), { recursive: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const settings = `import os\n\nREGION = "eu-west-1"\nACCESS_KEY = "${id}"\n`;
  writeFileSync(join(dir, 'settings.py'), settings);
  writeFileSync(join(dir, 'deploy', 'tls.key'), pem);
  writeFileSync(join(dir, '.git', 'config'), `[remote "origin"]\n\turl = https://x/${awsKeyId()}\n`);
  // An executable with a key compiled in: the ELF header of a real binary, the key as a string constant.
  copyFileSync('/bin/true', join(dir, 'bin', 'tool'));
  const binaryId = awsKeyId();
  writeFileSync(join(dir, 'bin', 'tool'), Buffer.concat([readFileSync('/bin/true'), Buffer.from(`\0${binaryId}\0`)]));
  // A Spring Boot style jar (built by Info-ZIP's zip) with a key in a packaged properties file.
  const jarId = awsKeyId();
  const props = `spring.application.name=billing\ncloud.aws.credentials.access-key=${jarId}\n`;
  mkdirSync(join(dir, 'jarsrc', 'BOOT-INF', 'classes'), { recursive: true });
  writeFileSync(join(dir, 'jarsrc', 'BOOT-INF', 'classes', 'application.properties'), props);
  const zipped = spawnSync('zip', ['-qr', join(dir, 'deploy', 'billing.jar'), 'BOOT-INF'], { cwd: join(dir, 'jarsrc') });
  const haveZip = zipped.status === 0;
  // A large log with a key past the first megabyte.
  writeFileSync(join(dir, 'big.log'), `${'request ok\n'.repeat(200_000)}key=${awsKeyId()}\n`);

  const r = run(['fs', dir, '-f', 'json', '-q', '--scanners', 'secret', '--secret-max-file-size', '1MiB', '--skip-dirs', 'jarsrc']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as ScanResult;
  const found = (result.secrets ?? []).map((s) => `${s.file.slice(dir.length)}:${s.line ?? '-'}`).sort();
  const jarHit = `/deploy/billing.jar!/BOOT-INF/classes/application.properties:${lineOf(props, jarId)}`;
  assert.deepEqual(found, ['/bin/tool:-', `/deploy/tls.key:1`, `/settings.py:${lineOf(settings, id)}`, ...(haveZip ? [jarHit] : [])].sort());
  assert.ok(result.warnings.some((w) => w.input.endsWith('big.log') && /first 1048576 bytes/.test(w.message)));
  assert.equal(result.target.sourceKind, 'filesystem');
  assert.ok(!r.stdout.includes(id.slice(4)) && !r.stdout.includes(binaryId.slice(4)));
  // --exit-code gates on secrets too.
  assert.equal(run(['fs', dir, '-q', '--scanners', 'secret', '--exit-code', '4', '-o', '/dev/null']).code, 4);
});

test('config: secrets in Dockerfiles, manifests and Compose files, with inline suppression', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-config-secrets-'));
  const [a, b, c] = [awsKeyId(), awsKeyId(), awsKeyId()];
  const dockerfile = `FROM debian:12\nRUN aws configure set aws_access_key_id ${a}\nUSER 1000\n`;
  const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata:\n  # stockade:ignore SK-SECRET-0005 revoked key kept for the migration test\n  key: ${b}\n`;
  const compose = `services:\n  app:\n    image: app:1\n    environment:\n      AWS_ACCESS_KEY_ID: ${c}\n`;
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  writeFileSync(join(dir, 'settings.yaml'), manifest);
  writeFileSync(join(dir, 'compose.yaml'), compose);
  const r = run(['config', dir, '-f', 'json', '-q']);
  const secrets = (JSON.parse(r.stdout) as ScanResult).secrets ?? [];
  const where = secrets.map((s) => `${s.file.slice(dir.length + 1)}:${s.line}:${s.suppressed ? 'suppressed' : 'open'}`).sort();
  const awsDetector = secrets.find((s) => s.file.endsWith('Dockerfile'))?.ruleId;
  assert.ok(awsDetector, JSON.stringify(secrets));
  assert.deepEqual(where, [`Dockerfile:${lineOf(dockerfile, a)}:open`, `compose.yaml:${lineOf(compose, c)}:open`, `settings.yaml:${lineOf(manifest, b)}:${awsDetector === 'SK-SECRET-0005' ? 'suppressed' : 'open'}`].sort());
  // --scanners config leaves secrets out.
  assert.equal((JSON.parse(run(['config', dir, '-f', 'json', '-q', '--scanners', 'config']).stdout) as ScanResult).secrets, undefined);
});
