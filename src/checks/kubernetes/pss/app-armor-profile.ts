/** PSS baseline: AppArmor may only be RuntimeDefault or a Localhost profile, never Unconfined. */
import { ALLOWED, asObject, asString, containerList, containersOf, definePssCheck, denied, plural, podSecurityContext, quoted, sortedUnique, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function allowedType(type: string): boolean {
  return type === 'RuntimeDefault' || type === 'Localhost';
}

function allowedAnnotation(value: string): boolean {
  return value === '' || value === 'runtime/default' || value.startsWith('localhost/');
}

const appArmorProfileV1Dot0: PodCheckFn = (meta, spec) => {
  const setters: string[] = [];
  const values: string[] = [];
  const paths: FieldPath[] = [];
  const podProfile = asObject(podSecurityContext(spec)?.appArmorProfile);
  if (podProfile && !allowedType(asString(podProfile.type))) {
    setters.push('pod');
    values.push(asString(podProfile.type));
    paths.push(['spec', 'securityContext', 'appArmorProfile']);
  }
  const bad: string[] = [];
  for (const c of containersOf(spec)) {
    const profile = asObject(c.securityContext?.appArmorProfile);
    if (profile && !allowedType(asString(profile.type))) {
      bad.push(c.name);
      values.push(asString(profile.type));
      paths.push([...c.path, 'securityContext', 'appArmorProfile']);
    }
  }
  if (bad.length > 0) setters.push(containerList(bad));
  const badAnnotations: string[] = [];
  for (const [key, value] of Object.entries(asObject(meta.annotations) ?? {})) {
    if (key.startsWith(ANNOTATION_PREFIX) && !allowedAnnotation(asString(value))) {
      badAnnotations.push(`${key}=${JSON.stringify(asString(value))}`);
      paths.push(['metadata', 'annotations', key]);
    }
  }
  if (badAnnotations.length > 0) setters.push(plural(badAnnotations.length, 'an annotation', 'annotations'));
  if (setters.length === 0) return ALLOWED;
  const all = [...sortedUnique(values), ...badAnnotations.sort()];
  return denied(
    plural(all.length, 'forbidden AppArmor profile', 'forbidden AppArmor profiles'),
    `${setters.join(' and ')} set the AppArmor profile to ${quoted(all)}; only RuntimeDefault or Localhost are allowed`,
    paths,
  );
};

export const appArmorProfile = definePssCheck('appArmorProfile', 'baseline', [{ since: v(1, 0), check: appArmorProfileV1Dot0 }]);

export const appArmorProfileRule = pssRule(appArmorProfile, {
  id: 'SK-K8S-0106',
  title: 'AppArmor confinement disabled or overridden',
  severity: 'HIGH',
  description:
    'On nodes with AppArmor the runtime confines every container with a default profile. Setting the profile to Unconfined (or any other non-local profile) removes that mandatory-access-control layer.',
  remediation: 'Remove the AppArmor override, or set securityContext.appArmorProfile.type to RuntimeDefault or Localhost (with a reviewed localhost profile).',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:appArmorProfile', 'pss-level:baseline', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
