/**
 * The plugin in front of a real dockerd (20.10 here), driven with the docker CLI and raw
 * HTTP over the daemon's socket; every expectation is the daemon's own answer: its
 * exit status and error text, the containers it created (`docker inspect`), the image
 * it tried to pull. Two phases:
 *
 * - what the daemon does with requests a naive plugin would misread (host settings at
 *   the top level, lower-case keys, a percent-encoded path, a body without
 *   Content-Type, a chunked body, a host config at an old API version's start, a
 *   form body overriding the query): with every rule in audit mode the daemon acts on
 *   them (privileged containers appear), and the plugin's log shows it saw what the
 *   daemon did;
 * - the same requests, and the ordinary bad ones, with the default modes: denied by the
 *   daemon with the plugin's message naming the rule, nothing created.
 *
 * Skipped, with the reason printed, only when dockerd cannot start here.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { validateProjectConfig, type ProjectConfig } from '../../config/project-config.js';
import { canRunPauseExecutable, dockerdUnavailable, startDockerd, testPluginName, writePauseImage, type ApiAnswer, type CliResult, type Dockerd } from '../../testing/dockerd.js';
import { runDockerAuthzServer, type DockerAuthzServer } from './server.js';
import type { AuthzSettings } from './settings.js';

const IMAGE = 'stockade-test/pause:1';
const dir = mkdtempSync(join(tmpdir(), 'sk-authz-dockerd-'));
const pluginName = testPluginName();
const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
    cb();
  },
});

const DEFAULT_PROJECT: ProjectConfig = validateProjectConfig(
  {
    enforcement: {
      exceptions: [
        { rules: ['SK-COMPOSE-0001'], users: ['alice'], expires: '2099-12-31', reason: 'builds kernel modules' },
        { rules: ['SK-COMPOSE-0003', 'SK-COMPOSE-0004'], users: ['ops'], expires: '2099-12-31', reason: 'runs the monitoring agent' },
      ],
    },
  },
  'stockade.yaml',
);
const AUTHZ: AuthzSettings = { untrusted: { users: ['carol'] }, readOnlyUsers: ['monitor'] };
const AUDIT_ALL: ProjectConfig = validateProjectConfig({ enforcement: { severities: { CRITICAL: 'audit', HIGH: 'audit', MEDIUM: 'audit', LOW: 'audit', UNKNOWN: 'audit' } } }, 'stockade.yaml');

let skipReason = dockerdUnavailable();
let plugin: DockerAuthzServer | undefined;
let d: Dockerd;

before(async () => {
  if (skipReason) return;
  plugin = await runDockerAuthzServer({ socket: join(dir, 'plugin.sock'), logDestination: sink, project: DEFAULT_PROJECT, authz: AUTHZ });
  try {
    d = await startDockerd({ authz: { name: pluginName, socket: plugin.socket }, tlsUsers: ['alice', 'bob', 'carol', 'monitor', 'ops'], extraArgs: ['--add-runtime', 'runsc=/usr/sbin/runc'] });
  } catch (e) {
    skipReason = `dockerd could not start: ${(e as Error).message.slice(0, 2000)}`;
    return;
  }
  await writePauseImage(join(dir, 'image.tar'), IMAGE);
  const loaded = await d.docker(['load', '-i', join(dir, 'image.tar')]);
  assert.equal(loaded.status, 0, loaded.stderr);
});

after(async () => {
  if (d) await d.stop();
  if (plugin) await plugin.close();
  rmSync(dir, { recursive: true, force: true });
});

function skip(t: { skip(msg: string): void }): boolean {
  if (!skipReason) return false;
  console.log(`# skipped: ${skipReason}`);
  t.skip(skipReason);
  return true;
}

function denial(text: string, rules: readonly string[], what: string): void {
  assert.ok(text.includes(`authorization denied by plugin ${pluginName}: stockade: `), `${what}: expected our denial, got: ${text}`);
  for (const r of rules) assert.ok(text.includes(`[${r}]`), `${what}: expected ${r} in: ${text}`);
}

function cliDenied(r: CliResult, rules: readonly string[], what: string): void {
  assert.notEqual(r.status, 0, `${what}: the daemon accepted it`);
  denial(r.stderr, rules, what);
}

function cliAllowed(r: CliResult, what: string): void {
  assert.equal(r.status, 0, `${what}: ${r.stderr}`);
}

function apiDenied(a: ApiAnswer, rules: readonly string[], what: string): void {
  assert.equal(a.status, 403, `${what}: status ${a.status} ${a.body}`);
  denial(a.message ?? a.body, rules, what);
}

async function inspect(id: string): Promise<{ HostConfig: Record<string, unknown>; State: { Running: boolean } }> {
  const a = await d.api({ method: 'GET', path: `/v1.41/containers/${id}/json` });
  assert.equal(a.status, 200, a.body);
  return JSON.parse(a.body) as { HostConfig: Record<string, unknown>; State: { Running: boolean } };
}

async function containerCount(): Promise<number> {
  const a = await d.api({ method: 'GET', path: '/v1.41/containers/json?all=1' });
  return (JSON.parse(a.body) as unknown[]).length;
}

/** The plugin's decision line for the latest request to `path` (as the plugin normalised it). */
function lastDecision(path: string): Record<string, unknown> {
  const line = lines.filter((l) => l['event'] === 'authz' && l['phase'] === 'request' && l['path'] === path).at(-1);
  assert.ok(line, `no decision logged for ${path}`);
  return line;
}

function sawRule(line: Record<string, unknown>, mode: 'deny' | 'audit', rules: readonly string[]): boolean {
  const ids = line[mode === 'deny' ? 'rules' : 'audit'] as string[];
  return rules.some((r) => ids.includes(r));
}

const json = { 'Content-Type': 'application/json' };
const privilegedTopLevel = () => JSON.stringify({ Image: IMAGE, Privileged: true });
const privilegedLowerCase = () => JSON.stringify({ image: IMAGE, hostconfig: { privileged: true } });
const privilegedBody = () => JSON.stringify({ Image: IMAGE, HostConfig: { Privileged: true } });

/** Requests a plugin that matched raw paths and exact keys would misread, with the daemon's own reading. */
const TRICKS: ReadonlyArray<{ what: string; call: () => Parameters<Dockerd['api']>[0]; rules: string[] }> = [
  { what: 'host settings at the top level', call: () => ({ method: 'POST', path: '/v1.41/containers/create', body: privilegedTopLevel(), headers: json }), rules: ['SK-COMPOSE-0001'] },
  { what: 'lower-case keys', call: () => ({ method: 'POST', path: '/v1.41/containers/create', body: privilegedLowerCase(), headers: json }), rules: ['SK-COMPOSE-0001'] },
  { what: 'percent-encoded path', call: () => ({ method: 'POST', path: '/v1.41/containers/%63reate', body: privilegedBody(), headers: json }), rules: ['SK-COMPOSE-0001'] },
  { what: 'body without Content-Type', call: () => ({ method: 'POST', path: '/v1.41/containers/create', body: privilegedBody() }), rules: ['SK-AUTHZ-0005'] },
  // Whether dockerd passes these bodies on depends on its version (older ones compared the
  // Content-Type exactly and needed a Content-Length): either way the plugin denies.
  { what: 'Content-Type with a charset', call: () => ({ method: 'POST', path: '/v1.41/containers/create', body: privilegedBody(), headers: { 'Content-Type': 'application/json; charset=utf-8' } }), rules: ['SK-COMPOSE-0001', 'SK-AUTHZ-0005'] },
  { what: 'chunked body', call: () => ({ method: 'POST', path: '/v1.41/containers/create', body: privilegedBody(), headers: json, chunked: true }), rules: ['SK-COMPOSE-0001', 'SK-AUTHZ-0005'] },
];

test('allowed: plain create and run, ps, images, exec as an ordinary user, a sandboxed runtime', async (t) => {
  if (skip(t)) return;
  // dockerd activated the plugin when it started (the plugin then re-reads the daemons' sockets).
  const activated = lines.findIndex((l) => l['event'] === 'activate');
  const firstRequest = lines.findIndex((l) => l['event'] === 'authz');
  assert.ok(activated >= 0 && activated < firstRequest, 'Plugin.Activate came before the first request');
  const images = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  cliAllowed(images, 'docker images');
  assert.match(images.stdout, /stockade-test\/pause:1/);
  const created = await d.docker(['create', '--name', 'plain', IMAGE]);
  cliAllowed(created, 'docker create IMAGE');
  assert.equal((await inspect('plain')).HostConfig['Privileged'], false);
  cliAllowed(await d.docker(['ps', '-a']), 'docker ps');
  if (canRunPauseExecutable()) {
    cliAllowed(await d.docker(['run', '-d', '--name', 'runner', IMAGE]), 'docker run -d');
    assert.equal((await inspect('runner')).State.Running, true);
    cliAllowed(await d.docker(['exec', '-d', '-u', '1000', 'runner', '/pause']), 'docker exec -u 1000');
  }
});

test('denied by the daemon with our message: privileged, host paths, capabilities, namespaces, confinement, devices', async (t) => {
  if (skip(t)) return;
  const before = await containerCount();
  const cases: Array<[string[], string[]]> = [
    [['--privileged'], ['SK-COMPOSE-0001']],
    [['-v', '/:/host'], ['SK-COMPOSE-0005', 'SK-COMPOSE-0004']],
    [['-v', '/etc:/etc-host:ro'], ['SK-COMPOSE-0005']],
    [['--cap-add', 'SYS_ADMIN'], ['SK-COMPOSE-0002']],
    [['--cap-add', 'cap_sys_admin'], ['SK-COMPOSE-0002']],
    [['--cap-add', 'ALL'], ['SK-COMPOSE-0002']],
    [['-v', '/var/run/docker.sock:/var/run/docker.sock'], ['SK-COMPOSE-0004']],
    [['--mount', 'type=bind,source=/var/run/docker.sock,target=/s'], ['SK-COMPOSE-0004']],
    [['--pid', 'host'], ['SK-COMPOSE-0003']],
    [['--network', 'host'], ['SK-COMPOSE-0003']],
    [['--ipc', 'host'], ['SK-COMPOSE-0003']],
    [['--uts', 'host'], ['SK-COMPOSE-0003']],
    [['--userns', 'host'], ['SK-COMPOSE-0003']],
    [['--security-opt', 'seccomp=unconfined'], ['SK-COMPOSE-0006']],
    [['--security-opt', 'apparmor=unconfined'], ['SK-COMPOSE-0006']],
    [['--security-opt', 'label=disable'], ['SK-COMPOSE-0017']],
    [['--security-opt', 'systempaths=unconfined'], ['SK-COMPOSE-0017']],
    [['--device', '/dev/null:/dev/x'], ['SK-COMPOSE-0016']],
    [['--device-cgroup-rule', 'a *:* rwm'], ['SK-COMPOSE-0016']],
    [['-e', 'DB_PASSWORD=hunter2-literal'], ['SK-COMPOSE-0013']],
  ];
  for (const [flags, rules] of cases) cliDenied(await d.docker(['create', ...flags, IMAGE]), rules, `docker create ${flags.join(' ')}`);
  assert.equal(await containerCount(), before, 'the daemon created none of them');
});

test('the daemon\'s own socket (from its -H) under any alias: path, symlink, parent directory, --mount', async (t) => {
  if (skip(t)) return;
  // The test daemon listens on .../api.sock: only its path, found on its command line, says it is the engine socket.
  const link = join(dir, 'innocent-looking');
  symlinkSync(d.socket, link);
  const socketDir = dirname(d.socket);
  const dotted = `${socketDir}/../${basename(socketDir)}/./${basename(d.socket)}`;
  for (const flags of [
    ['-v', `${d.socket}:/var/run/docker.sock`],
    ['-v', `${link}:/s`],
    ['-v', `${dotted}:/s`],
    ['-v', `${socketDir}:/engine`],
    ['--mount', `type=bind,source=${link},target=/s`],
  ]) {
    const r = await d.docker(['create', ...flags, IMAGE]);
    cliDenied(r, ['SK-COMPOSE-0004'], `docker create ${flags.join(' ')}`);
    assert.match(r.stderr, /reaches the engine socket/);
  }
});

test('plugin management, exec escalation and update escalation are denied', async (t) => {
  if (skip(t)) return;
  cliDenied(await d.docker(['plugin', 'disable', pluginName]), ['SK-AUTHZ-0001'], 'docker plugin disable');
  cliDenied(await d.docker(['plugin', 'disable', '-f', 'vieux/sshfs:latest']), ['SK-AUTHZ-0001'], 'docker plugin disable -f');
  cliDenied(await d.docker(['plugin', 'rm', '-f', 'vieux/sshfs']), ['SK-AUTHZ-0001'], 'docker plugin rm');
  cliDenied(await d.docker(['plugin', 'set', 'vieux/sshfs', 'DEBUG=1']), ['SK-AUTHZ-0001'], 'docker plugin set');
  apiDenied(await d.api({ method: 'POST', path: '/v1.41/plugins/pull?remote=evil.example/plugin', body: '[]', headers: json }), ['SK-AUTHZ-0001'], 'POST /plugins/pull');
  apiDenied(await d.api({ method: 'POST', path: '/v1.41/plugins/x/upgrade?remote=evil.example/plugin', body: '[]', headers: json }), ['SK-AUTHZ-0001'], 'POST /plugins/x/upgrade');

  cliAllowed(await d.docker(['create', '--name', 'target', IMAGE]), 'create target');
  if (canRunPauseExecutable()) cliAllowed(await d.docker(['start', 'target']), 'start target');
  cliDenied(await d.docker(['exec', '--privileged', 'target', '/pause']), ['SK-COMPOSE-0001'], 'docker exec --privileged');
  cliDenied(await d.docker(['exec', '-u', 'root', 'target', '/pause']), ['SK-AUTHZ-0002'], 'docker exec -u root');
  cliDenied(await d.docker(['exec', '-u', '0', 'target', '/pause']), ['SK-AUTHZ-0002'], 'docker exec -u 0');

  // Resources an update may carry that create would refuse.
  const devices = JSON.stringify({ Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/x', CgroupPermissions: 'rwm' }] });
  apiDenied(await d.api({ method: 'POST', path: '/v1.41/containers/target/update', body: devices, headers: json }), ['SK-COMPOSE-0016'], 'update with Devices');
  apiDenied(await d.api({ method: 'POST', path: '/v1.41/containers/target/update', body: JSON.stringify({ DeviceCgroupRules: ['a *:* rwm'] }), headers: json }), ['SK-COMPOSE-0016'], 'update with DeviceCgroupRules');
  // With PIDs limits enforced, an update may not lift the limit that create must set.
  plugin?.reload({ project: validateProjectConfig({ enforcement: { rules: { 'SK-COMPOSE-0012': 'deny' } } }, 'stockade.yaml'), authz: AUTHZ });
  try {
    cliDenied(await d.docker(['create', IMAGE]), ['SK-COMPOSE-0012'], 'create without --pids-limit');
    cliAllowed(await d.docker(['create', '--name', 'limited', '--pids-limit', '50', IMAGE]), 'create --pids-limit 50');
    cliDenied(await d.docker(['update', '--pids-limit', '-1', 'limited']), ['SK-COMPOSE-0012'], 'docker update --pids-limit -1');
    cliAllowed(await d.docker(['update', '--pids-limit', '100', 'limited']), 'docker update --pids-limit 100');
    assert.equal((await inspect('limited')).HostConfig['PidsLimit'], 100, 'the daemon applied the allowed update');
    cliAllowed(await d.docker(['update', '--cpu-shares', '512', 'limited']), 'an update that leaves the limit alone');
  } finally {
    plugin?.reload({ project: DEFAULT_PROJECT, authz: AUTHZ });
  }
});

test('per-user rules from TLS client certificates: exception, read-only user, untrusted user needs a sandbox', async (t) => {
  if (skip(t)) return;
  const alice = await d.docker(['create', '--privileged', '--name', 'alice-privileged', IMAGE], { user: 'alice' });
  cliAllowed(alice, 'alice docker create --privileged (exception)');
  assert.equal((await inspect('alice-privileged')).HostConfig['Privileged'], true, 'the daemon made it privileged');
  assert.equal(lastDecision('/containers/create')['user'], 'alice');
  cliDenied(await d.docker(['create', '--privileged', IMAGE], { user: 'bob' }), ['SK-COMPOSE-0001'], 'bob docker create --privileged');
  cliDenied(await d.docker(['create', '--privileged', IMAGE]), ['SK-COMPOSE-0001'], 'no certificate, no exception');
  cliDenied(await d.docker(['create', '--privileged', '-v', '/etc:/e', IMAGE], { user: 'alice' }), ['SK-COMPOSE-0005'], 'the exception covers only its rule');

  cliAllowed(await d.docker(['ps'], { user: 'monitor' }), 'monitor docker ps');
  cliAllowed(await d.docker(['images'], { user: 'monitor' }), 'monitor docker images');
  cliDenied(await d.docker(['create', IMAGE], { user: 'monitor' }), ['SK-AUTHZ-0006'], 'monitor docker create');
  cliDenied(await d.docker(['rm', '-f', 'alice-privileged'], { user: 'monitor' }), ['SK-AUTHZ-0006'], 'monitor docker rm');

  cliDenied(await d.docker(['create', IMAGE], { user: 'carol' }), ['SK-AUTHZ-0004'], 'untrusted carol without a sandbox');
  cliAllowed(await d.docker(['create', '--runtime', 'runsc', '--name', 'carol-sandboxed', IMAGE], { user: 'carol' }), 'carol --runtime runsc');
  assert.equal((await inspect('carol-sandboxed')).HostConfig['Runtime'], 'runsc');
});

test('borrowing from an excepted container: VolumesFrom and container:<id> namespaces, with authz.engineApi', async (t) => {
  if (skip(t)) return;
  // ops may mount the engine socket and share the host PID namespace; bob may not, not even through ops' containers.
  cliAllowed(await d.docker(['create', '--name', 'ops-agent', '-v', `${d.socket}:/var/run/docker.sock`, IMAGE], { user: 'ops' }), 'ops mounts the socket');
  cliAllowed(await d.docker(['create', '--name', 'ops-hostpid', '--pid', 'host', IMAGE], { user: 'ops' }), 'ops shares the host PID namespace');
  // What the daemon gives a borrower: with every rule audited, bob's container inherits the socket mount.
  plugin?.reload({ project: AUDIT_ALL, authz: AUTHZ });
  try {
    cliAllowed(await d.docker(['create', '--name', 'bob-borrowed', '--volumes-from', 'ops-agent', IMAGE], { user: 'bob' }), 'audit mode');
    const inherited = (await d.api({ method: 'GET', path: '/v1.41/containers/bob-borrowed/json' })).body;
    assert.ok((JSON.parse(inherited) as { Mounts: Array<{ Source: string }> }).Mounts.some((m) => m.Source === d.socket), 'the daemon gave bob the engine socket');
  } finally {
    plugin?.reload({ project: DEFAULT_PROJECT, authz: AUTHZ });
  }
  // Without the engine lookup the borrowed mount is not seen (documented); with it, it is.
  cliAllowed(await d.docker(['create', '--volumes-from', 'ops-agent', IMAGE], { user: 'bob' }), 'no engineApi: not looked at');
  plugin?.reload({ project: DEFAULT_PROJECT, authz: { ...AUTHZ, engineApi: d.socket } });
  try {
    cliDenied(await d.docker(['create', '--volumes-from', 'ops-agent', IMAGE], { user: 'bob' }), ['SK-COMPOSE-0004'], 'bob --volumes-from ops-agent');
    cliDenied(await d.docker(['create', '--volumes-from', 'ops-agent:ro', IMAGE], { user: 'bob' }), ['SK-COMPOSE-0004'], 'bob --volumes-from ops-agent:ro');
    cliDenied(await d.docker(['create', '--pid', 'container:ops-hostpid', IMAGE], { user: 'bob' }), ['SK-COMPOSE-0003'], 'bob --pid container:ops-hostpid');
    cliAllowed(await d.docker(['create', '--network', 'container:plain', '--volumes-from', 'plain', IMAGE], { user: 'bob' }), 'borrowing from an ordinary container');
    cliAllowed(await d.docker(['create', '--volumes-from', 'ops-agent', IMAGE], { user: 'ops' }), 'ops borrows from itself under its exception');
  } finally {
    plugin?.reload({ project: DEFAULT_PROJECT, authz: AUTHZ });
  }
});

test('image pulls and container images meet the trust policy', async (t) => {
  if (skip(t)) return;
  plugin?.reload({ project: validateProjectConfig({ trust: { registries: ['127.0.0.1:1'] } }, 'stockade.yaml'), authz: AUTHZ });
  try {
    cliDenied(await d.docker(['pull', 'evil.invalid/tool:1']), ['SK-AUTHZ-0003'], 'pull from an untrusted registry');
    const trusted = await d.docker(['pull', '127.0.0.1:1/tool:1']);
    assert.notEqual(trusted.status, 0, 'nothing listens on 127.0.0.1:1');
    assert.ok(!trusted.stderr.includes('authorization denied'), `the plugin let it through; the daemon failed on its own: ${trusted.stderr}`);
    assert.match(trusted.stderr, /127\.0\.0\.1:1/);
    cliDenied(await d.docker(['create', IMAGE]), ['SK-AUTHZ-0003'], 'a local image outside the trusted registries');
    cliDenied(await d.docker(['tag', IMAGE, '127.0.0.1:1/tool:1']), ['SK-AUTHZ-0003'], 'renaming an untrusted image into a trusted name');
  } finally {
    plugin?.reload({ project: DEFAULT_PROJECT, authz: AUTHZ });
  }
});

test('what the daemon does with requests a naive plugin misreads, then the same requests denied', async (t) => {
  if (skip(t)) return;
  // Phase 1: every rule in audit mode. The daemon acts on each; the plugin saw what it did.
  plugin?.reload({ project: AUDIT_ALL, authz: AUTHZ });
  try {
    const actedOn: string[] = [];
    for (const trick of TRICKS) {
      const count = await containerCount();
      const a = await d.api(trick.call());
      assert.ok(sawRule(lastDecision('/containers/create'), 'audit', trick.rules), `${trick.what}: the plugin saw ${trick.rules.join(' or ')}`);
      if (a.status === 201) {
        const id = (JSON.parse(a.body) as { Id: string }).Id;
        assert.equal((await inspect(id)).HostConfig['Privileged'], true, `${trick.what}: the daemon created a privileged container`);
        actedOn.push(trick.what);
      } else {
        // Some daemons refuse some of these themselves (20.10.24 wants a Content-Type): safe either way.
        assert.equal(a.status, 400, `${trick.what}: ${a.body}`);
        assert.equal(await containerCount(), count);
        t.diagnostic(`the daemon itself refuses: ${trick.what} (${a.message ?? a.body})`);
      }
    }
    t.diagnostic(`the daemon creates a privileged container from: ${actedOn.join('; ')}`);
    for (const what of ['host settings at the top level', 'lower-case keys', 'percent-encoded path', 'chunked body']) assert.ok(actedOn.includes(what), `the daemon acted on ${what}`);
    if (canRunPauseExecutable()) {
      // A host config in the body of a start at API 1.23 replaces the container's.
      cliAllowed(await d.docker(['create', '--name', 'old-api', IMAGE]), 'create old-api');
      // (A bind, not Privileged: this machine's kernel refuses privileged containers at start.)
      const a = await d.api({ method: 'POST', path: '/v1.23/containers/old-api/start', body: JSON.stringify({ Binds: ['/etc:/host-etc:ro'] }), headers: json });
      assert.equal(a.status, 204, a.body);
      const c = await inspect('old-api');
      assert.deepEqual(c.HostConfig['Binds'], ['/etc:/host-etc:ro'], 'the daemon applied the start body');
      assert.equal(c.State.Running, true);
      assert.ok(sawRule(lastDecision('/containers/old-api/start'), 'audit', ['SK-COMPOSE-0005']));
    }
    // A form body overrides the query string: the daemon pulls what the body names.
    const form = await d.api({ method: 'POST', path: '/v1.41/images/create?fromImage=127.0.0.1%3A1%2Fquery-named&tag=1', body: 'fromImage=127.0.0.1%3A2%2Fform-named&tag=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    // The query names registry 127.0.0.1:1, the body 127.0.0.1:2: the daemon went to the body's.
    assert.match(form.body, /127\.0\.0\.1:2/, 'the daemon read the body, not the query');
    assert.doesNotMatch(form.body, /127\.0\.0\.1:1/);
    assert.ok(sawRule(lastDecision('/images/create'), 'audit', ['SK-AUTHZ-0005']));
    // And the plugin endpoints really reach the daemon.
    const disable = await d.docker(['plugin', 'disable', 'nosuch']);
    assert.match(disable.stderr, /not found/);
  } finally {
    plugin?.reload({ project: DEFAULT_PROJECT, authz: AUTHZ });
  }

  // Phase 2: default modes. Each is denied by the daemon with our message; nothing is created.
  const before = await containerCount();
  for (const trick of TRICKS) {
    const a = await d.api(trick.call());
    assert.equal(a.status, 403, `${trick.what}: ${a.body}`);
    const line = lastDecision('/containers/create');
    assert.ok(sawRule(line, 'deny', trick.rules), `${trick.what}: denied by ${trick.rules.join(' or ')}: ${String(line['message'])}`);
    denial(a.message ?? a.body, [], trick.what);
  }
  cliAllowed(await d.docker(['create', '--name', 'old-api-2', IMAGE]), 'create old-api-2');
  apiDenied(await d.api({ method: 'POST', path: '/v1.23/containers/old-api-2/start', body: JSON.stringify({ Privileged: true }), headers: json }), ['SK-COMPOSE-0001'], 'old API start with Privileged');
  apiDenied(await d.api({ method: 'POST', path: '/v1.23/containers/old-api-2/start', body: JSON.stringify({ Binds: ['/etc:/host-etc:ro'] }), headers: json }), ['SK-COMPOSE-0005'], 'old API start with a bind');
  apiDenied(await d.api({ method: 'POST', path: '/v1.23/containers/old-api-2/start', body: JSON.stringify({ Privileged: true }), headers: json, chunked: true }), [], 'old API start, chunked');
  apiDenied(
    await d.api({ method: 'POST', path: '/v1.41/images/create?fromImage=127.0.0.1%3A1%2Fquery-named&tag=1', body: 'fromImage=127.0.0.1%3A2%2Fform-named&tag=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
    ['SK-AUTHZ-0005'],
    'form body on image create',
  );
  assert.equal(await containerCount(), before + 1, 'only old-api-2 was created');
  const untouched = await inspect('old-api-2');
  assert.equal(untouched.HostConfig['Privileged'], false);
  assert.equal(untouched.HostConfig['Binds'], null);
});
