/** Objects placed in the `default` namespace. */
import type { Rule, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { objectsOf, placed, resourceName } from './common.js';
import { isNamespacedKind, namespaceOf } from './namespaces.js';

export const defaultNamespaceRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0004',
  kind: 'kubernetes',
  title: 'Object in the default namespace',
  severity: 'MEDIUM',
  description:
    'Namespaces are the unit RBAC, network policies, quotas and Pod Security admission apply to. Workloads dropped in `default` share it with everything else nobody placed deliberately, and usually get none of those boundaries.',
  remediation: 'Create a namespace per application or team and set metadata.namespace to it; keep `default` empty.',
  references: ['https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/'],
  frameworks: ['nist-800-190:4.3.3', 'cis-k8s:5.7.4', 'nsa-k8s:namespaces', 'stride:E'],
  check(doc) {
    const violations: RuleViolation[] = [];
    for (const item of objectsOf(doc.object)) {
      if (!isNamespacedKind(item.kind) || namespaceOf(item.object) !== 'default') continue;
      violations.push(
        placed(doc, [...item.path, 'metadata', 'namespace'], { reason: `${item.kind} is in the "default" namespace`, resource: resourceName(item.kind, item.name) }),
      );
    }
    return violations;
  },
};
