/** PSS restricted (v1.35+): /proc keeps its default masks, even in user-namespaced pods. */
import { definePssCheck, v } from './check.js';
import { procMountUnmasked } from './proc-mount.js';
import { pssRule } from './rule.js';

export const procMountRestricted = definePssCheck('procMount_restricted', 'restricted', [
  { since: v(1, 35), check: procMountUnmasked, overrides: ['procMount'] },
]);

export const procMountRestrictedRule = pssRule(procMountRestricted, {
  id: 'SK-K8S-0109',
  title: 'Unmasked /proc (restricted)',
  severity: 'HIGH',
  description:
    'The restricted level requires the default /proc masks on every container, including in pods that run in a user namespace, where the baseline level allows Unmasked.',
  remediation: 'Remove securityContext.procMount or set it to Default on every container.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:procMount_restricted', 'pss-level:restricted', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:I'],
});
