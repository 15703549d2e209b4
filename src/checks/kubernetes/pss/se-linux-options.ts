/** PSS baseline: SELinux type limited to the container types; no custom SELinux user or role. */
import { ALLOWED, asObject, asString, containerList, containersOf, definePssCheck, denied, plural, podSecurityContext, quoted, sortedUnique, v, type PodCheckFn, type PlainObject } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const TYPES_V1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
/** v1.31 added container_engine_t (for nested container engines). */
const TYPES_V1_31 = new Set([...TYPES_V1_0, 'container_engine_t']);

function seLinuxOptionsCheck(allowedTypes: ReadonlySet<string>): PodCheckFn {
  return (_meta, spec) => {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const valid = (options: PlainObject): boolean => {
      let ok = true;
      const type = asString(options.type);
      if (!allowedTypes.has(type)) {
        ok = false;
        badTypes.push(type);
      }
      if (asString(options.user) !== '') {
        ok = false;
        setUser = true;
      }
      if (asString(options.role) !== '') {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const setters: string[] = [];
    const paths: FieldPath[] = [];
    const podOptions = asObject(podSecurityContext(spec)?.seLinuxOptions);
    if (podOptions && !valid(podOptions)) {
      setters.push('pod');
      paths.push(['spec', 'securityContext', 'seLinuxOptions']);
    }
    const bad: string[] = [];
    for (const c of containersOf(spec)) {
      const options = asObject(c.securityContext?.seLinuxOptions);
      if (options && !valid(options)) {
        bad.push(c.name);
        paths.push([...c.path, 'securityContext', 'seLinuxOptions']);
      }
    }
    if (bad.length > 0) setters.push(containerList(bad));
    if (setters.length === 0) return ALLOWED;
    const what: string[] = [];
    const types = sortedUnique(badTypes);
    if (types.length > 0) what.push(`${plural(types.length, 'type', 'types')} ${quoted(types)}`);
    if (setUser) what.push('a user');
    if (setRole) what.push('a role');
    return denied('seLinuxOptions', `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${what.join(', ')}`, paths);
  };
}

export const seLinuxOptions = definePssCheck('seLinuxOptions', 'baseline', [
  { since: v(1, 0), check: seLinuxOptionsCheck(TYPES_V1_0) },
  { since: v(1, 31), check: seLinuxOptionsCheck(TYPES_V1_31) },
]);

export const seLinuxOptionsRule = pssRule(seLinuxOptions, {
  id: 'SK-K8S-0107',
  title: 'Custom SELinux type, user or role',
  severity: 'HIGH',
  description:
    'SELinux labels confine containers to their own files and processes. A custom type, user or role can put the container in a domain (such as spc_t) that is not confined at all.',
  remediation: 'Remove seLinuxOptions.user and seLinuxOptions.role, and use no type or one of container_t, container_init_t, container_kvm_t, container_engine_t.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:seLinuxOptions', 'pss-level:baseline', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
