/** RBAC create on pods/exec and pods/attach. */
import type { Rule, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { placed } from '../hardening/common.js';
import { grantsVerb, namedResources, policyRules } from './common.js';

export const rbacExecAttachRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0023',
  kind: 'kubernetes',
  title: 'RBAC role can exec into or attach to pods',
  severity: 'HIGH',
  description:
    'create on pods/exec or pods/attach opens a shell (or the main process\'s terminal) in any pod in scope, with that pod\'s service account token, mounted secrets and privileges.',
  remediation: 'Remove create on pods/exec and pods/attach from roles used by people and workloads day to day; grant it just in time, namespaced, to named operators.',
  references: ['https://kubernetes.io/docs/concepts/security/rbac-good-practices/#workload-creation'],
  frameworks: ['nist-800-190:4.3.1', 'nsa-k8s:rbac', 'stride:E'],
  check(doc) {
    const violations: RuleViolation[] = [];
    for (const rule of policyRules(doc.object)) {
      const resources = namedResources(rule, ['pods/exec', 'pods/attach'], ['']);
      if (resources.length === 0) continue;
      const verbs = grantsVerb(rule, ['create']);
      if (verbs.length === 0) continue;
      violations.push(placed(doc, [...rule.path, 'resources'], { reason: `${rule.roleName} grants ${verbs.join(', ')} on ${resources.join(', ')}`, resource: rule.roleName }));
    }
    return violations;
  },
};
