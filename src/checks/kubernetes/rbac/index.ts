/** RBAC rules: Role, ClusterRole, RoleBinding and ClusterRoleBinding objects (CIS 5.1.x). */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { rbacWildcardRule } from './wildcard.js';
import { rbacEscalationVerbsRule } from './escalation-verbs.js';
import { rbacSecretsReadRule } from './secrets-read.js';
import { rbacExecAttachRule } from './exec-attach.js';
import { rbacClusterWorkloadCreateRule } from './cluster-workload-create.js';
import { rbacClusterAdminBindingRule } from './cluster-admin-binding.js';
import { rbacAnonymousSubjectRule } from './anonymous-subject.js';
import { rbacAuthenticatedSubjectRule } from './authenticated-subject.js';

export { parseKubernetesFile } from '../document.js';

export const RBAC_RULES: readonly Rule<KubernetesDocument>[] = [
  rbacWildcardRule,
  rbacEscalationVerbsRule,
  rbacSecretsReadRule,
  rbacExecAttachRule,
  rbacClusterWorkloadCreateRule,
  rbacClusterAdminBindingRule,
  rbacAnonymousSubjectRule,
  rbacAuthenticatedSubjectRule,
];
