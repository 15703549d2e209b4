/** CIS Docker 4.1: the image should name a non-root user to run as. */
import type { Rule, RuleViolation } from '../../rule.js';
import { finalStage, inheritedInstructions, stageName, type DockerfileDoc } from '../parse.js';

function isRootUser(spec: string): boolean {
  const colon = spec.indexOf(':');
  const user = colon >= 0 ? spec.slice(0, colon) : spec;
  return user === 'root' || user === '0';
}

export const userRoot: Rule<DockerfileDoc> = {
  id: 'SK-DF-0001',
  kind: 'dockerfile',
  title: 'Final stage runs as root',
  severity: 'MEDIUM',
  description:
    'The image produced by the last stage either sets USER to root (or UID 0) or never sets USER, so its ' +
    'processes start as root unless the base image chose another user. A root process that escapes the ' +
    'application has full control of the container and a shorter path to the host.',
  remediation:
    'Create an unprivileged account (e.g. `RUN useradd --uid 10001 app`) and add `USER 10001` (or the name) ' +
    'as the last USER instruction of the final stage.',
  references: ['https://docs.docker.com/reference/dockerfile/#user'],
  frameworks: ['nist-800-190:4.1.2', 'cis-docker:4.1', 'stride:E'],
  check(doc) {
    const stage = finalStage(doc);
    const users = inheritedInstructions(doc, stage).filter((i) => i.keyword === 'USER');
    const last = users[users.length - 1];
    const out: RuleViolation[] = [];
    if (!last) {
      out.push({
        reason: 'no USER instruction in the final stage: the container runs as the base image user, root by default',
        resource: stageName(stage),
        position: stage.from.position,
      });
      return out;
    }
    const spec = last.expandedArgs[0] ?? '';
    if (isRootUser(spec)) {
      out.push({ reason: `USER ${spec} makes the final stage run as root`, resource: stageName(stage), position: last.position });
    }
    return out;
  },
};
