/**
 * Kubernetes rules: the Pod Security Standards checks (restricted level, latest
 * version, which includes every baseline check), the manifest parser, and the PSA
 * verdict the CLI and the admission webhook use for `--pss-level`/`--pss-version`.
 */
import type { PssLevel } from './pss/check.js';
import { evaluatePodSecurity, type PssVerdict, type PssVersionSpec } from './pss/evaluate.js';
import type { PssRule } from './pss/rule.js';
import { findPodTemplates } from './workload.js';
import { allowPrivilegeEscalationRule } from './pss/allow-privilege-escalation.js';
import { appArmorProfileRule } from './pss/app-armor-profile.js';
import { capabilitiesBaselineRule } from './pss/capabilities-baseline.js';
import { capabilitiesRestrictedRule } from './pss/capabilities-restricted.js';
import { hostNamespacesRule } from './pss/host-namespaces.js';
import { hostPathVolumesRule } from './pss/host-path-volumes.js';
import { hostPortsRule } from './pss/host-ports.js';
import { hostProbesAndHostLifecycleRule } from './pss/host-probes-and-host-lifecycle.js';
import { privilegedRule } from './pss/privileged.js';
import { procMountRule } from './pss/proc-mount.js';
import { procMountRestrictedRule } from './pss/proc-mount-restricted.js';
import { restrictedVolumesRule } from './pss/restricted-volumes.js';
import { runAsNonRootRule } from './pss/run-as-non-root.js';
import { runAsUserRule } from './pss/run-as-user.js';
import { seLinuxOptionsRule } from './pss/se-linux-options.js';
import { seccompProfileBaselineRule } from './pss/seccomp-profile-baseline.js';
import { seccompProfileRestrictedRule } from './pss/seccomp-profile-restricted.js';
import { sysctlsRule } from './pss/sysctls.js';
import { windowsHostProcessRule } from './pss/windows-host-process.js';

export { parseKubernetesFile, type KubernetesDocument, type KubernetesFile } from './document.js';
export { findPodTemplates, type PodTemplate } from './workload.js';
export { checksFor, evaluatePodSecurity, parsePssVersion, describeVerdict, type PssVerdict, type PssVersionSpec } from './pss/evaluate.js';

export const KUBERNETES_RULES: readonly PssRule[] = [
  privilegedRule,
  hostNamespacesRule,
  hostPathVolumesRule,
  hostPortsRule,
  windowsHostProcessRule,
  appArmorProfileRule,
  seLinuxOptionsRule,
  procMountRule,
  procMountRestrictedRule,
  seccompProfileBaselineRule,
  seccompProfileRestrictedRule,
  sysctlsRule,
  hostProbesAndHostLifecycleRule,
  capabilitiesBaselineRule,
  capabilitiesRestrictedRule,
  allowPrivilegeEscalationRule,
  runAsNonRootRule,
  runAsUserRule,
  restrictedVolumesRule,
];

export interface WorkloadVerdict extends PssVerdict {
  /** `Kind/name` of the object holding the pod template. */
  resource: string;
}

/** PSA's verdict for every pod template in one object (a `List` gives one per item). */
export function pssVerdict(object: unknown, level: PssLevel, version: PssVersionSpec = 'latest'): WorkloadVerdict[] {
  return findPodTemplates(object).map((template) => ({
    resource: `${template.kind}/${template.name || '(unnamed)'}`,
    ...evaluatePodSecurity(template.podMetadata, template.podSpec, level, version),
  }));
}
