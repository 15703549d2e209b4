/**
 * pod-security-admission's verdict for one pod (template) at a level and version.
 * The registry semantics follow PSA: a check applies from its first variant's
 * version on; restricted runs every baseline check of that version except those a
 * restricted variant in force overrides; a version newer than any variant is
 * evaluated as the newest one. Baseline checks run first, each level sorted by id.
 */
import type { FieldPath } from '../../yaml-source.js';
import { compareVersions, formatVersion, type PssCheck, type PssCheckId, type PssLevel, type PssVersion } from './check.js';
import { allowPrivilegeEscalation } from './allow-privilege-escalation.js';
import { appArmorProfile } from './app-armor-profile.js';
import { capabilitiesBaseline } from './capabilities-baseline.js';
import { capabilitiesRestricted } from './capabilities-restricted.js';
import { hostNamespaces } from './host-namespaces.js';
import { hostPathVolumes } from './host-path-volumes.js';
import { hostPorts } from './host-ports.js';
import { hostProbesAndHostLifecycle } from './host-probes-and-host-lifecycle.js';
import { privileged } from './privileged.js';
import { procMount } from './proc-mount.js';
import { procMountRestricted } from './proc-mount-restricted.js';
import { restrictedVolumes } from './restricted-volumes.js';
import { runAsNonRoot } from './run-as-non-root.js';
import { runAsUser } from './run-as-user.js';
import { seLinuxOptions } from './se-linux-options.js';
import { seccompProfileBaseline } from './seccomp-profile-baseline.js';
import { seccompProfileRestricted } from './seccomp-profile-restricted.js';
import { sysctls } from './sysctls.js';
import { windowsHostProcess } from './windows-host-process.js';

export const PSS_CHECKS: readonly PssCheck[] = [
  privileged,
  hostNamespaces,
  hostPathVolumes,
  hostPorts,
  windowsHostProcess,
  appArmorProfile,
  seLinuxOptions,
  procMount,
  seccompProfileBaseline,
  sysctls,
  hostProbesAndHostLifecycle,
  capabilitiesBaseline,
  procMountRestricted,
  seccompProfileRestricted,
  capabilitiesRestricted,
  allowPrivilegeEscalation,
  runAsNonRoot,
  runAsUser,
  restrictedVolumes,
];

/** The newest version any check has a variant for: later versions evaluate like it. */
export const MAX_PSS_VERSION: PssVersion = PSS_CHECKS.reduce<PssVersion>((max, check) => {
  const last = check.variants[check.variants.length - 1];
  return last && compareVersions(last.since, max) > 0 ? last.since : max;
}, { major: 1, minor: 0 });

export type PssVersionSpec = 'latest' | `v${number}.${number}` | PssVersion;

export interface PssFailure {
  id: PssCheckId;
  reason: string;
  detail: string;
  /** Offending fields relative to the pod: `['spec', ...]` or `['metadata', ...]`. */
  paths: FieldPath[];
}

export interface PssVerdict {
  allowed: boolean;
  level: PssLevel;
  /** The version actually evaluated (latest resolved, newer versions clamped). */
  version: PssVersion;
  failures: PssFailure[];
}

/** `latest`, `v1.29` or `1.29` (as PSA's `enforce-version` label takes them). */
export function parsePssVersion(spec: PssVersionSpec): PssVersion {
  if (typeof spec !== 'string') return spec;
  if (spec === 'latest') return MAX_PSS_VERSION;
  const match = /^v?(\d{1,3})\.(\d{1,4})$/.exec(spec);
  if (!match) throw new Error(`not a Pod Security Standards version: ${JSON.stringify(spec)} (use latest or v1.N)`);
  return { major: Number(match[1]), minor: Number(match[2]) };
}

function clamp(version: PssVersion): PssVersion {
  return compareVersions(version, MAX_PSS_VERSION) > 0 ? MAX_PSS_VERSION : version;
}

/** The checks PSA runs at this level and version, in its order. */
export function checksFor(level: PssLevel, versionSpec: PssVersionSpec = 'latest'): PssCheck[] {
  const version = clamp(parsePssVersion(versionSpec));
  const active = (l: PssLevel): PssCheck[] =>
    PSS_CHECKS.filter((check) => check.level === l && check.variantAt(version) !== undefined).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const baseline = active('baseline');
  if (level === 'baseline') return baseline;
  const restricted = active('restricted');
  const overridden = new Set<PssCheckId>(restricted.flatMap((check) => check.variantAt(version)?.overrides ?? []));
  return [...baseline.filter((check) => !overridden.has(check.id)), ...restricted];
}

/** PSA's verdict for one pod template. */
export function evaluatePodSecurity(podMetadata: unknown, podSpec: unknown, level: PssLevel, versionSpec: PssVersionSpec = 'latest'): PssVerdict {
  const version = clamp(parsePssVersion(versionSpec));
  const failures: PssFailure[] = [];
  for (const check of checksFor(level, version)) {
    const result = check.evaluate(podMetadata, podSpec, version);
    if (result.allowed) continue;
    failures.push({ id: check.id, reason: result.reason ?? 'unknown forbidden reason', detail: result.detail ?? '', paths: result.paths ?? [] });
  }
  return { allowed: failures.length === 0, level, version, failures };
}

/** One line per failure, as an admission denial would read. */
export function describeVerdict(verdict: PssVerdict): string {
  if (verdict.allowed) return `allowed by PodSecurity "${verdict.level}:${formatVersion(verdict.version)}"`;
  return `violates PodSecurity "${verdict.level}:${formatVersion(verdict.version)}": ${verdict.failures.map((f) => `${f.reason} (${f.detail})`).join(', ')}`;
}
