import type { Rule } from '../../rule.js';
import { daemonViolation, type DaemonDoc } from '../parse.js';

export const daemonLiveRestore: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0009',
  kind: 'daemon-json',
  title: 'Live restore is off',
  severity: 'LOW',
  description: 'Without `live-restore` every daemon restart stops the containers, which pushes teams to delay patching the container runtime.',
  remediation: 'Set `"live-restore": true` (not available with Swarm mode).',
  references: ['https://docs.docker.com/engine/daemon/live-restore/'],
  frameworks: ['nist-800-190:4.4.1', 'cis-docker:2.15', 'stride:D'],
  check(doc) {
    if (doc.config['live-restore'] === true) return [];
    return [daemonViolation(doc, ['live-restore'], 'live-restore is not true')];
  },
};
