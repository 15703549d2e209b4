import type { Rule } from '../../rule.js';
import { daemonViolation, type DaemonDoc } from '../parse.js';

export const daemonUsernsRemap: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0005',
  kind: 'daemon-json',
  title: 'User namespace remapping is off',
  severity: 'MEDIUM',
  description: 'Without `userns-remap`, root in a container is UID 0 on the host, so a process that escapes the container is root on the host.',
  remediation: 'Set `"userns-remap": "default"` (or a dedicated user) and check that /etc/subuid and /etc/subgid give it a range.',
  references: ['https://docs.docker.com/engine/security/userns-remap/'],
  frameworks: ['nist-800-190:4.4.3', 'nist-800-190:4.5.4', 'cis-docker:2.9', 'stride:E'],
  check(doc) {
    const v = doc.config['userns-remap'];
    if (typeof v === 'string' && v.trim() !== '') return [];
    return [daemonViolation(doc, ['userns-remap'], 'userns-remap is not set')];
  },
};
