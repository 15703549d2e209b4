import type { Rule } from '../../rule.js';
import type { ImageConfigDoc } from '../document.js';

export const imageUserRootRule: Rule<ImageConfigDoc> = {
  id: 'SK-IMG-0001',
  kind: 'image-config',
  title: 'Image runs as root',
  severity: 'MEDIUM',
  description:
    'The image configuration sets no User, or sets root (0). A process that breaks out of its container, or abuses a kernel flaw, starts with root privileges; most applications do not need them.',
  remediation: 'Create an unprivileged user in the Dockerfile and end the final stage with `USER <name or uid>`; grant only the capabilities the process needs.',
  references: ['https://docs.docker.com/build/building/best-practices/#user'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:4.1', 'stride:E'],
  check(doc) {
    const user = String(doc.info.config?.['User'] ?? '').trim();
    const name = user.split(':')[0] ?? '';
    if (user === '' || name === 'root' || name === '0') {
      return [{ reason: user === '' ? 'no User is set, so the container runs as root' : `User is ${JSON.stringify(user)}`, resource: 'config.User' }];
    }
    return [];
  },
};
