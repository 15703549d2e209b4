import type { Rule } from '../../rule.js';
import { daemonViolation, type DaemonDoc } from '../parse.js';

export const daemonInsecureRegistries: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0002',
  kind: 'daemon-json',
  title: 'Insecure registries are configured',
  severity: 'HIGH',
  description: 'Registries listed in `insecure-registries` are reached over plain HTTP or unverified TLS, so images pulled from them can be read or replaced in transit.',
  remediation: 'Remove the entries from `insecure-registries` and serve those registries over TLS with a certificate the daemon trusts (`/etc/docker/certs.d/<registry>/ca.crt`).',
  references: ['https://docs.docker.com/reference/cli/dockerd/#insecure-registries'],
  frameworks: ['nist-800-190:4.2.1', 'cis-docker:2.5', 'stride:T'],
  check(doc) {
    const regs = doc.config['insecure-registries'];
    if (!Array.isArray(regs) || regs.length === 0) return [];
    return [daemonViolation(doc, ['insecure-registries'], `insecure-registries lists ${regs.map((r) => String(r)).join(', ')}`)];
  },
};
