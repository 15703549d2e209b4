import type { Rule } from '../../rule.js';
import type { ImageConfigDoc } from '../document.js';

export const imageSetuidFilesRule: Rule<ImageConfigDoc> = {
  id: 'SK-IMG-0006',
  kind: 'image-config',
  title: 'Setuid or setgid files in the image',
  severity: 'LOW',
  description:
    'Files with the setuid or setgid bit run with their owner\'s privileges. Inside a container they are a ready-made privilege escalation path for a process that gets code execution, and few applications need them.',
  remediation: 'Remove the bits in the Dockerfile (`RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`) or run with `no-new-privileges`, which makes them inert.',
  references: ['https://docs.docker.com/build/building/best-practices/'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:4.8', 'stride:E'],
  check(doc) {
    if (doc.setuid.length === 0) return [];
    const shown = doc.setuid.slice(0, 10).map((f) => `${f.path} (${(f.mode & 0o7777).toString(8)}, layer ${f.layer})`);
    return [{ reason: `${doc.setuid.length} setuid/setgid file(s) in the final filesystem`, detail: shown.join(', ') + (doc.setuid.length > 10 ? ', ...' : ''), resource: 'filesystem' }];
  },
};
