/** Images not pinned by digest. */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { asString, containersOf } from '../pss/check.js';
import { checkPodTemplates, type PodFinding } from './common.js';
import { parseImageReference } from './image-reference.js';

export const imageDigestRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0007',
  kind: 'kubernetes',
  title: 'Image not pinned by digest',
  severity: 'LOW',
  description:
    'A tag is a mutable pointer: whoever can push to the repository can change what `app:1.4` means, and the cluster will pull the new content on the next start. A digest names exactly the content that was built, scanned and signed.',
  remediation: 'Reference images as name@sha256:<digest> (tools such as crane digest or skopeo inspect print it); keep the tag alongside for readability (name:tag@sha256:...).',
  references: ['https://kubernetes.io/docs/concepts/containers/images/#image-names'],
  frameworks: ['nist-800-190:4.2.2', 'nsa-k8s:image-scanning', 'stride:T'],
  check(doc) {
    return checkPodTemplates(doc, (template) => {
      const findings: PodFinding[] = [];
      for (const visited of containersOf(template.podSpec)) {
        const image = asString(visited.container.image);
        if (image === '' || parseImageReference(image).digest !== undefined) continue;
        findings.push({ reason: `container ${JSON.stringify(visited.name)} image ${JSON.stringify(image)} is not pinned by digest`, podPath: [...visited.path, 'image'] });
      }
      return findings;
    });
  },
};
