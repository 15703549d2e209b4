import type { Rule } from '../../rule.js';
import { isBoundingLimit, limitSettings, missingLimitPath, serviceViolation, type ComposeDoc } from '../parse.js';

export const composeMemoryLimit: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0010',
  kind: 'compose',
  title: 'Service has no memory limit',
  severity: 'MEDIUM',
  description: 'Without a memory cgroup limit one container can take the memory of the host and of every other container on it (denial of service).',
  remediation: 'Set `deploy.resources.limits.memory` (or `mem_limit`) to what the service needs.',
  references: ['https://docs.docker.com/reference/compose-file/deploy/#resources', 'https://docs.docker.com/engine/containers/resource_constraints/'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:5.11', 'stride:D'],
  check(doc) {
    return doc.services.flatMap((s) => {
      const settings = limitSettings(s, 'memory', ['mem_limit']);
      if (settings.some((l) => isBoundingLimit(l.value))) return [];
      const unbounded = settings[0];
      if (unbounded) return [serviceViolation(doc, s, unbounded.path, `service ${s.name} sets an unbounded memory limit (${String(unbounded.value)})`)];
      return [serviceViolation(doc, s, missingLimitPath(s, 'memory'), `service ${s.name} has no memory limit (deploy.resources.limits.memory or mem_limit)`)];
    });
  },
};
