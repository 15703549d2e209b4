/** CIS Docker 4.8: do not add setuid/setgid binaries. */
import type { Rule, RuleViolation } from '../../rule.js';
import { stageName, type DockerfileDoc } from '../parse.js';
import { runCommands } from '../shell.js';
import { chmodModes } from '../chmod-mode.js';

export const setuidChmod: Rule<DockerfileDoc> = {
  id: 'SK-DF-0012',
  kind: 'dockerfile',
  title: 'chmod sets setuid or setgid',
  severity: 'MEDIUM',
  description:
    'A setuid or setgid file runs with its owner\'s or group\'s privileges whoever starts it. Adding one in the ' +
    'image hands any process in the container a privilege-escalation step, usually to root.',
  remediation: 'Drop the s bit (`chmod u-s,g-s`), grant a capability to the binary only if truly required, or run the program as the needed user directly.',
  references: ['https://man7.org/linux/man-pages/man1/chmod.1.html'],
  frameworks: ['nist-800-190:4.1.2', 'cis-docker:4.8', 'stride:E'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const stage of doc.stages) {
      for (const instr of stage.instructions) {
        if (instr.keyword !== 'RUN') continue;
        const mode = chmodModes(runCommands(instr)).find((m) => m.setsSetuidOrSetgid);
        if (mode) out.push({ reason: `chmod ${mode.text} sets the setuid/setgid bit`, resource: stageName(stage), position: instr.position });
      }
    }
    return out;
  },
};
