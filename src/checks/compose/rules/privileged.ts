import type { Rule } from '../../rule.js';
import { isTrue, serviceViolation, type ComposeDoc } from '../parse.js';

export const composePrivileged: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0001',
  kind: 'compose',
  title: 'Service runs privileged',
  severity: 'HIGH',
  description:
    'A privileged container gets every Linux capability, all host devices and no seccomp or AppArmor confinement; a process that compromises it controls the host.',
  remediation: 'Remove `privileged: true`; grant only the capabilities (`cap_add`) or devices (`devices`) the service needs.',
  references: ['https://docs.docker.com/reference/compose-file/services/#privileged'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:5.5', 'stride:E'],
  check(doc) {
    return doc.services
      .filter((s) => isTrue(s.value.privileged))
      .map((s) => serviceViolation(doc, s, [...s.path, 'privileged'], `service ${s.name} sets privileged: true`));
  },
};
