import type { Rule } from '../../rule.js';
import { scalarText, serviceViolation, type ComposeDoc } from '../parse.js';

/** `root`, `0`, `root:...`, `0:...` */
export function isRootUser(user: string): boolean {
  const name = user.trim().split(':')[0] ?? '';
  return name === 'root' || name === '0';
}

export const composeUserRoot: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0009',
  kind: 'compose',
  title: 'Service runs as root or does not set a user',
  severity: 'LOW',
  description:
    'A service with `user: root` (or no `user`, leaving the image default, often root) runs its processes as UID 0, so any escape from the container starts as root on the host unless user namespaces remap it.',
  remediation: 'Set `user:` to a non-root UID:GID (for example `user: "10001:10001"`), or make sure the image declares a non-root USER.',
  references: ['https://docs.docker.com/reference/compose-file/services/#user'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:4.1', 'stride:E'],
  check(doc) {
    return doc.services.flatMap((s) => {
      const user = scalarText(s.value.user);
      if (user === undefined) {
        return [serviceViolation(doc, s, s.path, `service ${s.name} does not set user; it runs as the image's default user, often root`)];
      }
      if (isRootUser(user)) return [serviceViolation(doc, s, [...s.path, 'user'], `service ${s.name} runs as user ${user}`)];
      return [];
    });
  },
};
