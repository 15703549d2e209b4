/** PSS baseline: no Windows HostProcess pods or containers. */
import { ALLOWED, asObject, containerList, containersOf, definePssCheck, denied, podSecurityContext, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const windowsHostProcessV1Dot0: PodCheckFn = (_meta, spec) => {
  const setters: string[] = [];
  const paths: FieldPath[] = [];
  if (asObject(podSecurityContext(spec)?.windowsOptions)?.hostProcess === true) {
    setters.push('pod');
    paths.push(['spec', 'securityContext', 'windowsOptions', 'hostProcess']);
  }
  const bad: string[] = [];
  for (const c of containersOf(spec)) {
    if (asObject(c.securityContext?.windowsOptions)?.hostProcess === true) {
      bad.push(c.name);
      paths.push([...c.path, 'securityContext', 'windowsOptions', 'hostProcess']);
    }
  }
  if (bad.length > 0) setters.push(containerList(bad));
  if (setters.length === 0) return ALLOWED;
  return denied('hostProcess', `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`, paths);
};

export const windowsHostProcess = definePssCheck('windowsHostProcess', 'baseline', [{ since: v(1, 0), check: windowsHostProcessV1Dot0 }]);

export const windowsHostProcessRule = pssRule(windowsHostProcess, {
  id: 'SK-K8S-0105',
  title: 'Windows HostProcess container',
  severity: 'CRITICAL',
  description:
    'A Windows HostProcess container runs directly on the node as a host process with access to the host network and filesystem: it is the Windows equivalent of a privileged container.',
  remediation: 'Remove securityContext.windowsOptions.hostProcess (or set it to false) at pod and container level.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:windowsHostProcess', 'pss-level:baseline', 'cis-k8s:5.2.11', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
