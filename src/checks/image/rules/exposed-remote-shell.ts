import type { Rule } from '../../rule.js';
import type { ImageConfigDoc } from '../document.js';

const REMOTE_SHELL: Record<string, string> = { '22': 'SSH', '23': 'telnet' };

export const imageExposedRemoteShellRule: Rule<ImageConfigDoc> = {
  id: 'SK-IMG-0004',
  kind: 'image-config',
  title: 'Image exposes a remote shell port',
  severity: 'MEDIUM',
  description:
    'The image declares port 22 (SSH) or 23 (telnet). A remote shell inside a container is a second way in that bypasses the orchestrator\'s access control and audit; containers should be managed with `exec` through the API.',
  remediation: 'Remove the sshd/telnetd server and the EXPOSE line; use `kubectl exec` or `docker exec` for debugging.',
  references: ['https://docs.docker.com/reference/dockerfile/#expose'],
  frameworks: ['nist-800-190:4.4.2', 'cis-docker:5.7', 'stride:S'],
  check(doc) {
    const ports = doc.info.config?.['ExposedPorts'];
    if (!ports || typeof ports !== 'object') return [];
    return Object.keys(ports)
      .map((p) => ({ p, port: p.split('/')[0] ?? '' }))
      .filter(({ port }) => port in REMOTE_SHELL)
      .map(({ p, port }) => ({ reason: `ExposedPorts includes ${p} (${REMOTE_SHELL[port]})`, resource: 'config.ExposedPorts' }));
  },
};
