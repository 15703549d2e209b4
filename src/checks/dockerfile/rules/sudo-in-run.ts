/** sudo in a RUN: privilege juggling inside the image build. */
import type { Rule, RuleViolation } from '../../rule.js';
import { stageName, type DockerfileDoc } from '../parse.js';
import { leadingWord, runCommands } from '../shell.js';

export const sudoInRun: Rule<DockerfileDoc> = {
  id: 'SK-DF-0011',
  kind: 'dockerfile',
  title: 'sudo used in RUN',
  severity: 'MEDIUM',
  description:
    'sudo in a Dockerfile means the image ships sudo and a sudoers policy, so a compromised unprivileged process in ' +
    'the running container has a ready path to root. Its TTY and signal handling also behave unpredictably in builds.',
  remediation: 'Run privileged steps before switching USER (or switch back with `USER root` for that step), and do not install sudo in the final image; use gosu/su-exec only for an entrypoint that drops privileges.',
  references: ['https://docs.docker.com/build/building/best-practices/#user'],
  frameworks: ['nist-800-190:4.1.2', 'stride:E'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const stage of doc.stages) {
      for (const instr of stage.instructions) {
        if (instr.keyword !== 'RUN') continue;
        if (runCommands(instr).some((c) => leadingWord(c) === 'sudo')) {
          out.push({ reason: 'RUN uses sudo', resource: stageName(stage), position: instr.position });
        }
      }
    }
    return out;
  },
};
