/** PSS baseline: no sharing of the host's network, PID or IPC namespace. */
import { ALLOWED, definePssCheck, denied, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const NAMESPACE_FIELDS = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

const hostNamespacesV1Dot0: PodCheckFn = (_meta, spec) => {
  const shared = NAMESPACE_FIELDS.filter((name) => spec[name] === true);
  if (shared.length === 0) return ALLOWED;
  const paths: FieldPath[] = shared.map((name) => ['spec', name]);
  return denied('host namespaces', `the pod shares the host's namespaces: ${shared.map((n) => `${n}=true`).join(', ')}`, paths);
};

export const hostNamespaces = definePssCheck('hostNamespaces', 'baseline', [{ since: v(1, 0), check: hostNamespacesV1Dot0 }]);

export const hostNamespacesRule = pssRule(hostNamespaces, {
  id: 'SK-K8S-0102',
  title: 'Pod shares host namespaces',
  severity: 'HIGH',
  description:
    "With hostNetwork, hostPID or hostIPC the pod sees the node's network interfaces, processes or shared memory: it can sniff traffic, signal or inspect host processes, and reach services bound to localhost.",
  remediation: 'Remove hostNetwork, hostPID and hostIPC from the pod spec (or set them to false); expose ports through a Service instead of the host network.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:hostNamespaces', 'pss-level:baseline', 'cis-k8s:5.2.3', 'cis-k8s:5.2.4', 'cis-k8s:5.2.5', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
