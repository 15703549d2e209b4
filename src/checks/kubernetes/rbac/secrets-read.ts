/** RBAC read access to Secrets. */
import type { Rule, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { placed } from '../hardening/common.js';
import { grantsVerb, namedResources, policyRules } from './common.js';

export const rbacSecretsReadRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0022',
  kind: 'kubernetes',
  title: 'RBAC role can read Secrets',
  severity: 'HIGH',
  description:
    'get, list or watch on secrets hands over every credential in scope: service account tokens, TLS keys, registry passwords. `list` and `watch` return the contents too, not only names. (A `*` resource is reported by the wildcard rule.)',
  remediation: 'Drop read access to secrets, or restrict it with resourceNames to the specific Secrets the workload needs, in a Role rather than a ClusterRole.',
  references: ['https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets'],
  frameworks: ['nist-800-190:4.3.1', 'cis-k8s:5.1.2', 'nsa-k8s:rbac', 'stride:I'],
  check(doc) {
    const violations: RuleViolation[] = [];
    for (const rule of policyRules(doc.object)) {
      if (namedResources(rule, ['secrets'], ['']).length === 0) continue;
      const verbs = grantsVerb(rule, ['get', 'list', 'watch']);
      if (verbs.length === 0) continue;
      violations.push(placed(doc, [...rule.path, 'resources'], { reason: `${rule.roleName} grants ${verbs.join(', ')} on secrets`, resource: rule.roleName }));
    }
    return violations;
  },
};
