/** Bindings to the built-in anonymous identities. */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { subjectNamedCheck } from './common.js';

export const rbacAnonymousSubjectRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0026',
  kind: 'kubernetes',
  title: 'Binding grants rights to anonymous users',
  severity: 'CRITICAL',
  description:
    'A subject system:anonymous or system:unauthenticated gives the bound role to any client that reaches the API server without credentials, which on many clusters includes the Internet.',
  remediation: 'Remove the subject; bind the role to the specific users, groups or service accounts that need it, and run the API server with --anonymous-auth=false where possible.',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests'],
  frameworks: ['nist-800-190:4.3.1', 'nsa-k8s:rbac', 'stride:E', 'stride:I'],
  check: subjectNamedCheck(['system:anonymous', 'system:unauthenticated']),
};
