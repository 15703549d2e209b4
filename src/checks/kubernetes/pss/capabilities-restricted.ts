/** PSS restricted (v1.22+): every container drops ALL and adds back at most NET_BIND_SERVICE. */
import { ALLOWED, asArray, asObject, containerList, containersOf, definePssCheck, denied, isWindowsPod, quoted, sortedUnique, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const capabilitiesRestrictedV1Dot22: PodCheckFn = (_meta, spec) => {
  const missingDrop: string[] = [];
  const addingForbidden: string[] = [];
  const forbidden: string[] = [];
  const paths: FieldPath[] = [];
  for (const c of containersOf(spec)) {
    const capabilities = asObject(c.securityContext?.capabilities);
    if (!capabilities) {
      missingDrop.push(c.name);
      paths.push(c.securityContext ? [...c.path, 'securityContext'] : c.path);
      continue;
    }
    if (!asArray(capabilities.drop).includes('ALL')) {
      missingDrop.push(c.name);
      paths.push([...c.path, 'securityContext', 'capabilities']);
    }
    let found = false;
    asArray(capabilities.add).forEach((cap, index) => {
      if (cap !== 'NET_BIND_SERVICE') {
        found = true;
        forbidden.push(typeof cap === 'string' ? cap : String(cap));
        paths.push([...c.path, 'securityContext', 'capabilities', 'add', index]);
      }
    });
    if (found) addingForbidden.push(c.name);
  }
  const details: string[] = [];
  if (missingDrop.length > 0) details.push(`${containerList(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden.length > 0) details.push(`${containerList(addingForbidden)} add ${quoted(sortedUnique(forbidden))} in securityContext.capabilities.add`);
  if (details.length === 0) return ALLOWED;
  return denied('unrestricted capabilities', details.join('; '), paths);
};

/** From v1.25 Windows pods are exempt: Linux capabilities do not apply to them. */
const capabilitiesRestrictedV1Dot25: PodCheckFn = (meta, spec) => (isWindowsPod(spec) ? ALLOWED : capabilitiesRestrictedV1Dot22(meta, spec));

export const capabilitiesRestricted = definePssCheck('capabilities_restricted', 'restricted', [
  { since: v(1, 22), check: capabilitiesRestrictedV1Dot22, overrides: ['capabilities_baseline'] },
  { since: v(1, 25), check: capabilitiesRestrictedV1Dot25, overrides: ['capabilities_baseline'] },
]);

export const capabilitiesRestrictedRule = pssRule(capabilitiesRestricted, {
  id: 'SK-K8S-0115',
  title: 'Container does not drop all capabilities',
  severity: 'MEDIUM',
  description:
    'The default capability set still includes powers such as NET_RAW (packet spoofing) and DAC_OVERRIDE. The restricted level requires dropping ALL and adding back only NET_BIND_SERVICE.',
  remediation: 'Set securityContext.capabilities.drop: ["ALL"] on every container, and add only NET_BIND_SERVICE if the process binds a port below 1024.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:capabilities_restricted', 'pss-level:restricted', 'cis-k8s:5.2.8', 'cis-k8s:5.2.10', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
