import type { Rule } from '../../rule.js';
import { daemonViolation, type DaemonDoc } from '../parse.js';

export const daemonIcc: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0001',
  kind: 'daemon-json',
  title: 'Inter-container traffic on the default bridge is allowed',
  severity: 'MEDIUM',
  description: 'Unless `icc` is false, every container on the default bridge can reach every port of every other one there, so one compromised container can probe and attack its neighbours.',
  remediation: 'Set `"icc": false` and connect containers that must talk over user-defined networks.',
  references: ['https://docs.docker.com/engine/network/drivers/bridge/', 'https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file'],
  frameworks: ['nist-800-190:4.3.3', 'cis-docker:2.2', 'stride:I'],
  check(doc) {
    if (doc.config.icc === false) return [];
    return [daemonViolation(doc, ['icc'], doc.config.icc === undefined ? 'icc is not set (Docker allows inter-container traffic by default)' : `icc is ${JSON.stringify(doc.config.icc)}, not false`)];
  },
};
