/** chmod 777 and friends: files anyone in the container can rewrite. */
import type { Rule, RuleViolation } from '../../rule.js';
import { stageName, type DockerfileDoc } from '../parse.js';
import { runCommands } from '../shell.js';
import { chmodModes } from '../chmod-mode.js';

export const worldWritableChmod: Rule<DockerfileDoc> = {
  id: 'SK-DF-0013',
  kind: 'dockerfile',
  title: 'chmod makes files world-writable',
  severity: 'MEDIUM',
  description:
    'Modes such as 777, 666 or a+rwx let every user in the container, including a compromised unprivileged ' +
    'service, replace binaries, scripts or configuration that other (possibly privileged) processes trust. ' +
    'Directories with the sticky bit (1777, like /tmp) are not reported.',
  remediation: 'Give ownership to the user that needs to write (`COPY --chown=app`, `chown app`) and use 755/644 (or 775 with a dedicated group).',
  references: ['https://man7.org/linux/man-pages/man1/chmod.1.html'],
  frameworks: ['nist-800-190:4.1.2', 'stride:T'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const stage of doc.stages) {
      for (const instr of stage.instructions) {
        if (instr.keyword !== 'RUN') continue;
        const mode = chmodModes(runCommands(instr)).find((m) => m.worldWritable);
        if (mode) out.push({ reason: `chmod ${mode.text} makes files writable by every user`, resource: stageName(stage), position: instr.position });
      }
    }
    return out;
  },
};
