import type { ApiRule } from './api-rule.js';

export const uninspectableRequest: ApiRule = {
  id: 'SK-AUTHZ-0005',
  kind: 'docker-api',
  groups: ['authz'],
  title: 'Request the plugin cannot read as the daemon will',
  severity: 'CRITICAL',
  description:
    'dockerd sends the plugin the request body only when it is JSON (exact `Content-Type: application/json`), shorter than 1 MiB and of known length; it then decodes it with Go rules (keys in any case, host settings at the top level). A container create, update, exec or volume create whose body the plugin did not get (chunked, no or another Content-Type, too large), cannot parse, or could read two ways, and a form-encoded body that would override the query string, may carry anything: the plugin fails closed.',
  remediation: 'Send API bodies as `Content-Type: application/json` with a Content-Length, under 1 MiB, with each field once (the Docker CLI and SDKs do).',
  references: ['https://docs.docker.com/engine/extend/plugins_authorization/', 'https://nvd.nist.gov/vuln/detail/CVE-2024-41110'],
  frameworks: ['nist-800-190:4.4.3', 'stride:T', 'stride:E'],
  check(call) {
    return call.problems.map((p) => ({ reason: p }));
  },
};
