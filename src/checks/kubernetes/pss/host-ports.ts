/** PSS baseline: no hostPort on any container port. */
import { ALLOWED, asArray, asObject, containerList, containersOf, definePssCheck, denied, plural, sortedUnique, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const hostPortsV1Dot0: PodCheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const ports: string[] = [];
  const paths: FieldPath[] = [];
  for (const c of containersOf(spec)) {
    let found = false;
    asArray(c.container.ports).forEach((item, index) => {
      const hostPort = asObject(item)?.hostPort;
      if (typeof hostPort === 'number' && hostPort !== 0) {
        found = true;
        ports.push(String(hostPort));
        paths.push([...c.path, 'ports', index, 'hostPort']);
      }
    });
    if (found) bad.push(c.name);
  }
  if (bad.length === 0) return ALLOWED;
  const list = sortedUnique(ports);
  return denied('hostPort', `${containerList(bad)} bind host ${plural(list.length, 'port', 'ports')} ${list.join(', ')}`, paths);
};

export const hostPorts = definePssCheck('hostPorts', 'baseline', [{ since: v(1, 0), check: hostPortsV1Dot0 }]);

export const hostPortsRule = pssRule(hostPorts, {
  id: 'SK-K8S-0104',
  title: 'Container binds a host port',
  severity: 'MEDIUM',
  description:
    "A hostPort opens the port on the node's own address, bypassing Services and most NetworkPolicy implementations, and ties the pod to nodes where the port is free.",
  remediation: 'Remove hostPort from the container ports and expose the workload through a Service (ClusterIP, NodePort or LoadBalancer) or an Ingress.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:hostPorts', 'pss-level:baseline', 'cis-k8s:5.2.13', 'nsa-k8s:network-separation', 'nist-800-190:4.4.2', 'stride:I'],
});
