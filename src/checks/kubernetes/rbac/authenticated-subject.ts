/** Bindings to the group of every authenticated identity. */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { subjectNamedCheck } from './common.js';

export const rbacAuthenticatedSubjectRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0027',
  kind: 'kubernetes',
  title: 'Binding grants rights to every authenticated user',
  severity: 'HIGH',
  description:
    'The group system:authenticated holds every identity the cluster accepts, including every service account token in every namespace and, with some identity providers, any account of that provider. Binding a role to it gives the role to all of them.',
  remediation: 'Bind the role to named users, groups or service accounts instead of system:authenticated.',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings'],
  frameworks: ['nist-800-190:4.3.1', 'nsa-k8s:rbac', 'stride:E', 'stride:I'],
  check: subjectNamedCheck(['system:authenticated']),
};
