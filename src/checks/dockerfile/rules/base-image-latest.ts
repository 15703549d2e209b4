/** Base images named by a moving tag (`latest` or none). */
import type { Rule, RuleViolation } from '../../rule.js';
import { stageName, type DockerfileDoc } from '../parse.js';

export const baseImageLatest: Rule<DockerfileDoc> = {
  id: 'SK-DF-0003',
  kind: 'dockerfile',
  title: 'Base image uses the latest tag or no tag',
  severity: 'MEDIUM',
  description:
    'A FROM without a tag, or with `latest`, resolves to whatever the registry serves on the day of the build. ' +
    'Builds stop being reproducible, a compromised or broken push is picked up silently, and scan results ' +
    'for one build say nothing about the next.',
  remediation: 'Name an explicit version tag, and preferably pin the digest too: `FROM node:20.12-bookworm@sha256:<digest>`.',
  references: ['https://docs.docker.com/reference/dockerfile/#from'],
  frameworks: ['nist-800-190:4.2.2', 'nist-800-190:4.1.5', 'cis-docker:4.2', 'stride:T'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const stage of doc.stages) {
      if (stage.scratch || stage.fromStage !== undefined || stage.unresolved || stage.image.digest !== undefined) continue;
      const tag = stage.image.tag;
      if (tag === undefined || tag === 'latest') {
        out.push({
          reason: tag === undefined ? `base image ${stage.image.ref} has no tag (means latest)` : `base image ${stage.image.ref} uses the latest tag`,
          resource: stageName(stage),
          position: stage.from.position,
        });
      }
    }
    return out;
  },
};
