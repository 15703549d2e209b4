import type { Rule } from '../../rule.js';
import { daemonViolation, type DaemonDoc } from '../parse.js';

export const daemonNoNewPrivileges: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0008',
  kind: 'daemon-json',
  title: 'Containers may gain new privileges by default',
  severity: 'MEDIUM',
  description: 'Unless `no-new-privileges` is true, containers that do not ask for it can raise privileges through setuid/setgid binaries and file capabilities.',
  remediation: 'Set `"no-new-privileges": true`.',
  references: ['https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:2.14', 'stride:E'],
  check(doc) {
    if (doc.config['no-new-privileges'] === true) return [];
    return [daemonViolation(doc, ['no-new-privileges'], 'no-new-privileges is not true')];
  },
};
