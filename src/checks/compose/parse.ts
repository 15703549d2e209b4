/**
 * Compose files as rules see them: the services of a YAML document that has a
 * top-level `services` map (`version` is optional since the Compose Specification),
 * and helpers that read the fields rules care about in both the short and the long
 * syntax Compose accepts, each item with its field path so findings land on its line.
 */
import { parseYamlFile, type FieldPath, type YamlFile } from '../yaml-source.js';
import type { RuleViolation, SourcePosition } from '../rule.js';

export interface ComposeService {
  name: string;
  /** The service mapping as plain data (a non-map service is given as an empty map). */
  value: Record<string, unknown>;
  /** `['services', name]`. */
  path: FieldPath;
}

export interface ComposeDoc {
  services: ComposeService[];
  position(path: FieldPath): SourcePosition | undefined;
}

export interface ComposeFile {
  documents: ComposeDoc[];
  errors: string[];
  warnings: string[];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A YAML document is a Compose file when its root is a map with a `services` map. */
export function composeFromYaml(value: unknown, position: ComposeDoc['position']): ComposeDoc | undefined {
  if (!isRecord(value) || !isRecord(value.services)) return undefined;
  const services: ComposeService[] = [];
  for (const [name, svc] of Object.entries(value.services)) {
    services.push({ name, value: isRecord(svc) ? svc : {}, path: ['services', name] });
  }
  return { services, position };
}

/** Every Compose document of a YAML file; documents that are not Compose are left out. */
export function parseComposeFile(text: string): ComposeFile {
  const yaml: YamlFile = parseYamlFile(text);
  const documents: ComposeDoc[] = [];
  for (const d of yaml.documents) {
    const doc = composeFromYaml(d.value, (p) => d.position(p));
    if (doc) documents.push(doc);
  }
  return { documents, errors: yaml.errors, warnings: yaml.warnings };
}

/** `service <name>`, the resource every compose finding names. */
export function resourceOf(svc: ComposeService): string {
  return `service ${svc.name}`;
}

/** A field's scalar as text (numbers and booleans as YAML wrote them), else undefined. */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** True for `true` and the strings Compose (and YAML 1.1 habits) read as true. */
export function isTrue(v: unknown): boolean {
  if (v === true) return true;
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  return s === 'true' || s === 'yes' || s === 'on' || s === '1';
}

/** Items of a list field with their paths; a lone scalar counts as a one-item list. */
export function listItems(svc: ComposeService, field: string): Array<{ value: unknown; path: FieldPath }> {
  const v = svc.value[field];
  if (Array.isArray(v)) return v.map((value, i) => ({ value, path: [...svc.path, field, i] }));
  if (v === undefined || v === null) return [];
  return [{ value: v, path: [...svc.path, field] }];
}

// ---------------------------------------------------------------- volumes

export interface VolumeMount {
  /** `bind` when the source is a host path, `volume` for named/anonymous volumes, else the long-syntax type. */
  type: string;
  /** Host path (bind) or volume name; undefined for an anonymous volume. */
  source?: string;
  target?: string;
  readOnly: boolean;
  path: FieldPath;
}

/** Short-syntax sources that name a host path rather than a named volume. */
function looksLikeHostPath(source: string): boolean {
  return source.startsWith('/') || source.startsWith('.') || source.startsWith('~') || source.startsWith('$') || /^[A-Za-z]:[\\/]/.test(source);
}

/** `SRC:DST[:MODE]`, `DST` alone; a Windows drive letter in SRC is kept whole. */
export function parseShortVolume(spec: string): { source?: string; target?: string; mode?: string } {
  let rest = spec;
  let drive = '';
  if (/^[A-Za-z]:[\\/]/.test(rest)) {
    drive = rest.slice(0, 2);
    rest = rest.slice(2);
  }
  const parts = rest.split(':');
  if (parts.length === 1) return { target: drive + parts[0] };
  return { source: drive + parts[0], target: parts[1], mode: parts.slice(2).join(':') || undefined };
}

export function volumeMounts(svc: ComposeService): VolumeMount[] {
  const mounts: VolumeMount[] = [];
  for (const item of listItems(svc, 'volumes')) {
    if (typeof item.value === 'string') {
      const { source, target, mode } = parseShortVolume(item.value);
      const modes = (mode ?? '').split(',');
      const type = source === undefined ? 'volume' : looksLikeHostPath(source) ? 'bind' : 'volume';
      mounts.push({ type, source, target, readOnly: modes.includes('ro'), path: item.path });
    } else if (isRecord(item.value)) {
      const v = item.value;
      const source = scalarText(v.source);
      const target = scalarText(v.target);
      const type = scalarText(v.type) ?? (source !== undefined && looksLikeHostPath(source) ? 'bind' : 'volume');
      mounts.push({ type, source, target, readOnly: isTrue(v.read_only), path: item.path });
    }
  }
  return mounts;
}

// ---------------------------------------------------------------- ports

export interface PortRange {
  start: number;
  end: number;
}

export interface PortMapping {
  /** Host address the port is published on, when given. */
  hostIp?: string;
  /** Published host ports; undefined when Docker picks an ephemeral port. */
  host?: PortRange;
  container?: PortRange;
  protocol?: string;
  path: FieldPath;
}

/** `80`, `8000-8010`; undefined for anything else (variables, garbage). */
export function parsePortRange(text: string): PortRange | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const dash = t.indexOf('-');
  const a = dash < 0 ? t : t.slice(0, dash);
  const b = dash < 0 ? t : t.slice(dash + 1);
  if (!/^\d{1,5}$/.test(a) || !/^\d{1,5}$/.test(b)) return undefined;
  const start = Number(a);
  const end = Number(b);
  return start <= end ? { start, end } : { start: end, end: start };
}

/**
 * Short syntax `[[HOST_IP:]HOST_PORTS:]CONTAINER_PORTS[/PROTOCOL]`; an IPv6 host
 * address is written in brackets (`[::1]:80:80`).
 */
export function parseShortPort(spec: string): Omit<PortMapping, 'path'> {
  let text = spec.trim();
  let protocol: string | undefined;
  const slash = text.lastIndexOf('/');
  if (slash >= 0) {
    protocol = text.slice(slash + 1);
    text = text.slice(0, slash);
  }
  let hostIp: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close > 0) {
      hostIp = text.slice(1, close);
      text = text.slice(close + 1).replace(/^:/, '');
    }
  }
  const parts = text.split(':');
  if (hostIp === undefined && parts.length >= 3) hostIp = parts.slice(0, parts.length - 2).join(':');
  const container = parsePortRange(parts[parts.length - 1] ?? '');
  const host = parts.length >= 2 ? parsePortRange(parts[parts.length - 2] ?? '') : undefined;
  return { hostIp: hostIp === '' ? undefined : hostIp, host, container, protocol };
}

export function portMappings(svc: ComposeService): PortMapping[] {
  const out: PortMapping[] = [];
  for (const item of listItems(svc, 'ports')) {
    if (typeof item.value === 'string' || typeof item.value === 'number') {
      out.push({ ...parseShortPort(String(item.value)), path: item.path });
    } else if (isRecord(item.value)) {
      const v = item.value;
      let hostIp = scalarText(v.host_ip);
      let published = scalarText(v.published);
      // Some files write `published: 127.0.0.1:8080`; read the address the way a person means it.
      if (published !== undefined && published.includes(':')) {
        const cut = published.lastIndexOf(':');
        hostIp ??= published.slice(0, cut);
        published = published.slice(cut + 1);
      } else if (published !== undefined && published.includes('.') && parsePortRange(published) === undefined) {
        hostIp ??= published;
        published = undefined;
      }
      const target = scalarText(v.target);
      out.push({
        hostIp: hostIp === '' ? undefined : hostIp,
        host: published === undefined ? undefined : parsePortRange(published),
        container: target === undefined ? undefined : parsePortRange(target),
        protocol: scalarText(v.protocol),
        path: item.path,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- security_opt, capabilities

export interface SecurityOpt {
  /** `seccomp`, `apparmor`, `no-new-privileges`, `label` ... lowercased. */
  key: string;
  /** What follows the first `:` or `=`, trimmed; empty when none. */
  value: string;
  raw: string;
  path: FieldPath;
}

export function securityOpts(svc: ComposeService): SecurityOpt[] {
  const out: SecurityOpt[] = [];
  for (const item of listItems(svc, 'security_opt')) {
    const raw = scalarText(item.value);
    if (raw === undefined) continue;
    const colon = raw.indexOf(':');
    const eq = raw.indexOf('=');
    const cut = colon < 0 ? eq : eq < 0 ? colon : Math.min(colon, eq);
    const key = (cut < 0 ? raw : raw.slice(0, cut)).trim().toLowerCase();
    const value = cut < 0 ? '' : raw.slice(cut + 1).trim();
    out.push({ key, value, raw, path: item.path });
  }
  return out;
}

/** Capability names normalised the way Docker reads them: upper case, `CAP_` prefix dropped. */
export function normaliseCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

// ---------------------------------------------------------------- environment

export interface EnvVar {
  name: string;
  /** undefined when only the name is given (value taken from the shell). */
  value?: string;
  path: FieldPath;
}

export function environment(svc: ComposeService): EnvVar[] {
  const env = svc.value.environment;
  const out: EnvVar[] = [];
  if (Array.isArray(env)) {
    env.forEach((item, i) => {
      const text = scalarText(item);
      if (text === undefined) return;
      const eq = text.indexOf('=');
      out.push({ name: eq < 0 ? text : text.slice(0, eq), value: eq < 0 ? undefined : text.slice(eq + 1), path: [...svc.path, 'environment', i] });
    });
  } else if (isRecord(env)) {
    for (const [name, v] of Object.entries(env)) {
      out.push({ name, value: v === null ? undefined : scalarText(v), path: [...svc.path, 'environment', name] });
    }
  }
  return out;
}

// ---------------------------------------------------------------- resource limits

export interface LimitSetting {
  value: unknown;
  path: FieldPath;
}

/** `deploy.resources.limits` of a service, when it is a map. */
function deployLimits(svc: ComposeService): Record<string, unknown> | undefined {
  const deploy = svc.value.deploy;
  if (!isRecord(deploy) || !isRecord(deploy.resources) || !isRecord(deploy.resources.limits)) return undefined;
  return deploy.resources.limits;
}

export const DEPLOY_LIMITS_PATH = ['deploy', 'resources', 'limits'] as const;

/**
 * The settings that bound one resource, from `deploy.resources.limits.<deployKey>`
 * and the service-level keys (`mem_limit`, `cpus`, `pids_limit` ...). Present but
 * unlimited values (0, -1, empty) are returned too; rules decide what counts.
 */
export function limitSettings(svc: ComposeService, deployKey: string, serviceKeys: readonly string[]): LimitSetting[] {
  const out: LimitSetting[] = [];
  const limits = deployLimits(svc);
  if (limits && limits[deployKey] !== undefined && limits[deployKey] !== null) {
    out.push({ value: limits[deployKey], path: [...svc.path, ...DEPLOY_LIMITS_PATH, deployKey] });
  }
  for (const key of serviceKeys) {
    const v = svc.value[key];
    if (v !== undefined && v !== null) out.push({ value: v, path: [...svc.path, key] });
  }
  return out;
}

/** A limit value that actually bounds the resource: a positive number or size, not 0 / -1 / empty. */
export function isBoundingLimit(v: unknown): boolean {
  if (typeof v === 'number') return v > 0;
  if (typeof v !== 'string') return false;
  const t = v.trim();
  if (t === '' ) return false;
  // Interpolated values (`${MEM:-512m}`) are set by the operator: give them the benefit of the doubt.
  if (t.startsWith('$')) return true;
  const n = Number.parseFloat(t);
  return Number.isFinite(n) && n > 0;
}

/** Where a finding about a missing limit points: the deepest part of `deploy.resources.limits` written, else the service. */
export function missingLimitPath(svc: ComposeService, deployKey: string): FieldPath {
  return [...svc.path, ...DEPLOY_LIMITS_PATH, deployKey];
}

/** One finding about one service, located at `path` (or its nearest written parent). */
export function serviceViolation(doc: ComposeDoc, svc: ComposeService, path: FieldPath, reason: string, detail?: string): RuleViolation {
  const v: RuleViolation = { reason, resource: resourceOf(svc) };
  const position = doc.position(path);
  if (position) v.position = position;
  if (detail !== undefined) v.detail = detail;
  return v;
}
