/** PSS restricted (v1.19+): every container runs under RuntimeDefault or a Localhost seccomp profile. */
import { ALLOWED, asObject, asString, containerList, containersOf, definePssCheck, denied, isWindowsPod, podSecurityContext, quoted, sortedUnique, v, type PodCheckFn } from './check.js';
import { allowedSeccompType } from './seccomp-profile-baseline.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const seccompRequiredV1Dot19: PodCheckFn = (_meta, spec) => {
  const setters: string[] = [];
  const values: string[] = [];
  const explicitPaths: FieldPath[] = [];
  const implicitPaths: FieldPath[] = [];
  let podSet = false;
  const podProfile = asObject(podSecurityContext(spec)?.seccompProfile);
  if (podProfile) {
    if (allowedSeccompType(asString(podProfile.type))) podSet = true;
    else {
      setters.push('pod');
      values.push(asString(podProfile.type));
      explicitPaths.push(['spec', 'securityContext', 'seccompProfile', 'type']);
    }
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const profile = asObject(c.securityContext?.seccompProfile);
    if (profile) {
      if (!allowedSeccompType(asString(profile.type))) {
        explicit.push(c.name);
        values.push(asString(profile.type));
        explicitPaths.push([...c.path, 'securityContext', 'seccompProfile', 'type']);
      }
    } else if (!podSet) {
      implicit.push(c.name);
      implicitPaths.push(c.securityContext ? [...c.path, 'securityContext'] : c.path);
    }
  }
  if (explicit.length > 0) setters.push(containerList(explicit));
  // pod-security-admission names only the explicit setters when there are any; the
  // verdict is the same, but every offending container gets its own finding, so one
  // fix-and-rescan round shows them all.
  const details: string[] = [];
  if (setters.length > 0) details.push(`${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${quoted(sortedUnique(values))}`);
  // As pod-security-admission: the explicit setters when there are any, else the implicit ones.
  if (implicit.length > 0 && setters.length === 0) details.push(`pod or ${containerList(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
  if (details.length === 0) return ALLOWED;
  return denied('seccompProfile', details.join('; '), [...explicitPaths, ...implicitPaths]);
};

/** From v1.25 Windows pods (spec.os.name: windows) are exempt: seccomp is Linux-only. */
const seccompRequiredV1Dot25: PodCheckFn = (meta, spec) => (isWindowsPod(spec) ? ALLOWED : seccompRequiredV1Dot19(meta, spec));

export const seccompProfileRestricted = definePssCheck('seccompProfile_restricted', 'restricted', [
  { since: v(1, 19), check: seccompRequiredV1Dot19, overrides: ['seccompProfile_baseline'] },
  { since: v(1, 25), check: seccompRequiredV1Dot25, overrides: ['seccompProfile_baseline'] },
]);

export const seccompProfileRestrictedRule = pssRule(seccompProfileRestricted, {
  id: 'SK-K8S-0111',
  title: 'No seccomp profile',
  severity: 'MEDIUM',
  description:
    'Without an explicit seccomp profile many runtimes run containers unconfined, with every system call available to an attacker. The restricted level requires RuntimeDefault or a Localhost profile for every container.',
  remediation: 'Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod (or on every container).',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:seccompProfile_restricted', 'pss-level:restricted', 'cis-k8s:5.7.2', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
