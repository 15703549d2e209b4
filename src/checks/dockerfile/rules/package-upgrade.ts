/** CIS Docker 4.7: distribution upgrades inside a Dockerfile. */
import type { Rule, RuleViolation } from '../../rule.js';
import { stageName, type DockerfileDoc } from '../parse.js';
import { programOf, runCommands } from '../shell.js';
import { subcommand } from './package-cache-left.js';

const UPGRADES: Record<string, readonly string[]> = {
  'apt-get': ['upgrade', 'dist-upgrade', 'full-upgrade'],
  apt: ['upgrade', 'dist-upgrade', 'full-upgrade'],
  'aptitude': ['upgrade', 'safe-upgrade', 'full-upgrade', 'dist-upgrade'],
  apk: ['upgrade'],
};

export const packageUpgrade: Rule<DockerfileDoc> = {
  id: 'SK-DF-0007',
  kind: 'dockerfile',
  title: 'Whole-distribution upgrade in a RUN',
  severity: 'LOW',
  description:
    '`apt-get upgrade`, `dist-upgrade` and `apk upgrade` pull whatever versions the mirror has at build time, so ' +
    'two builds of the same Dockerfile differ and the layer cache may freeze an old upgrade for months. ' +
    'Security fixes belong in a rebuilt, newer base image.',
  remediation: 'Remove the upgrade; rebuild on a current base image tag instead, and install only the packages you need with pinned versions.',
  references: ['https://docs.docker.com/build/building/best-practices/#apt-get'],
  frameworks: ['nist-800-190:4.1.1', 'cis-docker:4.7', 'stride:T'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const stage of doc.stages) {
      for (const instr of stage.instructions) {
        if (instr.keyword !== 'RUN') continue;
        for (const c of runCommands(instr)) {
          const { program, args } = programOf(c);
          const sub = subcommand(args);
          if (UPGRADES[program]?.includes(sub)) {
            out.push({ reason: `${program} ${sub} upgrades the whole distribution at build time`, resource: stageName(stage), position: instr.position });
            break;
          }
        }
      }
    }
    return out;
  },
};
