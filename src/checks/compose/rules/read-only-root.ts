import type { Rule } from '../../rule.js';
import { isTrue, serviceViolation, type ComposeDoc } from '../parse.js';

export const composeReadOnlyRoot: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0008',
  kind: 'compose',
  title: 'Service root filesystem is writable',
  severity: 'LOW',
  description:
    'A writable root filesystem lets an intruder drop tools, change binaries or persist inside the container; a read-only one confines writes to the volumes and tmpfs mounts the service declares.',
  remediation: 'Set `read_only: true` and give the paths the service writes to a volume or a `tmpfs` mount.',
  references: ['https://docs.docker.com/reference/compose-file/services/#read_only'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:5.13', 'stride:T'],
  check(doc) {
    return doc.services
      .filter((s) => !isTrue(s.value.read_only))
      .map((s) => serviceViolation(doc, s, s.value.read_only === undefined ? s.path : [...s.path, 'read_only'], `service ${s.name} does not set read_only: true`));
  },
};
