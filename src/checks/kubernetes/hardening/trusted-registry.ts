/** Images from registries the trust policy does not allow (only when stockade.yaml lists them). */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { asString, containersOf } from '../pss/check.js';
import { evaluateTrust } from '../../../trust/policy.js';
import { checkPodTemplates, type PodFinding } from './common.js';

export const trustedRegistryRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0029',
  kind: 'kubernetes',
  title: 'Image from a registry outside the trust policy',
  severity: 'HIGH',
  description:
    'SP 800-190 asks organisations to run only images from registries they trust: anything else may be an impostor of a known image, a typo-squatted repository, or an unscanned build. The trusted registries and repositories are listed in stockade.yaml (`trust.registries`); this rule reports nothing until they are.',
  remediation: 'Mirror the image into a trusted registry (after scanning it) and reference it there, or add the registry to trust.registries in stockade.yaml if it is one you control.',
  references: ['https://csrc.nist.gov/pubs/sp/800/190/final', 'https://kubernetes.io/docs/concepts/containers/images/'],
  frameworks: ['nist-800-190:4.2.1', 'nist-800-190:4.3.1', 'nsa-k8s:image-scanning', 'stride:S', 'stride:T'],
  check(doc, context) {
    const registries = context?.trust?.registries;
    if (!registries) return [];
    return checkPodTemplates(doc, (template) => {
      const findings: PodFinding[] = [];
      for (const visited of containersOf(template.podSpec)) {
        const image = asString(visited.container.image);
        if (image === '') continue;
        for (const r of evaluateTrust(image, { registries })) {
          if (!r.ok) findings.push({ reason: `container ${JSON.stringify(visited.name)} image ${JSON.stringify(image)}: ${r.message}`, podPath: [...visited.path, 'image'] });
        }
      }
      return findings;
    });
  },
};
