/**
 * `stockade server admission` as a child process: usage errors, --print-manifests, and a
 * real server on a real port answering over TLS, re-reading its namespace labels on
 * SIGHUP and stopping on SIGTERM. Runs through dist/cli/main.js once the `server` command
 * is registered there, and through the command module directly until then.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../testing/corpus.js';
import { httpsCall, makeTestTls, opensslMissing, parseAnswer, review } from './test-support.js';

const MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const registered = /serverCommand/.test(readFileSync(MAIN, 'utf8'));
/** Mirrors main.ts: one line on stderr, exit code per error class. */
const SHIM = `
import { serverCommand } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist', 'cli', 'commands', 'server.js')).href)};
import { asStockadeError } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist', 'core', 'errors.js')).href)};
const cmd = serverCommand();
cmd.exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));
cmd.parseAsync(process.argv.slice(1), { from: 'user' }).catch((e) => {
  const err = asStockadeError(e, '');
  process.stderr.write('stockade: ' + err.oneLine + '\\n');
  process.exit(err.exitCode);
});
`;

function argv(args: string[]): string[] {
  return registered ? [MAIN, 'server', ...args] : ['--input-type=module', '-e', SHIM, ...args];
}

const skip = opensslMissing();

test('usage errors exit 2 or 3 with one line naming the problem', () => {
  const noTls = spawnSync(process.execPath, argv(['admission', '--listen', '127.0.0.1:0']), { encoding: 'utf8' });
  assert.equal(noTls.status, 2);
  assert.match(noTls.stderr, /^stockade: server admission: --tls-cert and --tls-key are required/);
  const badListen = spawnSync(process.execPath, argv(['admission', '--listen', 'nonsense', '--tls-cert', 'a', '--tls-key', 'b']), { encoding: 'utf8' });
  assert.equal(badListen.status, 2);
  assert.match(badListen.stderr, /nonsense: expected HOST:PORT/);
  const missing = spawnSync(process.execPath, argv(['admission', '--listen', '127.0.0.1:0', '--tls-cert', 'a', '--tls-key', 'b', '--pss-config', '/nonexistent/pss.yaml']), { encoding: 'utf8' });
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /\/nonexistent\/pss\.yaml: PodSecurityConfiguration file not found/);
  const badNs = spawnSync(process.execPath, argv(['admission', '--print-manifests', '--namespace', 'Bad_NS']), { encoding: 'utf8' });
  assert.equal(badNs.status, 2);
});

test('--print-manifests writes multi-document YAML with the namespace and image asked for', () => {
  const r = spawnSync(process.execPath, argv(['admission', '--print-manifests', '--namespace', 'guard', '--image', 'registry.example.com/stockade:9.9.9']), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, unknown>);
  const deployment = docs.find((d) => d['kind'] === 'Deployment') as { metadata: { namespace: string }; spec: { template: { spec: { containers: Array<{ image: string }> } } } };
  assert.equal(deployment.metadata.namespace, 'guard');
  assert.equal(deployment.spec.template.spec.containers[0]?.image, 'registry.example.com/stockade:9.9.9');
});

/** Collects the child's JSON log lines; resolves when one matches. */
function waitForLog(child: ChildProcess, lines: Array<Record<string, unknown>>, match: (l: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const found = lines.find(match);
    if (found) return resolve(found);
    const timer = setTimeout(() => reject(new Error(`no such log line within ${ms} ms; got ${JSON.stringify(lines).slice(0, 500)}`)), ms);
    const onLine = (l: Record<string, unknown>) => {
      if (!match(l)) return;
      clearTimeout(timer);
      child.off('log', onLine);
      resolve(l);
    };
    child.on('log', onLine);
  });
}

test('a real server process: TLS verdicts, decision log lines, SIGHUP reload, SIGTERM stop', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-admission-cli-'));
  const tls = makeTestTls(join(dir));
  const labels = join(dir, 'labels.yaml');
  writeFileSync(labels, 'team: {pod-security.kubernetes.io/enforce: privileged}\n');
  const child = spawn(process.execPath, argv(['admission', '--listen', '127.0.0.1:0', '--tls-cert', tls.certFile, '--tls-key', tls.keyFile, '--namespace-labels', labels, '--shutdown-delay', '0']), { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffer = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        child.emit('log', parsed);
      } catch {
        // not a log line
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const listening = await waitForLog(child, lines, (l) => l['msg'] === 'admission webhook listening');
    const url = String(listening['url']);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx:1', securityContext: { privileged: true } }] } };
    const ask = async () => parseAnswer(await httpsCall(url, { path: '/validate', body: JSON.stringify(review(pod, { namespace: 'team', uid: 'cli-uid' })), headers: { 'content-type': 'application/json' }, ca: tls.ca }));
    assert.equal((await httpsCall(url, { path: '/readyz', ca: tls.ca })).status, 200);
    assert.equal((await ask()).allowed, true);
    const logged = await waitForLog(child, lines, (l) => l['msg'] === 'admission decision' && l['uid'] === 'cli-uid');
    assert.equal(logged['kind'], 'Pod');
    assert.equal(logged['namespace'], 'team');
    assert.equal(logged['name'], 'p');
    assert.equal(logged['allowed'], true);
    assert.ok(Array.isArray(logged['rules']));
    writeFileSync(labels, 'team: {pod-security.kubernetes.io/enforce: baseline}\n');
    const count = lines.filter((l) => l['msg'] === 'settings loaded').length;
    child.kill('SIGHUP');
    await waitForLog(child, lines, () => lines.filter((l) => l['msg'] === 'settings loaded').length > count);
    const denied = await ask();
    assert.equal(denied.allowed, false);
    assert.match(denied.message, /violates PodSecurity "baseline:latest": privileged/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
