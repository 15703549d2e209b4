import type { Rule } from '../../rule.js';
import { daemonViolation, isRecordValue, type DaemonDoc } from '../parse.js';

export const daemonDefaultUlimits: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0004',
  kind: 'daemon-json',
  title: 'No default ulimits for containers',
  severity: 'LOW',
  description: 'Without `default-ulimits` containers inherit the daemon\'s limits on open files and processes, so one container can exhaust them for the host.',
  remediation: 'Set `default-ulimits`, for example `{"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 4096}}`, and override per container where needed.',
  references: ['https://docs.docker.com/reference/cli/dockerd/#default-ulimit'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:2.8', 'stride:D'],
  check(doc) {
    const u = doc.config['default-ulimits'];
    if (isRecordValue(u) && Object.keys(u).length > 0) return [];
    return [daemonViolation(doc, ['default-ulimits'], 'default-ulimits is not set')];
  },
};
