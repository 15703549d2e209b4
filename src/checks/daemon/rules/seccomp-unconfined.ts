import type { Rule } from '../../rule.js';
import { daemonViolation, type DaemonDoc } from '../parse.js';

export const daemonSeccompUnconfined: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0011',
  kind: 'daemon-json',
  title: 'Default seccomp profile is disabled for every container',
  severity: 'HIGH',
  description: 'With `seccomp-profile` set to `unconfined` no container is filtered by seccomp, so every system call reaches the shared kernel.',
  remediation: 'Remove `seccomp-profile`, or point it at a profile file that is at least as strict as Docker\'s default.',
  references: ['https://docs.docker.com/engine/security/seccomp/'],
  frameworks: ['nist-800-190:4.5.2', 'cis-docker:2.17', 'stride:E'],
  check(doc) {
    const p = doc.config['seccomp-profile'];
    if (typeof p === 'string' && p.trim().toLowerCase() === 'unconfined') return [daemonViolation(doc, ['seccomp-profile'], 'seccomp-profile is unconfined')];
    return [];
  },
};
