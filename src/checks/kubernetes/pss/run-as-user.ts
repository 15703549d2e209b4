/** PSS restricted (v1.23+): runAsUser must not be 0, except user-namespaced pods from v1.35. */
import { ALLOWED, containerList, containersOf, definePssCheck, denied, inUserNamespace, podSecurityContext, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const runAsUserV1Dot23: PodCheckFn = (_meta, spec) => {
  const setters: string[] = [];
  const paths: FieldPath[] = [];
  if (podSecurityContext(spec)?.runAsUser === 0) {
    setters.push('pod');
    paths.push(['spec', 'securityContext', 'runAsUser']);
  }
  const bad: string[] = [];
  for (const c of containersOf(spec)) {
    if (c.securityContext?.runAsUser === 0) {
      bad.push(c.name);
      paths.push([...c.path, 'securityContext', 'runAsUser']);
    }
  }
  if (bad.length > 0) setters.push(containerList(bad));
  if (setters.length === 0) return ALLOWED;
  return denied('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`, paths);
};

const runAsUserV1Dot35: PodCheckFn = (meta, spec) => (inUserNamespace(spec) ? ALLOWED : runAsUserV1Dot23(meta, spec));

export const runAsUser = definePssCheck('runAsUser', 'restricted', [
  { since: v(1, 23), check: runAsUserV1Dot23 },
  { since: v(1, 35), check: runAsUserV1Dot35 },
]);

export const runAsUserRule = pssRule(runAsUser, {
  id: 'SK-K8S-0118',
  title: 'Container runs as UID 0',
  severity: 'HIGH',
  description: 'runAsUser: 0 runs the container process as root explicitly, with the host kernel treating it as root.',
  remediation: 'Set runAsUser to a non-zero UID (for example 10001) at pod or container level, or remove it and rely on a non-root USER in the image.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:runAsUser', 'pss-level:restricted', 'cis-k8s:5.2.7', 'nsa-k8s:non-root-containers', 'nist-800-190:4.4.3', 'stride:E'],
});
