import type { Rule } from '../../rule.js';
import { daemonViolation, type DaemonDoc } from '../parse.js';

export const daemonExperimental: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0012',
  kind: 'daemon-json',
  title: 'Experimental daemon features are on',
  severity: 'LOW',
  description: 'Experimental features are not covered by the stability and security guarantees of released ones and should not run in production.',
  remediation: 'Set `"experimental": false` or remove it.',
  references: ['https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file'],
  frameworks: ['nist-800-190:4.4.1', 'cis-docker:2.18', 'stride:T'],
  check(doc) {
    if (doc.config.experimental === true) return [daemonViolation(doc, ['experimental'], 'experimental is true')];
    return [];
  },
};
