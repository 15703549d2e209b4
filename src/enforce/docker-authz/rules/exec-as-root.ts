import type { ApiRule } from './api-rule.js';
import { isRootUser } from '../../../checks/compose/rules/user-root.js';

export const execAsRoot: ApiRule = {
  id: 'SK-AUTHZ-0002',
  kind: 'docker-api',
  groups: ['authz'],
  title: 'Exec into a container as root',
  severity: 'HIGH',
  description:
    '`docker exec -u root` (or `-u 0`) starts a process as UID 0 inside a container that may run its own workload as an unprivileged user, undoing that choice: the new process can read every file of the container, change its binaries, and starts any escape attempt as root.',
  remediation: 'Exec as the container\'s own user (leave out `-u`) or as a named unprivileged user; debug with a separate, audited debug container where root is needed.',
  references: ['https://docs.docker.com/reference/cli/docker/container/exec/', 'https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Exec/operation/ContainerExec'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:5.24', 'stride:E'],
  check(call) {
    const user = call.exec?.user;
    if (user === undefined || !isRootUser(user)) return [];
    return [{ reason: `exec into ${call.endpoint.kind === 'exec-create' ? call.endpoint.id : 'the container'} as user ${user}` }];
  },
};
