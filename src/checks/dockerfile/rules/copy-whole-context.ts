/** COPY . copies everything in the build context, secrets included unless .dockerignore excludes them. */
import type { Rule, RuleViolation } from '../../rule.js';
import { stageName, type DockerfileDoc } from '../parse.js';

function isWholeContext(src: string): boolean {
  return src === '.' || src === './' || src === '*' || src === './*';
}

export const copyWholeContext: Rule<DockerfileDoc> = {
  id: 'SK-DF-0014',
  kind: 'dockerfile',
  title: 'Whole build context copied into the image',
  severity: 'LOW',
  description:
    '`COPY . .` puts every file of the build context into a layer: .env files, .git, cloud credentials, SSH keys ' +
    'and local build output, unless a .dockerignore (not visible to this check) excludes them. Anything copied ' +
    'stays in the layer even if a later step deletes it.',
  remediation: 'Copy only what the build needs (`COPY package.json src/ ./`), or keep a strict .dockerignore that starts with `*` and re-includes needed paths.',
  references: ['https://docs.docker.com/build/concepts/context/#dockerignore-files'],
  frameworks: ['nist-800-190:4.1.4', 'stride:I'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const stage of doc.stages) {
      for (const instr of stage.instructions) {
        if ((instr.keyword !== 'COPY' && instr.keyword !== 'ADD') || instr.heredocs.length > 0) continue;
        if (instr.flags.some((f) => f.name === 'from')) continue;
        const src = instr.expandedArgs.slice(0, -1).find(isWholeContext);
        if (src !== undefined) out.push({ reason: `${instr.keyword} ${src} copies the whole build context`, resource: stageName(stage), position: instr.position });
      }
    }
    return out;
  },
};
