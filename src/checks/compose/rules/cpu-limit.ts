import type { Rule } from '../../rule.js';
import { isBoundingLimit, limitSettings, missingLimitPath, serviceViolation, type ComposeDoc } from '../parse.js';

export const composeCpuLimit: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0011',
  kind: 'compose',
  title: 'Service has no CPU limit',
  severity: 'LOW',
  description: 'Without a CPU cgroup limit one busy or compromised container can starve the host and the other containers of CPU time.',
  remediation: 'Set `deploy.resources.limits.cpus` (or `cpus`, or `cpu_quota` with `cpu_period`).',
  references: ['https://docs.docker.com/reference/compose-file/deploy/#resources', 'https://docs.docker.com/engine/containers/resource_constraints/#cpu'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:5.12', 'stride:D'],
  check(doc) {
    return doc.services.flatMap((s) => {
      const settings = limitSettings(s, 'cpus', ['cpus', 'cpu_quota']);
      if (settings.some((l) => isBoundingLimit(l.value))) return [];
      const unbounded = settings[0];
      if (unbounded) return [serviceViolation(doc, s, unbounded.path, `service ${s.name} sets an unbounded CPU limit (${String(unbounded.value)})`)];
      return [serviceViolation(doc, s, missingLimitPath(s, 'cpus'), `service ${s.name} has no CPU limit (deploy.resources.limits.cpus or cpus)`)];
    });
  },
};
