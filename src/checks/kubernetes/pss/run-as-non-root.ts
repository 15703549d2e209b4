/** PSS restricted: containers must run as non-root (runAsNonRoot: true), except user-namespaced pods from v1.35. */
import { ALLOWED, containerList, containersOf, definePssCheck, denied, inUserNamespace, isSet, podSecurityContext, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const runAsNonRootV1Dot0: PodCheckFn = (_meta, spec) => {
  const setters: string[] = [];
  const explicitPaths: FieldPath[] = [];
  const implicitPaths: FieldPath[] = [];
  let podNonRoot = false;
  const podValue = podSecurityContext(spec)?.runAsNonRoot;
  if (isSet(podValue)) {
    if (podValue === true) podNonRoot = true;
    else {
      setters.push('pod');
      explicitPaths.push(['spec', 'securityContext', 'runAsNonRoot']);
    }
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const value = c.securityContext?.runAsNonRoot;
    if (isSet(value)) {
      if (value !== true) {
        explicit.push(c.name);
        explicitPaths.push([...c.path, 'securityContext', 'runAsNonRoot']);
      }
    } else if (!podNonRoot) {
      implicit.push(c.name);
      implicitPaths.push(c.securityContext ? [...c.path, 'securityContext'] : c.path);
    }
  }
  if (explicit.length > 0) setters.push(containerList(explicit));
  // pod-security-admission names only the explicit setters when there are any; the
  // verdict is the same, but every offending container gets its own finding, so one
  // fix-and-rescan round shows them all.
  const details: string[] = [];
  if (setters.length > 0) details.push(`${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  // As pod-security-admission: the explicit setters when there are any, else the implicit ones.
  if (implicit.length > 0 && setters.length === 0) details.push(`pod or ${containerList(implicit)} must set securityContext.runAsNonRoot=true`);
  if (details.length === 0) return ALLOWED;
  return denied('runAsNonRoot != true', details.join('; '), [...explicitPaths, ...implicitPaths]);
};

const runAsNonRootV1Dot35: PodCheckFn = (meta, spec) => (inUserNamespace(spec) ? ALLOWED : runAsNonRootV1Dot0(meta, spec));

export const runAsNonRoot = definePssCheck('runAsNonRoot', 'restricted', [
  { since: v(1, 0), check: runAsNonRootV1Dot0 },
  { since: v(1, 35), check: runAsNonRootV1Dot35 },
]);

export const runAsNonRootRule = pssRule(runAsNonRoot, {
  id: 'SK-K8S-0117',
  title: 'Container may run as root',
  severity: 'MEDIUM',
  description:
    'Root in a container is root on the host kernel: any escape, writable host mount or kernel bug is then a host compromise. runAsNonRoot: true makes the kubelet refuse to start a container whose user is root.',
  remediation: 'Set spec.securityContext.runAsNonRoot: true (and a non-zero runAsUser, or a numeric non-root USER in the image).',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:runAsNonRoot', 'pss-level:restricted', 'cis-k8s:5.2.7', 'nsa-k8s:non-root-containers', 'nist-800-190:4.4.3', 'stride:E'],
});
