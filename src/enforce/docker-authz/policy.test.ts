/**
 * Decisions on AuthZReq envelopes built from Docker's documented API (Engine API
 * v1.41: ContainerCreate, ContainerUpdate, ContainerExec, ImageCreate, Plugin*, and
 * what each HostConfig field means), without a daemon. What the daemon itself does
 * with these requests is asserted in dockerd.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateProjectConfig, type ProjectConfig } from '../../config/project-config.js';
import { parseRequestUri } from './api-path.js';
import { EngineSockets, socketsFromDockerdArgs, resolveHostPath } from './host-paths.js';
import { LookupError, referencedFromInspect } from './engine-api.js';
import type { ReferencedContainer } from './container-document.js';
import { decideRequest, pullReference, type AuthzDecision, type PolicyEnv } from './policy.js';
import type { AuthzRequest } from './protocol.js';
import { API_RULES } from './rules/index.js';
import type { AuthzSettings } from './settings.js';
import { isFrameworkRef } from '../../checks/rule.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const scratch = mkdtempSync(join(tmpdir(), 'sk-authz-policy-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

function env(project: ProjectConfig = {}, authz: AuthzSettings = {}): PolicyEnv {
  return {
    config: { project, authz },
    sockets: new EngineSockets(authz.engineSockets ?? [], authz.discoverEngineSockets ?? false),
    now: () => NOW,
    maxJsonDepth: 64,
  };
}

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Content-Length': '100' };

function req(method: string, uri: string, body?: unknown, extra: Partial<AuthzRequest> = {}): AuthzRequest {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return {
    RequestMethod: method,
    RequestUri: uri,
    ...(text !== undefined ? { RequestBody: Buffer.from(text).toString('base64'), RequestHeaders: { ...JSON_HEADERS, 'Content-Length': String(Buffer.byteLength(text)) } } : { RequestHeaders: { 'Content-Length': '0' } }),
    ...extra,
  };
}

const create = (body: unknown, extra: Partial<AuthzRequest> = {}) => req('POST', '/v1.41/containers/create?name=web', body, extra);

async function decide(r: AuthzRequest, e: PolicyEnv = env()): Promise<AuthzDecision> {
  return decideRequest(r, e);
}

function denied(d: AuthzDecision): string[] {
  return [...new Set(d.findings.filter((f) => f.mode === 'deny').map((f) => f.rule))].sort();
}

async function assertDenied(r: AuthzRequest, rules: string[], e?: PolicyEnv): Promise<AuthzDecision> {
  const d = await decide(r, e);
  assert.equal(d.allow, false, `expected a deny for ${r.RequestMethod} ${r.RequestUri}`);
  assert.deepEqual(denied(d), [...rules].sort(), d.msg);
  for (const id of rules) assert.ok(d.msg.includes(`[${id}]`), `message names ${id}: ${d.msg}`);
  return d;
}

async function assertAllowed(r: AuthzRequest, e?: PolicyEnv): Promise<AuthzDecision> {
  const d = await decide(r, e);
  assert.equal(d.allow, true, `expected an allow for ${r.RequestMethod} ${r.RequestUri}: ${d.msg}`);
  return d;
}

const IMAGE = 'registry.example/team/app:1.0';

test('rule metadata: ids unique and shaped, frameworks well-formed', () => {
  const rules = [...API_RULES];
  const ids = rules.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of rules) {
    assert.match(r.id, /^SK-(AUTHZ|COMPOSE)-\d{4}$/);
    assert.ok(r.title && r.description && r.remediation && r.references.length, r.id);
    for (const f of r.frameworks) assert.ok(isFrameworkRef(f), `${r.id}: ${f}`);
  }
});

test('a plain create is allowed; rules below the deny modes only warn or audit', async () => {
  const d = await assertAllowed(create({ Image: IMAGE, HostConfig: {} }));
  const modes = new Set(d.findings.map((f) => f.mode));
  assert.ok(!modes.has('deny'));
  assert.ok(d.findings.some((f) => f.rule === 'SK-COMPOSE-0010' && f.mode === 'warn'), 'no memory limit warns by default');
});

test('HostConfig.Privileged, CapAdd (ALL, CAP_ prefix, any case), namespaces host', async () => {
  await assertDenied(create({ Image: IMAGE, HostConfig: { Privileged: true } }), ['SK-COMPOSE-0001']);
  for (const cap of ['ALL', 'all', 'SYS_ADMIN', 'cap_sys_admin', 'CAP_SYS_ADMIN', 'Cap_Net_Admin']) {
    await assertDenied(create({ Image: IMAGE, HostConfig: { CapAdd: [cap] } }), ['SK-COMPOSE-0002']);
  }
  // Capabilities (API 1.40) replaces the default set: read as added capabilities.
  await assertDenied(create({ Image: IMAGE, HostConfig: { Capabilities: ['CAP_SYS_ADMIN'] } }), ['SK-COMPOSE-0002']);
  await assertAllowed(create({ Image: IMAGE, HostConfig: { CapAdd: ['NET_BIND_SERVICE'], CapDrop: ['ALL'] } }));
  for (const field of ['NetworkMode', 'PidMode', 'IpcMode', 'UTSMode', 'UsernsMode']) {
    await assertDenied(create({ Image: IMAGE, HostConfig: { [field]: 'host' } }), ['SK-COMPOSE-0003']);
  }
  await assertAllowed(create({ Image: IMAGE, HostConfig: { NetworkMode: 'bridge', PidMode: 'container:abc', IpcMode: 'private' } }));
  // Joining the host network through NetworkingConfig.
  await assertDenied(create({ Image: IMAGE, NetworkingConfig: { EndpointsConfig: { host: {} } } }), ['SK-COMPOSE-0003']);
});

test('SecurityOpt: seccomp/apparmor unconfined, label disable, no-new-privileges=false; systempaths', async () => {
  for (const opt of ['seccomp=unconfined', 'seccomp:unconfined', 'apparmor=unconfined', 'apparmor:unconfined']) {
    await assertDenied(create({ Image: IMAGE, HostConfig: { SecurityOpt: [opt] } }), ['SK-COMPOSE-0006']);
  }
  for (const opt of ['label=disable', 'label:disable']) await assertDenied(create({ Image: IMAGE, HostConfig: { SecurityOpt: [opt] } }), ['SK-COMPOSE-0017']);
  // MaskedPaths: [] is what `--security-opt systempaths=unconfined` sends.
  await assertDenied(create({ Image: IMAGE, HostConfig: { MaskedPaths: [], ReadonlyPaths: [] } }), ['SK-COMPOSE-0017']);
  await assertDenied(create({ Image: IMAGE, HostConfig: { MaskedPaths: ['/proc/acpi'] } }), ['SK-COMPOSE-0017']);
  // no-new-privileges=false is MEDIUM: warn by default, deny when configured.
  const d = await assertAllowed(create({ Image: IMAGE, HostConfig: { SecurityOpt: ['no-new-privileges=false'] } }));
  assert.ok(d.findings.some((f) => f.rule === 'SK-COMPOSE-0007' && f.reason.includes('no-new-privileges=false') && f.mode === 'warn'));
  const strict = env(validateProjectConfig({ enforcement: { rules: { 'SK-COMPOSE-0007': 'deny' } } }, 'stockade.yaml'));
  await assertDenied(create({ Image: IMAGE, HostConfig: { SecurityOpt: ['no-new-privileges=false'] } }), ['SK-COMPOSE-0007'], strict);
  await assertAllowed(create({ Image: IMAGE, HostConfig: { SecurityOpt: ['no-new-privileges'] } }), strict);
});

test('Devices and DeviceCgroupRules', async () => {
  await assertDenied(create({ Image: IMAGE, HostConfig: { Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/xvda', CgroupPermissions: 'rwm' }] } }), ['SK-COMPOSE-0016']);
  await assertDenied(create({ Image: IMAGE, HostConfig: { DeviceCgroupRules: ['a *:* rwm'] } }), ['SK-COMPOSE-0016']);
});

test('Binds strings: the socket under any alias, sensitive paths, named volumes allowed', async () => {
  const socketRules = ['SK-COMPOSE-0004'];
  for (const bind of ['/var/run/docker.sock:/var/run/docker.sock', '/run/docker.sock:/s:ro', '/var/run/../run/docker.sock:/s', '//var//run//docker.sock/:/s', '/var/run/:/r', '/run/containerd/containerd.sock:/c']) {
    await assertDenied(create({ Image: IMAGE, HostConfig: { Binds: [bind] } }), socketRules);
  }
  await assertDenied(create({ Image: IMAGE, HostConfig: { Binds: ['/:/host'] } }), ['SK-COMPOSE-0004', 'SK-COMPOSE-0005']);
  await assertDenied(create({ Image: IMAGE, HostConfig: { Binds: ['/etc:/host-etc:ro'] } }), ['SK-COMPOSE-0005']);
  // Relative paths are taken from / (dockerd's working directory).
  await assertDenied(create({ Image: IMAGE, HostConfig: { Binds: ['../../../etc:/x'] } }), ['SK-COMPOSE-0005']);
  await assertAllowed(create({ Image: IMAGE, HostConfig: { Binds: ['data:/data', '/srv/app/config:/config:ro'] } }));
});

test('Mounts objects: bind, local volumes with o=bind or a device, volume by name', async () => {
  await assertDenied(create({ Image: IMAGE, HostConfig: { Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/s' }] } }), ['SK-COMPOSE-0004']);
  await assertDenied(create({ Image: IMAGE, HostConfig: { Mounts: [{ Type: 'BIND', Source: '/proc', Target: '/p', ReadOnly: true }] } }), ['SK-COMPOSE-0005']);
  const bindVolume = { Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } } };
  await assertDenied(create({ Image: IMAGE, HostConfig: { Mounts: [bindVolume] } }), ['SK-COMPOSE-0004', 'SK-COMPOSE-0005']);
  const diskVolume = { Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { type: 'ext4', device: '/dev/sda1' } } } };
  await assertDenied(create({ Image: IMAGE, HostConfig: { Mounts: [diskVolume] } }), ['SK-COMPOSE-0016']);
  await assertAllowed(create({ Image: IMAGE, HostConfig: { Mounts: [{ Type: 'volume', Source: 'data', Target: '/data' }, { Type: 'tmpfs', Target: '/tmp' }] } }));
  await assertDenied(req('POST', '/v1.41/volumes/create', { Name: 'v', Driver: 'local', DriverOpts: { type: 'none', o: 'bind', device: '/etc' } }), ['SK-COMPOSE-0005']);
  await assertAllowed(req('POST', '/v1.41/volumes/create', { Name: 'v', Driver: 'local', DriverOpts: {} }));
});

test('symlinked host paths resolve on the host; configured and discovered engine sockets', async () => {
  const engineDir = join(scratch, 'engine');
  mkdirSync(engineDir, { recursive: true });
  const sock = join(engineDir, 'api.sock');
  writeFileSync(sock, '');
  const link = join(scratch, 'innocent');
  symlinkSync(sock, link);
  const dirLink = join(scratch, 'etc-link');
  symlinkSync('/etc', dirLink);
  assert.equal(await resolveHostPath(`${dirLink}/new/dir`), '/etc/new/dir', 'missing tail kept after the resolved prefix');

  await assertDenied(create({ Image: IMAGE, HostConfig: { Binds: [`${dirLink}:/x`] } }), ['SK-COMPOSE-0005']);
  const e = env({}, { engineSockets: [sock] });
  const d = await assertDenied(create({ Image: IMAGE, HostConfig: { Binds: [`${link}:/var/run/docker.sock`] } }), ['SK-COMPOSE-0004'], e);
  assert.match(d.msg, /reaches the engine socket/);
  await assertDenied(create({ Image: IMAGE, HostConfig: { Binds: [`${engineDir}:/engine`] } }), ['SK-COMPOSE-0004'], e);
  await assertDenied(create({ Image: IMAGE, HostConfig: { Mounts: [{ Type: 'bind', Source: `${engineDir}/../engine/api.sock`, Target: '/s' }] } }), ['SK-COMPOSE-0004'], e);
  // Without the configuration the name api.sock means nothing.
  await assertAllowed(create({ Image: IMAGE, HostConfig: { Binds: [`${link}:/s`] } }));

  assert.deepEqual(
    socketsFromDockerdArgs(['-H', 'unix:///srv/d.sock', '--host=unix:///srv/e.sock', '-Hunix:///srv/f.sock', '-H', 'tcp://0.0.0.0:2376', '--exec-root', '/x', '--containerd=/y/c.sock']).map(([p]) => p),
    ['/srv/d.sock', '/srv/e.sock', '/srv/f.sock', '/x/containerd/containerd.sock', '/y/c.sock'],
  );
});

test('Go JSON decoding: keys in any case and with Unicode folds, top-level host settings, ambiguity refused', async () => {
  await assertDenied(create({ image: IMAGE, hostconfig: { privileged: true } }), ['SK-COMPOSE-0001']);
  await assertDenied(create({ Image: IMAGE, HOSTCONFIG: { BINDS: ['/:/h'] } }), ['SK-COMPOSE-0004', 'SK-COMPOSE-0005']);
  // encoding/json folds ſ (U+017F) to s and K (U+212A, Kelvin) to k.
  await assertDenied(create({ Image: IMAGE, HostConfig: { 'Bindſ': ['/etc:/e'] } }), ['SK-COMPOSE-0005']);
  await assertDenied(create({ Image: IMAGE, HostConfig: { 'Networ\u212aMode': 'host' } }), ['SK-COMPOSE-0003']);
  // The deprecated embedded HostConfig: host settings at the top level when there is no inner one...
  await assertDenied(create({ Image: IMAGE, Privileged: true }), ['SK-COMPOSE-0001']);
  await assertDenied(create({ Image: IMAGE, Binds: ['/var/run/docker.sock:/s'] }), ['SK-COMPOSE-0004']);
  // ...and, conservatively, where the inner one leaves them out (dockerd 20.10 would then ignore them).
  await assertDenied(create({ Image: IMAGE, HostConfig: {}, Privileged: true }), ['SK-COMPOSE-0001']);
  // Two spellings of one field: the daemon takes the last, JSON.parse cannot say which that is.
  await assertDenied(create('{"Image":"x","HostConfig":{"privileged":true,"Privileged":false,"privileged":true}}'), ['SK-AUTHZ-0005']);
  await assertDenied(create({ Image: IMAGE, HostConfig: { Privileged: 'true' } }), ['SK-AUTHZ-0005']);
  await assertDenied(create({ Image: IMAGE, HostConfig: { Binds: '/:/h' } }), ['SK-AUTHZ-0005']);
  // JSON.parse's own duplicate handling (last wins) is Go's too.
  await assertAllowed(create('{"Image":"x","HostConfig":{"Privileged":true,"Privileged":false}}'));
  await assertDenied(create('{"Image":"x","HostConfig":{"Privileged":false,"Privileged":true}}'), ['SK-COMPOSE-0001']);
});

test('bodies the plugin did not get or cannot read are denied, each saying why', async () => {
  const noBody = (headers: Record<string, string>) => ({ RequestMethod: 'POST', RequestUri: '/v1.41/containers/create', RequestHeaders: headers });
  let d = await assertDenied(noBody({ 'Content-Length': '80' }), ['SK-AUTHZ-0005']);
  assert.match(d.msg, /no Content-Type/);
  d = await assertDenied(noBody({ 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': '80' }), ['SK-AUTHZ-0005']);
  assert.match(d.msg, /not exactly application\/json/);
  d = await assertDenied(noBody({ 'Content-Type': 'application/json' }), ['SK-AUTHZ-0005']);
  assert.match(d.msg, /chunked/);
  d = await assertDenied(noBody({ 'Content-Type': 'application/json', 'Content-Length': '2000000' }), ['SK-AUTHZ-0005']);
  assert.match(d.msg, /1 MiB/);
  await assertDenied(create('{"Image": "x", '), ['SK-AUTHZ-0005']);
  await assertDenied(create('[1,2,3]'), ['SK-AUTHZ-0005']);
  await assertDenied(create(`${'['.repeat(100)}${']'.repeat(100)}`), ['SK-AUTHZ-0005']);
  await assertDenied({ ...create({ Image: IMAGE }), RequestBody: 'not base64!' }, ['SK-AUTHZ-0005']);
  for (const endpoint of ['/containers/abc/update', '/containers/abc/exec', '/volumes/create']) {
    await assertDenied({ RequestMethod: 'POST', RequestUri: `/v1.41${endpoint}`, RequestHeaders: {} }, ['SK-AUTHZ-0005']);
  }
  // A form body overrides the query dockerd reads (r.Form), and is not passed on.
  await assertDenied(
    { RequestMethod: 'POST', RequestUri: '/v1.41/images/create?fromImage=alpine&tag=3', RequestHeaders: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '30' } },
    ['SK-AUTHZ-0005'],
  );
  // Calls that are not decided by a body need none.
  await assertAllowed({ RequestMethod: 'POST', RequestUri: '/v1.41/containers/abc/start', RequestHeaders: { 'Content-Length': '0' } });
  await assertAllowed({ RequestMethod: 'GET', RequestUri: '/v1.41/containers/json?all=1' });
});

test('request URIs: version prefix, query, percent-encoding, absolute form, dot segments', async () => {
  assert.deepEqual(
    (({ path, version }) => ({ path, version }))(parseRequestUri('/v1.41/containers/create?name=x')),
    { path: '/containers/create', version: '1.41' },
  );
  assert.equal(parseRequestUri('/containers/create').version, undefined);
  const privileged = { Image: IMAGE, HostConfig: { Privileged: true } };
  for (const uri of ['/containers/create', '/v1.41/containers/%63reate', '/v1.41//containers/./create/', 'http://docker/v1.41/containers/create?x=1', '/v1.41/images/../containers/create']) {
    await assertDenied(req('POST', uri, privileged), ['SK-COMPOSE-0001']);
  }
  await assert.rejects(decide(req('POST', '/v1.41/containers/%E0%A4%A/create', privileged)), /malformed percent-encoding/);
  await assert.rejects(decide({ RequestMethod: 'POST' }), /without RequestMethod or RequestUri/);
});

test('plugin management is denied, reading plugins is not', async () => {
  for (const [method, uri] of [
    ['POST', '/v1.41/plugins/stockade/disable'],
    ['POST', '/v1.41/plugins/vieux/sshfs:latest/disable?force=1'],
    ['POST', '/v1.41/plugins/vieux%2Fsshfs/set'],
    ['POST', '/v1.41/plugins/vieux/sshfs/upgrade?remote=evil/x'],
    ['DELETE', '/v1.41/plugins/vieux/sshfs?force=true'],
    ['POST', '/v1.41/plugins/pull?remote=evil/x'],
    ['POST', '/v1.41/plugins/create?name=x'],
  ] as const) {
    await assertDenied(req(method, uri, method === 'POST' && uri.includes('/set') ? ['DEBUG=1'] : undefined), ['SK-AUTHZ-0001']);
  }
  await assertAllowed(req('GET', '/v1.41/plugins'));
  await assertAllowed(req('GET', '/v1.41/plugins/privileges?remote=x'));
});

test('exec create: Privileged and User root/0 denied, other users allowed', async () => {
  await assertDenied(req('POST', '/v1.41/containers/c1/exec', { Cmd: ['sh'], Privileged: true }), ['SK-COMPOSE-0001']);
  for (const user of ['root', '0', 'root:root', '0:0']) await assertDenied(req('POST', '/v1.41/containers/c1/exec', { Cmd: ['sh'], User: user }), ['SK-AUTHZ-0002']);
  await assertAllowed(req('POST', '/v1.41/containers/c1/exec', { Cmd: ['sh'], User: '1000' }));
  await assertAllowed(req('POST', '/v1.41/containers/c1/exec', { Cmd: ['sh'] }));
});

test('update is judged as create would judge the fields it sets', async () => {
  await assertDenied(req('POST', '/v1.41/containers/c1/update', { Devices: [{ PathOnHost: '/dev/mem', PathInContainer: '/dev/mem', CgroupPermissions: 'rwm' }] }), ['SK-COMPOSE-0016']);
  const strict = env(validateProjectConfig({ enforcement: { rules: { 'SK-COMPOSE-0012': 'deny' } } }, 'stockade.yaml'));
  // What `docker update --pids-limit -1` sends (every other field zero: unchanged).
  const cliUpdate = (pids: number) => ({ CpuShares: 0, Memory: 0, NanoCpus: 0, CgroupParent: '', PidsLimit: pids, Devices: null, RestartPolicy: { Name: '', MaximumRetryCount: 0 } });
  await assertDenied(req('POST', '/v1.41/containers/c1/update', cliUpdate(-1)), ['SK-COMPOSE-0012'], strict);
  await assertAllowed(req('POST', '/v1.41/containers/c1/update', cliUpdate(100)), strict);
  // Fields an update does not carry are not its findings.
  const d = await assertAllowed(req('POST', '/v1.41/containers/c1/update', { CpuShares: 512 }), strict);
  assert.deepEqual(d.findings, []);
  // The same policy denies a create without a PIDs limit.
  await assertDenied(create({ Image: IMAGE }), ['SK-COMPOSE-0012'], strict);
});

test('start with a host config at API < 1.24 is judged like a create', async () => {
  await assertDenied(req('POST', '/v1.23/containers/c1/start', { Privileged: true }), ['SK-COMPOSE-0001']);
  await assertDenied(req('POST', '/v1.23/containers/c1/start', { HostConfig: { Binds: ['/:/h'] } }), ['SK-COMPOSE-0004', 'SK-COMPOSE-0005']);
  await assertAllowed(req('POST', '/v1.23/containers/c1/start', {}));
  await assertAllowed({ RequestMethod: 'POST', RequestUri: '/v1.23/containers/c1/start', RequestHeaders: { 'Content-Length': '0' } });
  await assertDenied({ RequestMethod: 'POST', RequestUri: '/v1.23/containers/c1/start', RequestHeaders: {} }, ['SK-AUTHZ-0005']);
  // From 1.24 on dockerd refuses a start body itself.
  await assertAllowed({ RequestMethod: 'POST', RequestUri: '/v1.41/containers/c1/start', RequestHeaders: {} });
});

test('build with networkmode=host; swarm services by their ContainerSpec', async () => {
  await assertDenied(req('POST', '/v1.41/build?t=x&networkmode=host'), ['SK-COMPOSE-0003']);
  await assertAllowed(req('POST', '/v1.41/build?t=x'));
  const service = { Name: 'web', TaskTemplate: { ContainerSpec: { Image: IMAGE, Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/s' }], CapabilityAdd: ['CAP_SYS_ADMIN'] } } };
  await assertDenied(req('POST', '/v1.41/services/create', service), ['SK-COMPOSE-0002', 'SK-COMPOSE-0004']);
});

test('image pulls, container images, imports and tags meet the trust policy', async () => {
  assert.equal(pullReference('alpine', '3.19'), 'alpine:3.19');
  assert.equal(pullReference('registry:5000/a/b:old', 'new'), 'registry:5000/a/b:new');
  assert.equal(pullReference('alpine', `sha256:${'a'.repeat(64)}`), `alpine@sha256:${'a'.repeat(64)}`);
  const trusted = env(validateProjectConfig({ trust: { registries: ['registry.example'], forbiddenTags: ['latest'] } }, 'stockade.yaml'));
  await assertAllowed(req('POST', '/v1.41/images/create?fromImage=registry.example%2Fteam%2Fapp&tag=1.0'), trusted);
  let d = await assertDenied(req('POST', '/v1.41/images/create?fromImage=evil.example%2Fx&tag=1'), ['SK-AUTHZ-0003'], trusted);
  assert.match(d.msg, /not in the trusted registries/);
  d = await assertDenied(req('POST', '/v1.41/images/create?fromImage=registry.example%2Fteam%2Fapp&tag=latest'), ['SK-AUTHZ-0003'], trusted);
  assert.match(d.msg, /latest is forbidden/);
  await assertDenied(req('POST', '/v1.41/images/create?fromSrc=http%3A%2F%2Fevil%2Fx.tar&repo=registry.example%2Fteam%2Fapp'), ['SK-AUTHZ-0003'], trusted);
  await assertDenied(req('POST', '/v1.41/images/evil.example/x:1/tag?repo=registry.example/team/app&tag=1'), ['SK-AUTHZ-0003'], trusted);
  await assertDenied(create({ Image: 'nginx:1' }), ['SK-AUTHZ-0003'], trusted);
  await assertDenied(create({ Image: 'a'.repeat(64) }), ['SK-AUTHZ-0003'], trusted);
  await assertAllowed(create({ Image: IMAGE }), trusted);
  // Without a trust policy nothing is said about images.
  await assertAllowed(req('POST', '/v1.41/images/create?fromImage=evil.example%2Fx&tag=1'));
  // Facts gathered by the caller reach the policy (signature requirement).
  const signed = validateProjectConfig({ trust: { signatures: [{ repositories: ['registry.example/**'], keys: ['k.pem'] }] } }, 'stockade.yaml');
  const withFacts: PolicyEnv = { ...env(signed), trustFacts: async (ref) => ({ signature: { ok: ref.endsWith(':1.0'), message: 'checked' } }) };
  await assertAllowed(create({ Image: IMAGE }), withFacts);
  await assertDenied(create({ Image: 'registry.example/team/app:2.0' }), ['SK-AUTHZ-0003'], withFacts);
});

test('untrusted images and users need a sandbox runtime', async () => {
  const e = env({}, { untrusted: { images: ['docker.io/**'], users: ['ci'] } });
  await assertDenied(create({ Image: 'nginx:1' }), ['SK-AUTHZ-0004'], e);
  await assertAllowed(create({ Image: 'nginx:1', HostConfig: { Runtime: 'runsc' } }), e);
  await assertAllowed(create({ Image: 'nginx:1', HostConfig: { Runtime: 'io.containerd.kata.v2' } }), e);
  await assertDenied(create({ Image: 'nginx:1', HostConfig: { Runtime: 'runc' } }), ['SK-AUTHZ-0004'], e);
  await assertAllowed(create({ Image: IMAGE }), e);
  await assertDenied(create({ Image: IMAGE }, { User: 'ci', UserAuthNMethod: 'TLS' }), ['SK-AUTHZ-0004'], e);
  const custom = env({}, { untrusted: { users: ['ci'] }, sandboxRuntimes: ['gvisor'] });
  await assertDenied(create({ Image: IMAGE, HostConfig: { Runtime: 'runsc' } }, { User: 'ci' }), ['SK-AUTHZ-0004'], custom);
  await assertAllowed(create({ Image: IMAGE, HostConfig: { Runtime: 'gvisor' } }, { User: 'ci' }), custom);
  // A start body (API < 1.24) replaces the host config, runtime included.
  await assertDenied(req('POST', '/v1.23/containers/c1/start', { Memory: 1 << 28 }, { User: 'ci' }), ['SK-AUTHZ-0004'], e);
  await assertAllowed(req('POST', '/v1.23/containers/c1/start', { Runtime: 'runsc' }, { User: 'ci' }), e);
});

test('per-user rules: exceptions by user (modes.ts) and read-only users', async () => {
  const project = validateProjectConfig(
    {
      enforcement: {
        exceptions: [
          { rules: ['SK-COMPOSE-0001'], users: ['alice'], expires: '2026-12-31', reason: 'kernel module builds' },
          { rules: ['SK-COMPOSE-0001'], users: ['bob'], expires: '2026-11-01', reason: 'expired' },
        ],
      },
    },
    'stockade.yaml',
  );
  const e = env(project, { readOnlyUsers: ['monitor'] });
  const privileged = { Image: IMAGE, HostConfig: { Privileged: true } };
  const d = await assertAllowed(create(privileged, { User: 'alice', UserAuthNMethod: 'TLS' }), e);
  assert.deepEqual(d.findings.find((f) => f.rule === 'SK-COMPOSE-0001')?.exception, { reason: 'kernel module builds', expires: '2026-12-31' });
  await assertDenied(create({ ...privileged, HostConfig: { Privileged: true, Binds: ['/etc:/e'] } }, { User: 'alice' }), ['SK-COMPOSE-0005'], e);
  await assertDenied(create(privileged, { User: 'bob' }), ['SK-COMPOSE-0001'], e);
  await assertDenied(create(privileged), ['SK-COMPOSE-0001'], e);
  await assertAllowed(req('GET', '/v1.41/containers/json', undefined, { User: 'monitor' }), e);
  await assertDenied(create({ Image: IMAGE }, { User: 'monitor' }), ['SK-AUTHZ-0006'], e);
  await assertDenied(req('DELETE', '/v1.41/containers/c1?force=1', undefined, { User: 'monitor' }), ['SK-AUTHZ-0006'], e);
});

test('borrowed mounts and namespaces (VolumesFrom, container:<id>) with the engine lookup', async () => {
  // Shapes of `docker inspect` (ContainerInspect: HostConfig and the effective Mounts).
  const containers: Record<string, ReferencedContainer> = {
    sock: referencedFromInspect({ HostConfig: { NetworkMode: 'default' }, Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Destination: '/s', RW: true }, { Type: 'volume', Name: 'v', Source: '/var/lib/docker/volumes/v/_data', Destination: '/v' }] }),
    hostpid: referencedFromInspect({ HostConfig: { PidMode: 'host' }, Mounts: [] }),
    chain: referencedFromInspect({ HostConfig: { PidMode: 'container:hostpid' }, Mounts: [] }),
    plain: referencedFromInspect({ HostConfig: { NetworkMode: 'bridge', IpcMode: 'private' }, Mounts: [] }),
  };
  const e: PolicyEnv = { ...env(), lookup: async (id) => containers[id] };
  let d = await assertDenied(create({ Image: IMAGE, HostConfig: { VolumesFrom: ['sock'] } }), ['SK-COMPOSE-0004'], e);
  assert.match(d.msg, /comes with volumes from container sock/);
  await assertDenied(create({ Image: IMAGE, HostConfig: { VolumesFrom: ['sock:ro'] } }), ['SK-COMPOSE-0004'], e);
  d = await assertDenied(create({ Image: IMAGE, HostConfig: { PidMode: 'container:hostpid' } }), ['SK-COMPOSE-0003'], e);
  assert.match(d.msg, /joins a container that shares the host's namespace/);
  await assertDenied(create({ Image: IMAGE, HostConfig: { PidMode: 'container:chain' } }), ['SK-COMPOSE-0003'], e);
  await assertAllowed(create({ Image: IMAGE, HostConfig: { NetworkMode: 'container:plain', IpcMode: 'container:plain', VolumesFrom: ['plain'] } }), e);
  await assertAllowed(create({ Image: IMAGE, HostConfig: { NetworkMode: 'container:missing' } }), e);
  const failing: PolicyEnv = { ...env(), lookup: async () => Promise.reject(new LookupError('inspect of container sock: no answer in 2000 ms')) };
  await assertDenied(create({ Image: IMAGE, HostConfig: { VolumesFrom: ['sock'] } }), ['SK-AUTHZ-0005'], failing);
  // Without the lookup configured, borrowing is not looked at (documented).
  await assertAllowed(create({ Image: IMAGE, HostConfig: { VolumesFrom: ['sock'] } }));
});
