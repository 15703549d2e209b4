/** Namespaced objects that name no namespace. */
import type { Rule, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { objectsOf, placed, resourceName } from './common.js';
import { isNamespacedKind, namespaceOf } from './namespaces.js';

export const noNamespaceRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0005',
  kind: 'kubernetes',
  title: 'Object names no namespace',
  severity: 'LOW',
  description:
    'An object without metadata.namespace lands in whatever namespace the kubectl context (or the -n flag, or the deploying tool) selects, which is `default` unless someone remembered otherwise. ' +
    'Manifests meant to be applied with -n are fine; the finding is a reminder that the namespace is decided outside the file.',
  remediation: 'Set metadata.namespace explicitly, or make sure the deploying tool (kubectl -n, Kustomize namespace:, Helm --namespace) always sets a dedicated namespace.',
  references: ['https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/'],
  frameworks: ['nist-800-190:4.3.3', 'cis-k8s:5.7.4', 'nsa-k8s:namespaces', 'stride:E'],
  check(doc) {
    const violations: RuleViolation[] = [];
    for (const item of objectsOf(doc.object)) {
      if (!isNamespacedKind(item.kind) || namespaceOf(item.object) !== undefined) continue;
      violations.push(
        placed(doc, [...item.path, 'metadata'], {
          reason: `${item.kind} sets no metadata.namespace; it goes wherever the kubectl context points`,
          resource: resourceName(item.kind, item.name),
        }),
      );
    }
    return violations;
  },
};
