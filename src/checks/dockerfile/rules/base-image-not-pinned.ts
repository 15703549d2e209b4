/** Base images with a version tag but no digest. */
import type { Rule, RuleViolation } from '../../rule.js';
import { stageName, type DockerfileDoc } from '../parse.js';

export const baseImageNotPinned: Rule<DockerfileDoc> = {
  id: 'SK-DF-0004',
  kind: 'dockerfile',
  title: 'Base image not pinned by digest',
  severity: 'LOW',
  description:
    'A version tag can be moved to different content by whoever controls the repository. Only a digest names ' +
    'exactly the image that was reviewed and scanned. (Untagged and `latest` images are reported by SK-DF-0003.)',
  remediation: 'Append the digest of the reviewed image: `FROM alpine:3.19@sha256:<digest>`, and let a bot such as Renovate or Dependabot update it.',
  references: ['https://docs.docker.com/reference/dockerfile/#from'],
  frameworks: ['nist-800-190:4.2.2', 'nist-800-190:4.1.5', 'cis-docker:4.2', 'stride:T'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const stage of doc.stages) {
      if (stage.scratch || stage.fromStage !== undefined || stage.unresolved || stage.image.digest !== undefined) continue;
      const tag = stage.image.tag;
      if (tag !== undefined && tag !== 'latest') {
        out.push({ reason: `base image ${stage.image.ref} is not pinned by digest`, resource: stageName(stage), position: stage.from.position });
      }
    }
    return out;
  },
};
