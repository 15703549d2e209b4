import type { ApiRule } from './api-rule.js';

export const readOnlyUser: ApiRule = {
  id: 'SK-AUTHZ-0006',
  kind: 'docker-api',
  groups: ['authz'],
  title: 'Read-only user changes engine state',
  severity: 'HIGH',
  description:
    'Docker\'s own access control is all or nothing: whoever reaches the API is root on the host. Users listed in `readOnlyUsers` (monitoring, inventory, log shippers) may list and inspect but not create, start, exec, pull, delete or change anything.',
  remediation: 'Give the user a certificate of a user allowed to make changes, or remove the user from readOnlyUsers.',
  references: ['https://docs.docker.com/engine/extend/plugins_authorization/', 'https://docs.docker.com/engine/security/protect-access/'],
  frameworks: ['nist-800-190:4.3.2', 'nist-800-190:4.4.1', 'stride:E'],
  check(call, context) {
    if (call.user === undefined || !context.settings.readOnlyUsers?.includes(call.user)) return [];
    if (call.method === 'GET' || call.method === 'HEAD') return [];
    return [{ reason: `user ${call.user} may only read, and ${call.method} ${call.path} changes engine state` }];
  },
};
