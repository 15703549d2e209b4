import type { Rule } from '../../rule.js';
import { securityOpts, serviceViolation, type ComposeDoc } from '../parse.js';

export const composeNoNewPrivileges: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0007',
  kind: 'compose',
  title: 'Service does not set no-new-privileges',
  severity: 'MEDIUM',
  description:
    'Without the no_new_privs bit a process in the container can gain privileges through setuid and setgid binaries or file capabilities, turning a foothold as an ordinary user into root in the container.',
  remediation: 'Add `no-new-privileges:true` to the service\'s `security_opt` (or set `"no-new-privileges": true` in the daemon configuration).',
  references: ['https://docs.docker.com/reference/cli/docker/container/run/#security-opt', 'https://www.kernel.org/doc/html/latest/userspace-api/no_new_privs.html'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:5.26', 'stride:E'],
  check(doc) {
    return doc.services.flatMap((s) => {
      const nnp = securityOpts(s).filter((o) => o.key === 'no-new-privileges');
      // `no-new-privileges` alone means true, as Docker reads it.
      if (nnp.some((o) => o.value === '' || o.value.toLowerCase() === 'true')) return [];
      const off = nnp[0];
      if (off) return [serviceViolation(doc, s, off.path, `service ${s.name} sets ${off.raw}`)];
      return [serviceViolation(doc, s, [...s.path, 'security_opt'], `service ${s.name} does not set no-new-privileges:true in security_opt`)];
    });
  },
};
