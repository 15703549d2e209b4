/** Containers whose root filesystem is writable. */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { containersOf } from '../pss/check.js';
import { checkPodTemplates, type PodFinding } from './common.js';

export const readOnlyRootFilesystemRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0002',
  kind: 'kubernetes',
  title: 'Root filesystem is writable',
  severity: 'MEDIUM',
  description:
    'Unless securityContext.readOnlyRootFilesystem is true, a compromised process can rewrite binaries, drop tools and persist changes inside the container, and the container drifts from the image that was scanned.',
  remediation: 'Set securityContext.readOnlyRootFilesystem: true on every container and mount an emptyDir volume at the few paths the application must write to (e.g. /tmp).',
  references: [
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
    'https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF',
  ],
  frameworks: ['nist-800-190:4.4.4', 'nsa-k8s:immutable-container-filesystems', 'stride:T'],
  check(doc) {
    return checkPodTemplates(doc, (template) => {
      const findings: PodFinding[] = [];
      for (const visited of containersOf(template.podSpec)) {
        const value = visited.securityContext?.readOnlyRootFilesystem;
        if (value === true) continue;
        const podPath =
          value !== undefined ? [...visited.path, 'securityContext', 'readOnlyRootFilesystem'] : visited.securityContext ? [...visited.path, 'securityContext'] : visited.path;
        const why = value === undefined ? 'is not set' : `is ${JSON.stringify(value)}`;
        findings.push({ reason: `container ${JSON.stringify(visited.name)}: securityContext.readOnlyRootFilesystem ${why}`, podPath });
      }
      return findings;
    });
  },
};
