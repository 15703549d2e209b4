/** Service account tokens mounted into pods that may not need them. */
import type { Rule, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { findPodTemplates } from '../workload.js';
import { checkPodTemplates, objectsOf, placed, resourceName } from './common.js';

export const serviceAccountTokenRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0003',
  kind: 'kubernetes',
  title: 'Service account token automatically mounted',
  severity: 'LOW',
  description:
    'Unless automountServiceAccountToken is false, every container gets a token for the pod\'s service account; an attacker in the container can use it against the API server with whatever rights that account holds. ' +
    'Pods are reported when the pod spec does not set false (a pod-level setting overrides the ServiceAccount\'s), ServiceAccount objects when they do not set false.',
  remediation: 'Set automountServiceAccountToken: false on ServiceAccounts and pod specs, and mount a token (a projected serviceAccountToken volume, or true on the pod) only for workloads that call the API server.',
  references: [
    'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting',
  ],
  frameworks: ['nist-800-190:4.3.1', 'cis-k8s:5.1.6', 'nsa-k8s:service-account-tokens', 'stride:E'],
  check(doc) {
    const violations: RuleViolation[] = checkPodTemplates(doc, (template) => {
      const value = template.podSpec.automountServiceAccountToken;
      if (value === false) return [];
      const why = value === undefined ? 'is not set' : `is ${JSON.stringify(value)}`;
      return [{ reason: `pod spec automountServiceAccountToken ${why}`, podPath: value === undefined ? ['spec'] : ['spec', 'automountServiceAccountToken'] }];
    });
    for (const item of objectsOf(doc.object)) {
      if (item.kind !== 'ServiceAccount' || findPodTemplates(item.object).length > 0) continue;
      const value = item.object.automountServiceAccountToken;
      if (value === false) continue;
      const why = value === undefined ? 'is not set' : `is ${JSON.stringify(value)}`;
      const path = value === undefined ? [...item.path, 'metadata'] : [...item.path, 'automountServiceAccountToken'];
      violations.push(placed(doc, path, { reason: `ServiceAccount automountServiceAccountToken ${why}`, resource: resourceName(item.kind, item.name) }));
    }
    return violations;
  },
};
