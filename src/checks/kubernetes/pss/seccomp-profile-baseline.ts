/**
 * PSS baseline: a seccomp profile, when given, is RuntimeDefault or Localhost (never
 * Unconfined). Before v1.19 seccomp was set through alpha annotations, which are checked then.
 */
import { ALLOWED, asObject, asString, containerList, containersOf, definePssCheck, denied, podSecurityContext, quoted, sortedUnique, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

export function allowedSeccompType(type: string): boolean {
  return type === 'RuntimeDefault' || type === 'Localhost';
}

function allowedAnnotation(value: string): boolean {
  return value === 'runtime/default' || value === 'docker/default' || value.startsWith('localhost/');
}

const seccompAnnotationsV1Dot0: PodCheckFn = (meta, spec) => {
  const annotations = asObject(meta.annotations) ?? {};
  const forbidden: string[] = [];
  const paths: FieldPath[] = [];
  const consider = (key: string): void => {
    if (!Object.prototype.hasOwnProperty.call(annotations, key)) return;
    const value = asString(annotations[key]);
    if (allowedAnnotation(value)) return;
    const entry = `${key}=${JSON.stringify(value)}`;
    if (!forbidden.includes(entry)) {
      forbidden.push(entry);
      paths.push(['metadata', 'annotations', key]);
    }
  };
  consider(POD_ANNOTATION);
  for (const c of containersOf(spec)) consider(CONTAINER_ANNOTATION_PREFIX + c.name);
  if (forbidden.length === 0) return ALLOWED;
  return denied('seccompProfile', `forbidden seccomp annotations: ${forbidden.sort().join(', ')}`, paths);
};

const seccompProfileV1Dot19: PodCheckFn = (_meta, spec) => {
  const setters: string[] = [];
  const values: string[] = [];
  const paths: FieldPath[] = [];
  const podProfile = asObject(podSecurityContext(spec)?.seccompProfile);
  if (podProfile && !allowedSeccompType(asString(podProfile.type))) {
    setters.push('pod');
    values.push(asString(podProfile.type));
    paths.push(['spec', 'securityContext', 'seccompProfile', 'type']);
  }
  const bad: string[] = [];
  for (const c of containersOf(spec)) {
    const profile = asObject(c.securityContext?.seccompProfile);
    if (profile && !allowedSeccompType(asString(profile.type))) {
      bad.push(c.name);
      values.push(asString(profile.type));
      paths.push([...c.path, 'securityContext', 'seccompProfile', 'type']);
    }
  }
  if (bad.length > 0) setters.push(containerList(bad));
  if (setters.length === 0) return ALLOWED;
  return denied('seccompProfile', `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${quoted(sortedUnique(values))}`, paths);
};

export const seccompProfileBaseline = definePssCheck('seccompProfile_baseline', 'baseline', [
  { since: v(1, 0), check: seccompAnnotationsV1Dot0 },
  { since: v(1, 19), check: seccompProfileV1Dot19 },
]);

export const seccompProfileBaselineRule = pssRule(seccompProfileBaseline, {
  id: 'SK-K8S-0110',
  title: 'Seccomp disabled (Unconfined)',
  severity: 'HIGH',
  description:
    'Seccomp filters the system calls a container may make; the runtime default profile blocks the calls most kernel exploits and escapes rely on. An Unconfined profile lets the container call all of them.',
  remediation: 'Set securityContext.seccompProfile.type to RuntimeDefault (or Localhost with a reviewed profile) instead of Unconfined.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:seccompProfile_baseline', 'pss-level:baseline', 'cis-k8s:5.7.2', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
