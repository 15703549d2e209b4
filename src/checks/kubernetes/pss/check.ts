/**
 * The shape of one Pod Security Standards check, mirroring how pod-security-admission
 * models them: a check has an id, a level, and a list of variants, each in force from
 * a minimum Kubernetes minor version until the next variant starts. A restricted
 * variant may replace ("override") baseline checks while it is in force.
 *
 * Checks look at plain data (YAML parsed to JS), never at typed objects, so every
 * accessor here tolerates any shape: a field of the wrong type reads as absent.
 */
import type { FieldPath } from '../../yaml-source.js';

export type PssLevel = 'baseline' | 'restricted';

export interface PssVersion {
  readonly major: number;
  readonly minor: number;
}

export type PssCheckId =
  | 'privileged'
  | 'hostNamespaces'
  | 'hostPathVolumes'
  | 'hostPorts'
  | 'windowsHostProcess'
  | 'appArmorProfile'
  | 'seLinuxOptions'
  | 'procMount'
  | 'procMount_restricted'
  | 'seccompProfile_baseline'
  | 'seccompProfile_restricted'
  | 'sysctls'
  | 'hostProbesAndHostLifecycle'
  | 'capabilities_baseline'
  | 'capabilities_restricted'
  | 'allowPrivilegeEscalation'
  | 'runAsNonRoot'
  | 'runAsUser'
  | 'restrictedVolumes';

/**
 * What a check says (pod-security-admission's CheckResult). `paths` point at the
 * offending fields, relative to the pod (template): they start with `spec` or `metadata`.
 * When a required field is missing, the path is the nearest object that should hold it.
 */
export interface PssResult {
  allowed: boolean;
  reason?: string;
  detail?: string;
  paths?: FieldPath[];
}

export type PlainObject = Readonly<Record<string, unknown>>;

export type PodCheckFn = (podMetadata: PlainObject, podSpec: PlainObject) => PssResult;

export interface PssVariant {
  /** First Kubernetes minor version this variant applies to. */
  readonly since: PssVersion;
  readonly check: PodCheckFn;
  /** Baseline checks this (restricted) variant replaces while it is in force. */
  readonly overrides?: readonly PssCheckId[];
}

export interface PssCheck {
  readonly id: PssCheckId;
  readonly level: PssLevel;
  /** Strictly increasing by `since`. */
  readonly variants: readonly PssVariant[];
  /** The variant in force at `version`, if the check exists at that version. */
  variantAt(version: PssVersion): PssVariant | undefined;
  /** Run the variant in force at `version`; a check that does not exist yet allows. */
  evaluate(podMetadata: unknown, podSpec: unknown, version: PssVersion): PssResult;
}

export const ALLOWED: PssResult = Object.freeze({ allowed: true });

export function v(major: number, minor: number): PssVersion {
  return { major, minor };
}

export function compareVersions(a: PssVersion, b: PssVersion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

export function formatVersion(version: PssVersion): string {
  return `v${version.major}.${version.minor}`;
}

export function definePssCheck(id: PssCheckId, level: PssLevel, variants: readonly PssVariant[]): PssCheck {
  for (let i = 1; i < variants.length; i++) {
    const prev = variants[i - 1];
    const cur = variants[i];
    if (prev && cur && compareVersions(prev.since, cur.since) >= 0) throw new Error(`check ${id}: variants must be in increasing version order`);
  }
  const variantAt = (version: PssVersion): PssVariant | undefined => {
    let found: PssVariant | undefined;
    for (const variant of variants) if (compareVersions(variant.since, version) <= 0) found = variant;
    return found;
  };
  return {
    id,
    level,
    variants,
    variantAt,
    evaluate(podMetadata, podSpec, version) {
      const variant = variantAt(version);
      if (!variant) return ALLOWED;
      return variant.check(asObject(podMetadata) ?? {}, asObject(podSpec) ?? {});
    },
  };
}

// ---- tolerant accessors over plain data ----

export function asObject(value: unknown): PlainObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as PlainObject) : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Go reads a missing or null string field as "". */
export function asString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A pointer field is "set" in Go when present and not null. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export function field(obj: PlainObject | undefined, key: string): unknown {
  return obj ? obj[key] : undefined;
}

export interface VisitedContainer {
  container: PlainObject;
  name: string;
  /** Path of the container, relative to the pod: ['spec', 'containers', 0]. */
  path: FieldPath;
  securityContext: PlainObject | undefined;
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** Init containers, then containers, then ephemeral containers, as PSA visits them. */
export function containersOf(podSpec: PlainObject): VisitedContainer[] {
  const out: VisitedContainer[] = [];
  for (const list of CONTAINER_LISTS) {
    asArray(podSpec[list]).forEach((item, index) => {
      const container = asObject(item) ?? {};
      out.push({ container, name: asString(container.name), path: ['spec', list, index], securityContext: asObject(container.securityContext) });
    });
  }
  return out;
}

/** The pod-level securityContext and its path. */
export function podSecurityContext(podSpec: PlainObject): PlainObject | undefined {
  return asObject(podSpec.securityContext);
}

export const POD_SC_PATH: FieldPath = ['spec', 'securityContext'];

export function isWindowsPod(podSpec: PlainObject): boolean {
  return asString(asObject(podSpec.os)?.name) === 'windows';
}

/** Pods in a user namespace (`hostUsers: false`) get some restricted rules relaxed (from v1.35). */
export function inUserNamespace(podSpec: PlainObject): boolean {
  return podSpec.hostUsers === false;
}

// ---- wording helpers ----

export function quoted(items: readonly string[]): string {
  return items.map((item) => JSON.stringify(item)).join(', ');
}

export function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

export function containerList(names: readonly string[]): string {
  return `${plural(names.length, 'container', 'containers')} ${quoted(names)}`;
}

export function sortedUnique(items: Iterable<string>): string[] {
  return [...new Set(items)].sort();
}

export function denied(reason: string, detail: string, paths: FieldPath[]): PssResult {
  return { allowed: false, reason, detail, paths };
}
