/**
 * The adapter: Docker Engine API bodies translated into the Compose document the
 * Compose rules read (one service), so `docker create`, an exec, an update and a
 * compose file are judged by the same rules. Translation only, no judgement: each
 * API field becomes the Compose key that means the same thing to the engine
 * (HostConfig.Privileged -> `privileged`, Binds/Mounts -> `volumes`, NetworkMode ->
 * `network_mode` ...), read the way dockerd's Go decoder reads it (see go-json.ts):
 *
 * - a create body is a Config with an optional `HostConfig`; dockerd also reads host
 *   settings written at the top level (the deprecated embedded HostConfig of
 *   ContainerConfigWrapper) when there is no inner one, so each host field is read from
 *   `HostConfig` when set there and from the top level otherwise;
 * - bind sources are given as written (normalised) and as they resolve on this host
 *   (symlinks, `..`), and a source that reaches one of the engine's API sockets
 *   (the socket itself, an alias, or a directory above it) also appears under the
 *   socket's usual name, which is how the Compose rules know it;
 * - `local` volumes with `o=bind` (or a device) are the bind (or device) they create;
 * - empty `MaskedPaths`/`ReadonlyPaths`, or lists without the defaults, are what the
 *   CLI spells `--security-opt systempaths=unconfined`.
 *
 * - with a container lookup (the engine's inspect), `VolumesFrom` brings that
 *   container's bind mounts, and `container:<id>` network/PID/IPC modes become `host`
 *   when the joined container shares the host's;
 *
 * For requests that change part of a container (update, exec, start with a host
 * config, volume create, build) a `baseline` document of the same shape with nothing
 * set comes along: findings the rules give on it too are about fields the request
 * does not touch.
 */
import type { ComposeDoc } from '../../checks/compose/index.js';
import { BodyError, GoObject } from './go-json.js';
import { hostPathCandidates, reaches, type EngineSocket } from './host-paths.js';

/** The engine sockets, asked for only when a request has a host path to compare with them. */
export type SocketSource = () => Promise<readonly EngineSocket[]>;

export interface ContainerView {
  doc: ComposeDoc;
  baseline?: ComposeDoc;
  /** The image the container runs, as the request names it. */
  image?: string;
  runtime?: string;
  /** How host paths were read (aliases of sockets), for the deny message. */
  notes: string[];
}

/** What a new container takes from one it borrows from (`VolumesFrom`, `container:<id>` modes). */
export interface ReferencedContainer {
  networkMode?: string;
  pidMode?: string;
  ipcMode?: string;
  /** Its effective bind mounts (inherited ones included). */
  binds: Array<{ source: string; target?: string; readOnly: boolean }>;
}

/** Inspects a container by id or name; undefined when there is none (the daemon then refuses the request itself). */
export type ContainerLookup = (idOrName: string) => Promise<ReferencedContainer | undefined>;

export interface ExecView extends ContainerView {
  exec: { user?: string; privileged: boolean };
}

type Service = Record<string, unknown>;

export function composeDocOf(name: string, service: Service): ComposeDoc {
  return { services: [{ name, value: service, path: ['services', name] }], position: () => undefined };
}

function withBaseline(name: string, service: Service, extra: Omit<ContainerView, 'doc' | 'baseline'>): ContainerView {
  return { doc: composeDocOf(name, service), baseline: composeDocOf(name, {}), ...extra };
}

/** Paths the engine masks or makes read-only in every container (moby oci/defaults.go). */
const DEFAULT_MASKED_PATHS = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Host settings of a create (or old-API start) body: `HostConfig.X` when set, else top-level `X`. */
class HostSettings {
  constructor(
    private readonly top: GoObject,
    private readonly inner: GoObject | undefined,
  ) {}

  from(name: string): GoObject {
    return this.inner?.has(name) ? this.inner : this.top;
  }
}

interface MountEntry {
  type: string;
  source?: string;
  target?: string;
  read_only?: boolean;
}

class ServiceBuilder {
  readonly service: Service = {};
  readonly notes: string[] = [];
  private readonly volumes: MountEntry[] = [];
  private readonly devices: string[] = [];

  constructor(private readonly sockets: SocketSource) {}

  set(key: string, value: unknown): void {
    if (value === undefined) return;
    this.service[key] = value;
  }

  list(key: string, items: readonly unknown[]): void {
    if (items.length === 0) return;
    const prev = Array.isArray(this.service[key]) ? (this.service[key] as unknown[]) : [];
    this.service[key] = [...prev, ...items];
  }

  device(spec: string): void {
    this.devices.push(spec);
  }

  /** A bind of a host path, as written and as resolved, plus the engine socket it reaches. */
  async bind(source: string, target: string | undefined, readOnly: boolean): Promise<void> {
    const candidates = await hostPathCandidates(source);
    for (const c of candidates) this.volumes.push({ type: 'bind', source: c, target, read_only: readOnly });
    const named = new Set<string>();
    for (const s of await this.sockets()) {
      if (named.has(s.canonical) || candidates.includes(s.canonical)) continue;
      if (candidates.some((c) => reaches(c, s.real))) {
        named.add(s.canonical);
        this.volumes.push({ type: 'bind', source: s.canonical, target, read_only: readOnly });
        this.notes.push(`host path ${source} reaches the engine socket ${s.path}${s.real !== s.path ? ` (${s.real})` : ''}`);
      }
    }
  }

  volume(type: string, source: string | undefined, target: string | undefined, readOnly: boolean): void {
    this.volumes.push({ type, source, target, read_only: readOnly });
  }

  /** A `local` driver volume: `o=bind`/`rbind` binds `device`; another absolute device is a host block device mounted. */
  async localVolume(options: Map<string, string>, target: string | undefined, readOnly: boolean): Promise<void> {
    const device = options.get('device');
    if (device === undefined || device === '') return;
    const flags = (options.get('o') ?? '').split(',').map((f) => f.trim());
    if (flags.includes('bind') || flags.includes('rbind')) await this.bind(device, target, readOnly);
    else if (device.startsWith('/')) this.device(`${device}:${target ?? device}`);
  }

  done(): Service {
    if (this.volumes.length) this.list('volumes', this.volumes);
    if (this.devices.length) this.list('devices', this.devices);
    return this.service;
  }
}

/** Linux `Binds` syntax: `src:dst[:opts]`; an absolute (or path-like) src is a host path, else a volume name. */
async function addBinds(b: ServiceBuilder, binds: readonly string[]): Promise<void> {
  for (const spec of binds) {
    const parts = spec.split(':');
    if (parts.length < 2) continue; // `dst` alone: an anonymous volume
    const source = parts[0] as string;
    const target = parts[1];
    const readOnly = (parts[2] ?? '').split(',').includes('ro');
    if (source === '') continue;
    const pathLike = source.startsWith('/') || source.startsWith('.') || source.startsWith('~') || source.includes('/');
    if (pathLike) await b.bind(source, target, readOnly);
    else b.volume('volume', source, target, readOnly);
  }
}

/** `Mounts` objects (api/types/mount.Mount): bind, volume (with inline driver options), tmpfs, npipe, cluster. */
async function addMounts(b: ServiceBuilder, mounts: readonly GoObject[]): Promise<void> {
  for (const m of mounts) {
    const type = (m.string('Type') ?? '').toLowerCase();
    const source = m.string('Source');
    const target = m.string('Target');
    const readOnly = m.bool('ReadOnly') ?? false;
    if (type === 'bind') {
      if (source === undefined || source === '') throw new BodyError(`${m.where}: bind mount without Source`);
      await b.bind(source, target, readOnly);
    } else if (type === 'volume') {
      const driver = m.object('VolumeOptions')?.object('DriverConfig');
      const driverName = driver?.string('Name') ?? '';
      if (driver && (driverName === '' || driverName === 'local')) await b.localVolume(driver.stringMap('Options'), target, readOnly);
      b.volume('volume', source, target, readOnly);
    } else {
      b.volume(type || 'volume', source, target, readOnly);
    }
  }
}

function addDevices(b: ServiceBuilder, devices: readonly GoObject[], cgroupRules: readonly string[]): void {
  for (const d of devices) {
    const host = d.string('PathOnHost') ?? '';
    const inContainer = d.string('PathInContainer') || host;
    const perms = d.string('CgroupPermissions') || 'rwm';
    b.device(`${host}:${inContainer}:${perms}`);
  }
  b.list('device_cgroup_rules', cgroupRules);
}

/** Host ports: `PortBindings` {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} as Compose long syntax. */
function addPorts(b: ServiceBuilder, bindings: GoObject | undefined): void {
  if (!bindings) return;
  const ports: Array<Record<string, unknown>> = [];
  for (const [key, list] of Object.entries(bindings.value)) {
    const [port = '', protocol] = key.split('/');
    if (list === null) continue;
    if (!Array.isArray(list)) throw new BodyError(`PortBindings.${key}: expected a list`);
    list.forEach((item, i) => {
      const o = GoObject.of(item, `PortBindings.${key}[${i}]`);
      const hostIp = o?.string('HostIp') ?? '';
      const hostPort = o?.string('HostPort') ?? '';
      ports.push({ target: port, ...(hostPort !== '' ? { published: hostPort } : {}), ...(hostIp !== '' ? { host_ip: hostIp } : {}), ...(protocol ? { protocol } : {}) });
    });
  }
  b.list('ports', ports);
}

/** Masked and read-only /proc paths: an explicit list without the defaults unmasks them. */
function addSystemPaths(b: ServiceBuilder, h: GoObject, h2: GoObject): void {
  const masked = h.isList('MaskedPaths') ? h.strings('MaskedPaths') : undefined;
  const readonly = h2.isList('ReadonlyPaths') ? h2.strings('ReadonlyPaths') : undefined;
  const unmasks = (given: string[] | undefined, defaults: readonly string[]) => given !== undefined && defaults.some((p) => !given.includes(p));
  if (unmasks(masked, DEFAULT_MASKED_PATHS) || unmasks(readonly, DEFAULT_READONLY_PATHS)) b.list('security_opt', ['systempaths=unconfined']);
}

const NAMESPACES: ReadonlyArray<readonly [string, string]> = [
  ['NetworkMode', 'network_mode'],
  ['PidMode', 'pid'],
  ['IpcMode', 'ipc'],
  ['UTSMode', 'uts'],
  ['UsernsMode', 'userns_mode'],
  ['CgroupnsMode', 'cgroup'],
];

/** Resource fields shared by HostConfig and UpdateConfig (the embedded Resources struct). */
function addResources(b: ServiceBuilder, pick: (name: string) => GoObject): void {
  const memory = pick('Memory').number('Memory');
  if (memory !== undefined && memory > 0) b.set('mem_limit', memory);
  const nano = pick('NanoCpus').number('NanoCpus');
  if (nano !== undefined && nano > 0) b.set('cpus', nano / 1e9);
  const quota = pick('CpuQuota').number('CpuQuota');
  if (quota !== undefined && quota > 0) b.set('cpu_quota', quota);
  // PidsLimit: null leaves it as it is; 0 and -1 mean unlimited.
  const pids = pick('PidsLimit').number('PidsLimit');
  if (pids !== undefined) b.set('pids_limit', pids);
  addDevices(b, pick('Devices').objects('Devices'), pick('DeviceCgroupRules').strings('DeviceCgroupRules'));
}

const JOINABLE: Readonly<Record<string, 'networkMode' | 'pidMode' | 'ipcMode'>> = { NetworkMode: 'networkMode', PidMode: 'pidMode', IpcMode: 'ipcMode' };

/** The mode a `container:<id>` chain ends in (a container may itself join another). */
async function followNamespace(lookup: ContainerLookup, id: string, field: 'networkMode' | 'pidMode' | 'ipcMode'): Promise<string | undefined> {
  let current = id;
  for (let i = 0; i < 8; i++) {
    const mode = (await lookup(current))?.[field];
    if (!mode?.startsWith('container:')) return mode;
    current = mode.slice('container:'.length);
  }
  return undefined;
}

async function addHostConfig(b: ServiceBuilder, host: HostSettings, lookup?: ContainerLookup): Promise<string | undefined> {
  const at = (name: string) => host.from(name);
  if (at('Privileged').bool('Privileged')) b.set('privileged', true);
  b.list('cap_add', [...at('CapAdd').strings('CapAdd'), ...at('Capabilities').strings('Capabilities')]);
  b.list('cap_drop', at('CapDrop').strings('CapDrop'));
  b.list('security_opt', at('SecurityOpt').strings('SecurityOpt'));
  addSystemPaths(b, at('MaskedPaths'), at('ReadonlyPaths'));
  for (const [api, compose] of NAMESPACES) {
    const v = at(api).string(api);
    if (!v) continue;
    b.set(compose, v);
    const field = JOINABLE[api];
    if (lookup && field && v.startsWith('container:')) {
      const joined = await followNamespace(lookup, v.slice('container:'.length), field);
      if (joined === 'host') {
        b.set(compose, 'host');
        b.notes.push(`${api} ${v} joins a container that shares the host's namespace`);
      }
    }
  }
  if (lookup) {
    for (const spec of at('VolumesFrom').strings('VolumesFrom')) {
      const [id = '', mode = ''] = spec.split(':');
      const from = await lookup(id);
      for (const m of from?.binds ?? []) {
        await b.bind(m.source, m.target, mode === 'ro' || m.readOnly);
        b.notes.push(`host path ${m.source} comes with volumes from container ${id}`);
      }
    }
  }
  if (at('ReadonlyRootfs').bool('ReadonlyRootfs')) b.set('read_only', true);
  addResources(b, at);
  addPorts(b, at('PortBindings').object('PortBindings'));
  await addBinds(b, at('Binds').strings('Binds'));
  await addMounts(b, at('Mounts').objects('Mounts'));
  const runtime = at('Runtime').string('Runtime');
  if (runtime) b.set('runtime', runtime);
  return runtime || undefined;
}

function root(body: unknown, what: string): GoObject {
  const o = GoObject.of(body, '');
  if (!o) throw new BodyError(`${what} body is not a JSON object`);
  return o;
}

/** POST /containers/create: a Config with host settings (inner `HostConfig` or top level). */
export async function translateCreate(body: unknown, name: string, sockets: SocketSource, lookup?: ContainerLookup): Promise<ContainerView> {
  const top = root(body, 'container create');
  const b = new ServiceBuilder(sockets);
  const image = top.string('Image');
  if (image) b.set('image', image);
  const user = top.string('User');
  if (user) b.set('user', user);
  b.list('environment', top.strings('Env'));
  const runtime = await addHostConfig(b, new HostSettings(top, top.object('HostConfig')), lookup);
  // Joining the `host` network through NetworkingConfig instead of NetworkMode.
  const endpoints = top.object('NetworkingConfig')?.object('EndpointsConfig');
  if (endpoints && Object.keys(endpoints.value).some((n) => n.toLowerCase() === 'host') && b.service['network_mode'] === undefined) b.set('network_mode', 'host');
  return { doc: composeDocOf(name, b.done()), ...(image ? { image } : {}), ...(runtime ? { runtime } : {}), notes: b.notes };
}

/** POST /containers/{id}/start with a body (API < 1.24): dockerd replaces the host config with it. */
export async function translateStartHostConfig(body: unknown, name: string, sockets: SocketSource, lookup?: ContainerLookup): Promise<ContainerView> {
  const top = root(body, 'container start');
  const b = new ServiceBuilder(sockets);
  const runtime = await addHostConfig(b, new HostSettings(top, top.object('HostConfig')), lookup);
  return withBaseline(name, b.done(), { ...(runtime ? { runtime } : {}), notes: b.notes });
}

/** POST /containers/{id}/update: Resources and RestartPolicy; a zero value leaves a setting unchanged. */
export async function translateUpdate(body: unknown, name: string, sockets: SocketSource): Promise<ContainerView> {
  const top = root(body, 'container update');
  const b = new ServiceBuilder(sockets);
  addResources(b, () => top);
  return withBaseline(name, b.done(), { notes: b.notes });
}

/** POST /containers/{id}/exec: the process joins the container with these privileges. */
export function translateExec(body: unknown, name: string): ExecView {
  const top = root(body, 'exec create');
  const b = new ServiceBuilder(async () => []);
  const privileged = top.bool('Privileged') ?? false;
  if (privileged) b.set('privileged', true);
  const user = top.string('User');
  if (user) b.set('user', user);
  b.list('environment', top.strings('Env'));
  return { ...withBaseline(name, b.done(), { notes: [] }), exec: { ...(user ? { user } : {}), privileged } };
}

/** POST /volumes/create: a `local` volume with `o=bind` is a bind mount waiting to happen. */
export async function translateVolumeCreate(body: unknown, sockets: SocketSource): Promise<ContainerView> {
  const top = root(body, 'volume create');
  const b = new ServiceBuilder(sockets);
  const name = top.string('Name') ?? '';
  const driver = top.string('Driver') ?? '';
  if (driver === '' || driver === 'local') await b.localVolume(top.stringMap('DriverOpts'), `(volume ${name || 'unnamed'})`, false);
  return withBaseline(`volume ${name || '(unnamed)'}`, b.done(), { notes: b.notes });
}

/** POST /build: build containers share the host network with `networkmode=host`. */
export function translateBuild(query: URLSearchParams): ContainerView {
  const b = new ServiceBuilder(async () => []);
  const mode = query.get('networkmode');
  if (mode) b.set('network_mode', mode);
  return withBaseline('build', b.done(), { notes: [] });
}

/** POST /services/create and /services/{id}/update (swarm): the task's ContainerSpec. */
export async function translateService(body: unknown, sockets: SocketSource): Promise<ContainerView> {
  const top = root(body, 'service spec');
  const task = top.object('TaskTemplate');
  const spec = task?.object('ContainerSpec');
  const b = new ServiceBuilder(sockets);
  const name = top.string('Name') || 'service';
  let image: string | undefined;
  if (spec) {
    image = spec.string('Image');
    if (image) b.set('image', image);
    const user = spec.string('User');
    if (user) b.set('user', user);
    b.list('environment', spec.strings('Env'));
    b.list('cap_add', spec.strings('CapabilityAdd'));
    b.list('cap_drop', spec.strings('CapabilityDrop'));
    if (spec.bool('ReadOnly')) b.set('read_only', true);
    if (spec.object('Privileges')?.object('SELinuxContext')?.bool('Disable')) b.list('security_opt', ['label=disable']);
    await addMounts(b, spec.objects('Mounts'));
  }
  for (const n of task?.objects('Networks') ?? []) if ((n.string('Target') ?? '').toLowerCase() === 'host') b.set('network_mode', 'host');
  const limits = task?.object('Resources')?.object('Limits');
  const nano = limits?.number('NanoCPUs');
  if (nano !== undefined && nano > 0) b.set('cpus', nano / 1e9);
  const mem = limits?.number('MemoryBytes');
  if (mem !== undefined && mem > 0) b.set('mem_limit', mem);
  const pids = limits?.number('Pids');
  if (pids !== undefined && pids > 0) b.set('pids_limit', pids);
  return { doc: composeDocOf(name, b.done()), ...(image ? { image } : {}), notes: b.notes };
}
