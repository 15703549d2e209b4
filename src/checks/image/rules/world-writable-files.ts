import type { Rule } from '../../rule.js';
import type { ImageConfigDoc } from '../document.js';

export const imageWorldWritableRule: Rule<ImageConfigDoc> = {
  id: 'SK-IMG-0007',
  kind: 'image-config',
  title: 'World-writable files in the image',
  severity: 'MEDIUM',
  description:
    'Regular files anyone may write let any user in the container change code or configuration another process trusts, turning a foothold as one user into tampering with everything that reads them.',
  remediation: 'Fix the permissions in the Dockerfile (`chmod o-w`), ideally where the files are created; mount writable data as volumes instead.',
  references: ['https://docs.docker.com/build/building/best-practices/'],
  frameworks: ['nist-800-190:4.4.3', 'stride:T'],
  check(doc) {
    if (doc.worldWritable.length === 0) return [];
    const shown = doc.worldWritable.slice(0, 10).map((f) => `${f.path} (${(f.mode & 0o7777).toString(8)}, layer ${f.layer})`);
    return [{ reason: `${doc.worldWritable.length} world-writable file(s) in the final filesystem`, detail: shown.join(', ') + (doc.worldWritable.length > 10 ? ', ...' : ''), resource: 'filesystem' }];
  },
};
