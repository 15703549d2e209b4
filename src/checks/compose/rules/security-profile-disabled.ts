import type { Rule, RuleViolation } from '../../rule.js';
import { securityOpts, serviceViolation, type ComposeDoc } from '../parse.js';

export const composeSecurityProfileDisabled: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0006',
  kind: 'compose',
  title: 'Service disables seccomp or AppArmor',
  severity: 'HIGH',
  description:
    'With `seccomp:unconfined` every system call reaches the shared kernel, and with `apparmor:unconfined` the mandatory access control profile Docker applies is removed; both widen the path to a kernel or host escape.',
  remediation: 'Remove the `unconfined` entry from `security_opt`; when the default profile blocks a call the service needs, write a custom profile that allows just that call.',
  references: ['https://docs.docker.com/engine/security/seccomp/', 'https://docs.docker.com/engine/security/apparmor/'],
  frameworks: ['nist-800-190:4.4.3', 'nist-800-190:4.5.2', 'cis-docker:5.22', 'cis-docker:5.2', 'stride:E'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const s of doc.services) {
      for (const o of securityOpts(s)) {
        if ((o.key === 'seccomp' || o.key === 'apparmor') && o.value.toLowerCase() === 'unconfined') {
          out.push(serviceViolation(doc, s, o.path, `service ${s.name} sets security_opt ${o.raw}: ${o.key} confinement is off`));
        }
      }
    }
    return out;
  },
};
