import type { ApiRule } from './api-rule.js';
import type { RuleViolation } from '../../../checks/rule.js';
import { evaluateTrust } from '../../../trust/policy.js';

export const untrustedImage: ApiRule = {
  id: 'SK-AUTHZ-0003',
  kind: 'docker-api',
  groups: ['authz', 'trust'],
  title: 'Image outside the trust policy pulled, run, imported or renamed',
  severity: 'HIGH',
  description:
    'The trust policy in stockade.yaml (`trust`: registries, digest pinning, forbidden tags, age, signatures) says which images may run. The plugin applies it to every way an image reaches a container through the API: a pull, the image of a new container, an import from a tarball or URL (which has no registry at all), and a tag that would give an untrusted image a trusted name. Nothing is reported until `trust` is set.',
  remediation: 'Pull from a trusted registry, pinned by digest where the policy asks for it; mirror and scan outside images before use; build from trusted bases instead of importing.',
  references: ['https://csrc.nist.gov/pubs/sp/800/190/final', 'https://docs.docker.com/engine/security/trust/'],
  frameworks: ['nist-800-190:4.2.1', 'nist-800-190:4.3.1', 'stride:S', 'stride:T'],
  check(call, context) {
    const policy = context.trust;
    if (!policy) return [];
    const out: RuleViolation[] = [];
    if (call.importsImage && policy.registries) {
      out.push({ reason: `image import (fromSrc) brings in an image from no registry; trusted registries are ${policy.registries.join(', ')}` });
    }
    for (const image of call.images) {
      const facts = { now: context.now, ...context.trustFacts.get(image) };
      for (const r of evaluateTrust(image, policy, facts)) {
        if (!r.ok) out.push({ reason: `image ${image}: ${r.message}` });
      }
    }
    return out;
  },
};
