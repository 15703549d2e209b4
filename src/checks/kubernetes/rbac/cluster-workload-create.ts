/** ClusterRoles that can create or change pods and workloads in every namespace. */
import type { Rule, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { placed } from '../hardening/common.js';
import { grantsVerb, namedResources, policyRules } from './common.js';

const CORE_WORKLOADS = ['pods', 'replicationcontrollers'];
const APPS_WORKLOADS = ['deployments', 'daemonsets', 'statefulsets', 'replicasets'];
const BATCH_WORKLOADS = ['jobs', 'cronjobs'];

export const rbacClusterWorkloadCreateRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0024',
  kind: 'kubernetes',
  title: 'ClusterRole can create or change workloads',
  severity: 'MEDIUM',
  description:
    'A ClusterRole with create, update or patch on pods or pod-controlling workloads lets its subjects run any pod they like, including privileged ones with host mounts and any service account in the namespace, unless admission control stops them. Bound cluster-wide, that reaches every namespace. Controllers and CD tools need this by design: review who holds it.',
  remediation: 'Grant workload creation in namespaced Roles, only in the namespaces the subject deploys to, and enforce Pod Security admission (restricted) there.',
  references: ['https://kubernetes.io/docs/concepts/security/rbac-good-practices/#workload-creation'],
  frameworks: ['nist-800-190:4.3.1', 'cis-k8s:5.1.4', 'nsa-k8s:rbac', 'stride:E'],
  check(doc) {
    const violations: RuleViolation[] = [];
    for (const rule of policyRules(doc.object)) {
      if (rule.role.kind !== 'ClusterRole') continue;
      const resources = [
        ...namedResources(rule, CORE_WORKLOADS, ['']),
        ...namedResources(rule, APPS_WORKLOADS, ['apps', 'extensions']),
        ...namedResources(rule, BATCH_WORKLOADS, ['batch']),
      ];
      if (resources.length === 0) continue;
      const verbs = grantsVerb(rule, ['create', 'update', 'patch']);
      if (verbs.length === 0) continue;
      violations.push(placed(doc, [...rule.path, 'resources'], { reason: `${rule.roleName} grants ${verbs.join(', ')} on ${[...new Set(resources)].join(', ')}`, resource: rule.roleName }));
    }
    return violations;
  },
};
