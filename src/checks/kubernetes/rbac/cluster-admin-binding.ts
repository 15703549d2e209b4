/** Bindings that grant cluster-admin. */
import type { Rule, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { asString } from '../pss/check.js';
import { placed } from '../hardening/common.js';
import { bindings, describeSubject } from './common.js';

export const rbacClusterAdminBindingRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0025',
  kind: 'kubernetes',
  title: 'Binding grants cluster-admin',
  severity: 'HIGH',
  description:
    'cluster-admin is unrestricted superuser access (every verb on every resource). Through a ClusterRoleBinding it covers the whole cluster; through a RoleBinding, everything in the namespace including its RBAC.',
  remediation: 'Bind a role that lists only the permissions the subject needs; keep cluster-admin for break-glass accounts outside day-to-day use.',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles'],
  frameworks: ['nist-800-190:4.3.1', 'cis-k8s:5.1.1', 'nsa-k8s:rbac', 'stride:E'],
  check(doc) {
    const violations: RuleViolation[] = [];
    for (const binding of bindings(doc.object)) {
      if (asString(binding.roleRef?.kind) !== 'ClusterRole' || asString(binding.roleRef?.name) !== 'cluster-admin') continue;
      const who = binding.subjects.length > 0 ? binding.subjects.map(describeSubject).join(', ') : 'no subjects';
      violations.push(
        placed(doc, [...binding.binding.path, 'roleRef', 'name'], { reason: `${binding.bindingName} grants cluster-admin to ${who}`, resource: binding.bindingName }),
      );
    }
    return violations;
  },
};
