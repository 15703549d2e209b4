import type { Rule, RuleViolation } from '../../rule.js';
import { portMappings, serviceViolation, type ComposeDoc } from '../parse.js';

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '[::]', '*']);

export const composePortsAllInterfaces: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0014',
  kind: 'compose',
  title: 'Published port listens on every host interface',
  severity: 'LOW',
  description:
    'A port published without a host address is bound to 0.0.0.0 (and ::) and is reachable from every network the host is on, and Docker\'s iptables rules put it in front of host firewalls such as ufw.',
  remediation: 'Give the host address the port should listen on, for example `"127.0.0.1:8080:80"` or `host_ip: 127.0.0.1`.',
  references: ['https://docs.docker.com/reference/compose-file/services/#ports', 'https://docs.docker.com/engine/network/packet-filtering-firewalls/'],
  frameworks: ['nist-800-190:4.4.2', 'cis-docker:5.14', 'stride:I'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const s of doc.services) {
      for (const p of portMappings(s)) {
        if (p.host === undefined && p.hostIp === undefined) continue; // container port only: published on an ephemeral host port too
        if (p.hostIp !== undefined && !ALL_INTERFACES.has(p.hostIp)) continue;
        const hostPorts = p.host ? (p.host.start === p.host.end ? `${p.host.start}` : `${p.host.start}-${p.host.end}`) : 'an ephemeral port';
        out.push(serviceViolation(doc, s, p.path, `service ${s.name} publishes ${hostPorts} on all host interfaces${p.hostIp ? ` (${p.hostIp})` : ''}`));
      }
    }
    return out;
  },
};
