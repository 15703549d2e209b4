/** Images referenced by `:latest` or by no tag at all. */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { asString, containersOf } from '../pss/check.js';
import { checkPodTemplates, type PodFinding } from './common.js';
import { parseImageReference } from './image-reference.js';

export const imageLatestTagRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0006',
  kind: 'kubernetes',
  title: 'Image uses the latest tag or no tag',
  severity: 'MEDIUM',
  description:
    'An image with no tag means `:latest`, and `:latest` moves: nodes may run different builds of the same pod, a rollback cannot return to the previous build, and the image that was scanned is not necessarily the one that runs. Images pinned by digest are not reported.',
  remediation: 'Reference a specific version tag, or better an immutable digest (name@sha256:...), and update it deliberately.',
  references: ['https://kubernetes.io/docs/concepts/containers/images/#image-names'],
  frameworks: ['nist-800-190:4.1.4', 'nsa-k8s:image-scanning', 'stride:T'],
  check(doc) {
    return checkPodTemplates(doc, (template) => {
      const findings: PodFinding[] = [];
      for (const visited of containersOf(template.podSpec)) {
        const image = asString(visited.container.image);
        if (image === '') continue;
        const ref = parseImageReference(image);
        if (ref.digest !== undefined) continue;
        if (ref.tag !== undefined && ref.tag !== 'latest') continue;
        const what = ref.tag === undefined ? 'has no tag (so it means :latest)' : 'uses the :latest tag';
        findings.push({ reason: `container ${JSON.stringify(visited.name)} image ${JSON.stringify(image)} ${what}`, podPath: [...visited.path, 'image'] });
      }
      return findings;
    });
  },
};
