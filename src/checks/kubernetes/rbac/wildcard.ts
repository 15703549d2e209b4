/** RBAC rules granting `*` verbs, resources or API groups. */
import type { Rule, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { placed } from '../hardening/common.js';
import { policyRules } from './common.js';

const FIELDS = ['verbs', 'resources', 'apiGroups', 'nonResourceURLs'] as const;

export const rbacWildcardRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0020',
  kind: 'kubernetes',
  title: 'RBAC rule uses a wildcard',
  severity: 'HIGH',
  description:
    'A `*` in verbs, resources or apiGroups grants everything that exists now and everything added later: new resource types, subresources such as pods/exec, and custom resources installed by operators. The grant quietly grows with the cluster.',
  remediation: 'List the verbs, resources and API groups the subject actually needs; derive them from audit logs or tools such as audit2rbac.',
  references: ['https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege'],
  frameworks: ['nist-800-190:4.3.1', 'cis-k8s:5.1.3', 'nsa-k8s:rbac', 'stride:E'],
  check(doc) {
    const violations: RuleViolation[] = [];
    for (const rule of policyRules(doc.object)) {
      const wild = FIELDS.filter((field) => rule[field].includes('*'));
      const first = wild[0];
      if (first === undefined) continue;
      violations.push(
        placed(doc, [...rule.path, first], { reason: `${rule.roleName} grants "*" in ${wild.join(', ')}`, resource: rule.roleName }),
      );
    }
    return violations;
  },
};
