import type { Rule } from '../../rule.js';
import type { ImageConfigDoc } from '../document.js';

export const imageNoHealthcheckRule: Rule<ImageConfigDoc> = {
  id: 'SK-IMG-0005',
  kind: 'image-config',
  title: 'Image has no HEALTHCHECK',
  severity: 'LOW',
  description:
    'The image configuration has no health check, so the engine cannot tell a hung process from a working one and will not restart or replace it; a compromised or wedged container keeps receiving traffic.',
  remediation: 'Add `HEALTHCHECK CMD <command that fails when the service is unhealthy>` to the final stage (orchestrators with their own probes may make this unnecessary).',
  references: ['https://docs.docker.com/reference/dockerfile/#healthcheck'],
  frameworks: ['nist-800-190:4.4.5', 'cis-docker:4.6', 'stride:D'],
  check(doc) {
    const hc = doc.info.config?.['Healthcheck'] as { Test?: unknown } | undefined;
    const test = Array.isArray(hc?.Test) ? hc.Test : undefined;
    if (!test || test.length === 0 || test[0] === 'NONE') return [{ reason: test?.[0] === 'NONE' ? 'HEALTHCHECK NONE disables health checking' : 'no Healthcheck in the image configuration', resource: 'config.Healthcheck' }];
    return [];
  },
};
