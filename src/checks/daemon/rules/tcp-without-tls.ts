import type { Rule } from '../../rule.js';
import { daemonViolation, type DaemonDoc } from '../parse.js';

/** Socket schemes that do not listen on the network. */
const LOCAL_SCHEMES = ['unix://', 'fd://', 'npipe://'] as const;

export function isNetworkHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  return h !== '' && !LOCAL_SCHEMES.some((s) => h.startsWith(s));
}

export const daemonTcpWithoutTls: Rule<DaemonDoc> = {
  id: 'SK-DAEMON-0003',
  kind: 'daemon-json',
  title: 'Daemon listens on TCP without TLS client verification',
  severity: 'CRITICAL',
  description: 'Whoever can reach a TCP socket of the Docker API controls the host. Without `tlsverify` the daemon accepts any client, and without `tls` the traffic is in clear.',
  remediation: 'Set `"tls": true`, `"tlsverify": true`, `tlscacert`, `tlscert` and `tlskey`, or listen only on the Unix socket (and use SSH for remote access).',
  references: ['https://docs.docker.com/engine/security/protect-access/'],
  frameworks: ['nist-800-190:4.3.2', 'nist-800-190:4.5.4', 'cis-docker:2.7', 'stride:S'],
  check(doc) {
    const hosts = doc.config.hosts;
    const list = Array.isArray(hosts) ? hosts : typeof hosts === 'string' ? [hosts] : [];
    const network = list.filter((h): h is string => typeof h === 'string' && isNetworkHost(h));
    if (network.length === 0) return [];
    // dockerd: --tlsverify implies --tls.
    if (doc.config.tlsverify === true) return [];
    const missing = doc.config.tls === true ? 'tlsverify is not true' : 'tls and tlsverify are not true';
    return [daemonViolation(doc, ['hosts'], `daemon listens on ${network.join(', ')} but ${missing}`)];
  },
};
