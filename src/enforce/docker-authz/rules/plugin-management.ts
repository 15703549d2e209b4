import type { ApiRule } from './api-rule.js';

/** Plugin calls that install, reconfigure, replace, switch off or remove a plugin. */
const MANAGING = new Set(['pull', 'create', 'disable', 'set', 'upgrade', 'remove', 'unknown']);

export const pluginManagement: ApiRule = {
  id: 'SK-AUTHZ-0001',
  kind: 'docker-api',
  groups: ['authz'],
  title: 'Engine plugin installed, changed, disabled or removed through the API',
  severity: 'CRITICAL',
  description:
    'Whoever may manage plugins may switch off the authorization plugin itself (`docker plugin disable`), replace it (`upgrade`), give a plugin host mounts, devices and capabilities (`set`, `pull`, `create`), or remove it: every other rule then stops applying. Plugin management belongs to the host administrator, not to API clients.',
  remediation: 'Manage plugins on the host (or through configuration management), not through the Engine API; grant an exception to an administrator user only for a maintenance window.',
  references: ['https://docs.docker.com/engine/extend/plugins_authorization/', 'https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Plugin'],
  frameworks: ['nist-800-190:4.3.4', 'nist-800-190:4.4.1', 'stride:T', 'stride:E'],
  check(call) {
    if (call.endpoint.kind !== 'plugin' || !MANAGING.has(call.endpoint.action)) return [];
    const what = call.endpoint.name ? `plugin ${call.endpoint.name}` : 'a plugin';
    return [{ reason: `${call.method} ${call.path} would ${call.endpoint.action === 'unknown' ? 'change' : call.endpoint.action} ${what}` }];
  },
};
