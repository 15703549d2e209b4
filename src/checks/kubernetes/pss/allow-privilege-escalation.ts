/** PSS restricted (v1.8+): allowPrivilegeEscalation must be explicitly false. */
import { ALLOWED, containerList, containersOf, definePssCheck, denied, isWindowsPod, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const noEscalationV1Dot8: PodCheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const paths: FieldPath[] = [];
  for (const c of containersOf(spec)) {
    if (c.securityContext?.allowPrivilegeEscalation === false) continue;
    bad.push(c.name);
    if (c.securityContext === undefined) paths.push(c.path);
    else if ('allowPrivilegeEscalation' in c.securityContext) paths.push([...c.path, 'securityContext', 'allowPrivilegeEscalation']);
    else paths.push([...c.path, 'securityContext']);
  }
  if (bad.length === 0) return ALLOWED;
  return denied('allowPrivilegeEscalation != false', `${containerList(bad)} must set securityContext.allowPrivilegeEscalation=false`, paths);
};

/** From v1.25 Windows pods are exempt (no setuid binaries or no_new_privs there). */
const noEscalationV1Dot25: PodCheckFn = (meta, spec) => (isWindowsPod(spec) ? ALLOWED : noEscalationV1Dot8(meta, spec));

export const allowPrivilegeEscalation = definePssCheck('allowPrivilegeEscalation', 'restricted', [
  { since: v(1, 8), check: noEscalationV1Dot8 },
  { since: v(1, 25), check: noEscalationV1Dot25 },
]);

export const allowPrivilegeEscalationRule = pssRule(allowPrivilegeEscalation, {
  id: 'SK-K8S-0116',
  title: 'Privilege escalation not disabled',
  severity: 'MEDIUM',
  description:
    'Unless allowPrivilegeEscalation is false, a process can gain privileges through setuid or setgid binaries or file capabilities; false sets no_new_privs on the container process.',
  remediation: 'Set securityContext.allowPrivilegeEscalation: false on every container, including init and ephemeral containers.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:allowPrivilegeEscalation', 'pss-level:restricted', 'cis-k8s:5.2.6', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
