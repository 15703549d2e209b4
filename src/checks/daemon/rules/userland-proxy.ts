import type { Rule } from '../../rule.js';
import { daemonViolation, type DaemonDoc } from '../parse.js';

export const daemonUserlandProxy: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0010',
  kind: 'daemon-json',
  title: 'Userland proxy is on',
  severity: 'LOW',
  description: 'The userland proxy (docker-proxy) runs one host process per published port where kernel NAT rules would do, adding attack surface on the host.',
  remediation: 'Set `"userland-proxy": false` where hairpin NAT works on the host kernel.',
  references: ['https://docs.docker.com/engine/network/packet-filtering-firewalls/'],
  frameworks: ['nist-800-190:4.5.1', 'cis-docker:2.16', 'stride:E'],
  check(doc) {
    if (doc.config['userland-proxy'] === false) return [];
    return [daemonViolation(doc, ['userland-proxy'], 'userland-proxy is not false')];
  },
};
