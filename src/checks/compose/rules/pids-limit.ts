import type { Rule } from '../../rule.js';
import { isBoundingLimit, limitSettings, serviceViolation, type ComposeDoc } from '../parse.js';

export const composePidsLimit: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0012',
  kind: 'compose',
  title: 'Service has no PIDs limit',
  severity: 'MEDIUM',
  description: 'Without a pids cgroup limit a fork bomb in one container exhausts the process table of the whole host.',
  remediation: 'Set `pids_limit` (or `deploy.resources.limits.pids`) to a positive number that fits the service, for example 200.',
  references: ['https://docs.docker.com/reference/compose-file/services/#pids_limit'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:5.29', 'stride:D'],
  check(doc) {
    return doc.services.flatMap((s) => {
      const settings = limitSettings(s, 'pids', ['pids_limit']);
      if (settings.some((l) => isBoundingLimit(l.value))) return [];
      const unbounded = settings[0];
      if (unbounded) return [serviceViolation(doc, s, unbounded.path, `service ${s.name} sets an unbounded PIDs limit (${String(unbounded.value)})`)];
      return [serviceViolation(doc, s, s.path, `service ${s.name} has no PIDs limit (pids_limit)`)];
    });
  },
};
