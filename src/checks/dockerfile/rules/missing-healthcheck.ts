/** CIS Docker 4.6: the image should say how to tell it is healthy. */
import type { Rule, RuleViolation } from '../../rule.js';
import { finalStage, inheritedInstructions, stageName, type DockerfileDoc } from '../parse.js';

export const missingHealthcheck: Rule<DockerfileDoc> = {
  id: 'SK-DF-0009',
  kind: 'dockerfile',
  title: 'No HEALTHCHECK in the final stage',
  severity: 'LOW',
  description:
    'Without a HEALTHCHECK the engine only knows whether the main process is alive, not whether it serves; a hung ' +
    'or hijacked service keeps receiving traffic. A base image may define one that this Dockerfile cannot show; ' +
    '`HEALTHCHECK NONE` switches an inherited one off.',
  remediation: 'Add `HEALTHCHECK --interval=30s --timeout=3s CMD <probe>` to the final stage (or rely on orchestrator probes and record that decision).',
  references: ['https://docs.docker.com/reference/dockerfile/#healthcheck'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:4.6', 'stride:D'],
  check(doc) {
    const stage = finalStage(doc);
    const checks = inheritedInstructions(doc, stage).filter((i) => i.keyword === 'HEALTHCHECK');
    const last = checks[checks.length - 1];
    const out: RuleViolation[] = [];
    if (!last) {
      out.push({ reason: 'final stage has no HEALTHCHECK', resource: stageName(stage), position: stage.from.position });
    } else if ((last.args[0] ?? '').toUpperCase() === 'NONE') {
      out.push({ reason: 'HEALTHCHECK NONE disables health checking', resource: stageName(stage), position: last.position });
    }
    return out;
  },
};
