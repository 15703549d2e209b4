/** RBAC verbs that let a subject grant itself more than it has. */
import type { Rule, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { placed } from '../hardening/common.js';
import { policyRules } from './common.js';

const ESCALATION_VERBS = ['escalate', 'bind', 'impersonate'] as const;

export const rbacEscalationVerbsRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0021',
  kind: 'kubernetes',
  title: 'RBAC role grants escalate, bind or impersonate',
  severity: 'HIGH',
  description:
    '`escalate` lets a subject write roles with permissions it does not hold, `bind` lets it bind roles it does not hold, and `impersonate` lets it act as another user, group or service account. Each bypasses the RBAC privilege-escalation guard. (A `*` verb grants them too; the wildcard rule reports that.)',
  remediation: 'Remove escalate, bind and impersonate from the role; where a controller really needs bind, restrict it with resourceNames to the specific roles it may bind.',
  references: ['https://kubernetes.io/docs/concepts/security/rbac-good-practices/#escalate-verb'],
  frameworks: ['nist-800-190:4.3.1', 'cis-k8s:5.1.8', 'nsa-k8s:rbac', 'stride:E'],
  check(doc) {
    const violations: RuleViolation[] = [];
    for (const rule of policyRules(doc.object)) {
      const found = rule.verbs.filter((verb) => (ESCALATION_VERBS as readonly string[]).includes(verb));
      if (found.length === 0) continue;
      const on = rule.resources.length > 0 ? ` on ${rule.resources.join(', ')}` : '';
      violations.push(placed(doc, [...rule.path, 'verbs'], { reason: `${rule.roleName} grants ${found.join(', ')}${on}`, resource: rule.roleName }));
    }
    return violations;
  },
};
