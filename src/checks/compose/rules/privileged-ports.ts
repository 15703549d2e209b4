import type { Rule, RuleViolation } from '../../rule.js';
import { portMappings, serviceViolation, type ComposeDoc } from '../parse.js';

export const composePrivilegedPorts: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0015',
  kind: 'compose',
  title: 'Service publishes a privileged host port',
  severity: 'LOW',
  description:
    'Host ports below 1024 are reserved for services the administrator runs as root; publishing a container on one lets it pose as such a service (SSH, DNS, HTTP) on the host address.',
  remediation: 'Publish on a host port of 1024 or above, or put a reviewed reverse proxy on the low port.',
  references: ['https://docs.docker.com/reference/compose-file/services/#ports'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:5.8', 'stride:S'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const s of doc.services) {
      for (const p of portMappings(s)) {
        // Short syntax with one port (`"80"`) publishes it on an ephemeral host port; only explicit host ports count.
        if (p.host === undefined || p.host.start >= 1024 || p.host.end === 0) continue;
        const low = Math.max(p.host.start, 1);
        out.push(serviceViolation(doc, s, p.path, `service ${s.name} publishes privileged host port ${low}${p.host.end > p.host.start ? ` (range ${p.host.start}-${p.host.end})` : ''}`));
      }
    }
    return out;
  },
};
