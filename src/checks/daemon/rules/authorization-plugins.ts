import type { Rule } from '../../rule.js';
import { daemonViolation, type DaemonDoc } from '../parse.js';

export const daemonAuthorizationPlugins: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0006',
  kind: 'daemon-json',
  title: 'No authorization plugin on the Docker API',
  severity: 'MEDIUM',
  description: 'Without an authorization plugin every client that can reach the Docker socket may use every API call, including starting privileged containers.',
  remediation: 'Add an authorization plugin to `authorization-plugins` that allows each client only the calls it needs.',
  references: ['https://docs.docker.com/engine/extend/plugins_authorization/'],
  frameworks: ['nist-800-190:4.3.1', 'cis-docker:2.12', 'stride:E'],
  check(doc) {
    const p = doc.config['authorization-plugins'];
    if (Array.isArray(p) && p.length > 0) return [];
    return [daemonViolation(doc, ['authorization-plugins'], 'authorization-plugins is empty or not set')];
  },
};
