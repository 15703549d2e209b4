/** PSS baseline: no privileged containers (a privileged container is root on the node). */
import { ALLOWED, containerList, containersOf, definePssCheck, denied, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const privilegedV1Dot0: PodCheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const paths: FieldPath[] = [];
  for (const c of containersOf(spec)) {
    if (c.securityContext?.privileged === true) {
      bad.push(c.name);
      paths.push([...c.path, 'securityContext', 'privileged']);
    }
  }
  if (bad.length === 0) return ALLOWED;
  return denied('privileged', `${containerList(bad)} must not set securityContext.privileged=true`, paths);
};

export const privileged = definePssCheck('privileged', 'baseline', [{ since: v(1, 0), check: privilegedV1Dot0 }]);

export const privilegedRule = pssRule(privileged, {
  id: 'SK-K8S-0101',
  title: 'Privileged container',
  severity: 'CRITICAL',
  description:
    'A privileged container gets every capability, all host devices and no seccomp, AppArmor or SELinux confinement: a process in it can take over the node and every other pod on it.',
  remediation: 'Remove securityContext.privileged (or set it to false). Grant the one capability or device the workload really needs instead.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:privileged', 'pss-level:baseline', 'cis-k8s:5.2.2', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
