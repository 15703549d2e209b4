import type { Rule } from '../../rule.js';
import { daemonViolation, type DaemonDoc } from '../parse.js';

export const daemonLogDriver: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0007',
  kind: 'daemon-json',
  title: 'Container logs are not shipped, or are off',
  severity: 'LOW',
  description: 'With no `log-driver` the logs stay in local JSON files on the host that an intruder can erase; with `none` there are no logs at all to reconstruct what happened.',
  remediation: 'Set `log-driver` to a driver that sends logs off the host (syslog, journald with forwarding, fluentd, gelf, awslogs ...).',
  references: ['https://docs.docker.com/engine/logging/configure/'],
  frameworks: ['nist-800-190:4.4.5', 'cis-docker:2.13', 'stride:R'],
  check(doc) {
    const d = doc.config['log-driver'];
    if (d === undefined) return [daemonViolation(doc, ['log-driver'], 'log-driver is not set (logs stay in local json-file)')];
    if (typeof d === 'string' && d.trim().toLowerCase() === 'none') return [daemonViolation(doc, ['log-driver'], 'log-driver is none: container logs are discarded')];
    return [];
  },
};
