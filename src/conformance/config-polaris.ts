/**
 * Suite `polaris`: Polaris' check fixtures (polaris/test/checks/<check>/{success,failure}*.yaml;
 * `failure` means at least one danger finding for that check, `success` none; `mutated*`
 * files are Polaris' own fix-ups and are skipped). Only checks that mean the same as one
 * of our rules are scored (MAPPED); UNMAPPED says why the rest are not.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { corpusPath } from '../testing/corpus.js';
import { checkPaths, describeFindings, findingsOf, tableCases, type PeerMapping } from './config-common.js';
import type { CaseResult, SuiteResult } from './report.js';

const MAPPED: Record<string, PeerMapping> = {
  runAsPrivileged: { rule: 'SK-K8S-0101', why: 'privileged container (PSS privileged)' },
  hostIPCSet: { rule: 'SK-K8S-0102', why: 'hostIPC (PSS hostNamespaces)' },
  hostNetworkSet: { rule: 'SK-K8S-0102', why: 'hostNetwork (PSS hostNamespaces)' },
  hostPIDSet: { rule: 'SK-K8S-0102', why: 'hostPID (PSS hostNamespaces)' },
  hostPathSet: { rule: 'SK-K8S-0103', why: 'hostPath volume (PSS hostPathVolumes)' },
  hostPortSet: { rule: 'SK-K8S-0104', why: 'hostPort (PSS hostPorts)' },
  hostProcess: { rule: 'SK-K8S-0105', why: 'Windows HostProcess (PSS windowsHostProcess)' },
  procMount: { rule: 'SK-K8S-0108', why: 'Unmasked procMount (PSS procMount)' },
  dangerousCapabilities: { rule: 'SK-K8S-0114', why: 'adds SYS_ADMIN/NET_ADMIN/ALL, all outside the baseline set' },
  privilegeEscalationAllowed: { rule: 'SK-K8S-0116', why: 'allowPrivilegeEscalation not false (PSS restricted)' },
  runAsRootAllowed: { rule: 'SK-K8S-0117', why: 'runAsNonRoot not ensured (PSS restricted)' },
};

const AVAILABILITY = 'reliability/efficiency check (probes, resources, replicas, disruption budgets): not among our rules';
const RBAC = 'RBAC permissions are not among our rules yet';
const UNMAPPED: Record<string, string> = {
  automountServiceAccountToken: 'token automount is not a PSS control; no rule yet',
  clusterrolePodExecAttach: RBAC,
  clusterrolebindingClusterAdmin: RBAC,
  clusterrolebindingPodExecAttach: RBAC,
  cpuLimitsMissing: AVAILABILITY,
  cpuRequestsMissing: AVAILABILITY,
  deploymentMissingReplicas: AVAILABILITY,
  hpaMaxAvailability: AVAILABILITY,
  hpaMinAvailability: AVAILABILITY,
  insecureCapabilities: 'a warning-level check in Polaris (no danger verdict) that accepts dropping a short list; SK-K8S-0115 wants drop ALL',
  linuxHardening: 'any one of seccomp/AppArmor/SELinux/drop-ALL satisfies it; our rules check each control separately',
  livenessProbeMissing: AVAILABILITY,
  memoryLimitsMissing: AVAILABILITY,
  memoryRequestsMissing: AVAILABILITY,
  metadataAndInstanceMismatched: 'label hygiene, not security',
  missingNetworkPolicy: 'network policy coverage is not among our rules yet',
  missingPodDisruptionBudget: AVAILABILITY,
  nakedPod: AVAILABILITY,
  notReadOnlyRootFilesystem: 'readOnlyRootFilesystem is not a PSS control; no Kubernetes rule yet',
  oneController: AVAILABILITY,
  pdbDisruptionsIsZero: AVAILABILITY,
  pdbMinAvailableGreaterThanHPAMinReplicas: AVAILABILITY,
  priorityClassNotSet: AVAILABILITY,
  pullPolicyNotAlways: 'pull policy is operational hygiene; no rule',
  readinessProbeMissing: AVAILABILITY,
  resourceRange: AVAILABILITY,
  rolePodExecAttach: RBAC,
  rolebindingClusterAdminClusterRole: RBAC,
  rolebindingClusterAdminRole: RBAC,
  rolebindingClusterRolePodExecAttach: RBAC,
  rolebindingRolePodExecAttach: RBAC,
  sensitiveConfigmapContent: 'secrets in ConfigMaps are not among our Kubernetes rules yet',
  sensitiveContainerEnvVar: 'secrets in container env are not among our Kubernetes rules yet',
  tagNotSpecified: 'image tags in manifests have no Kubernetes rule yet (SK-DF-0003 covers Dockerfiles)',
  tlsSettingsMissing: 'Ingress TLS is not among our rules yet',
  topologySpreadConstraint: AVAILABILITY,
};

export async function runPolarisSuite(): Promise<SuiteResult> {
  const started = Date.now();
  const root = corpusPath('polaris', 'test', 'checks');
  if (!root) return { name: 'polaris', cases: [{ id: 'polaris/_corpus', status: 'no-truth', detail: 'corpus polaris/test/checks absent' }], ms: 0 };
  const checks = (await readdir(root)).sort();
  const cases: CaseResult[] = tableCases('polaris', checks, MAPPED, UNMAPPED);
  const mappedChecks = Object.keys(MAPPED).filter((c) => checks.includes(c));
  const run = await checkPaths(mappedChecks.map((c) => join(root, c)));
  for (const check of mappedChecks) {
    const mapping = MAPPED[check] as PeerMapping;
    const files = (await readdir(join(root, check))).filter((f) => /^(success|failure).*\.ya?ml$/.test(f)).sort();
    for (const f of files) {
      const id = `polaris/${check}/${f}`;
      const found = findingsOf(run, join(root, check, f), mapping.rule);
      const divergence = mapping.notOurs?.[f];
      if (divergence !== undefined) {
        cases.push({ id, status: 'no-truth', detail: `meaning differs: ${divergence}; ${mapping.rule} findings: ${describeFindings(found)}` });
      } else if (f.startsWith('failure')) {
        cases.push(found.length > 0 ? { id, status: 'agree' } : { id, status: 'disagree', detail: `Polaris failure, ${mapping.rule} finds nothing` });
      } else {
        cases.push(found.length === 0 ? { id, status: 'agree' } : { id, status: 'disagree', detail: `Polaris success, ${mapping.rule} reports ${describeFindings(found)}` });
      }
    }
  }
  return { name: 'polaris', cases, ms: Date.now() - started };
}
