/** PSS baseline: containers may add only capabilities from the runtime's default set. */
import { ALLOWED, asArray, asObject, containerList, containersOf, definePssCheck, denied, quoted, sortedUnique, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const DEFAULT_SET = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

const capabilitiesBaselineV1Dot0: PodCheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const added: string[] = [];
  const paths: FieldPath[] = [];
  for (const c of containersOf(spec)) {
    const capabilities = asObject(c.securityContext?.capabilities);
    if (!capabilities) continue;
    let found = false;
    asArray(capabilities.add).forEach((cap, index) => {
      const name = typeof cap === 'string' ? cap : String(cap);
      if (!DEFAULT_SET.has(name)) {
        found = true;
        added.push(name);
        paths.push([...c.path, 'securityContext', 'capabilities', 'add', index]);
      }
    });
    if (found) bad.push(c.name);
  }
  if (bad.length === 0) return ALLOWED;
  return denied('non-default capabilities', `${containerList(bad)} add ${quoted(sortedUnique(added))} in securityContext.capabilities.add`, paths);
};

export const capabilitiesBaseline = definePssCheck('capabilities_baseline', 'baseline', [{ since: v(1, 0), check: capabilitiesBaselineV1Dot0 }]);

export const capabilitiesBaselineRule = pssRule(capabilitiesBaseline, {
  id: 'SK-K8S-0114',
  title: 'Container adds a non-default capability',
  severity: 'HIGH',
  description:
    'Capabilities beyond the runtime default set (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, ...) give root in the container powers that lead to the host.',
  remediation: 'Remove the capability from securityContext.capabilities.add; if the workload needs one, find a design that does not (or isolate it on dedicated nodes).',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:capabilities_baseline', 'pss-level:baseline', 'cis-k8s:5.2.9', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
