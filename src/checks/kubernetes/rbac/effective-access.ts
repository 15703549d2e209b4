/**
 * Who gets what: joins every RoleBinding/ClusterRoleBinding of the run to the Role or
 * ClusterRole it grants (RBAC looks roles up by name: a RoleBinding's Role in the
 * binding's namespace, a ClusterRole cluster-wide) and reports each subject that ends
 * up with a powerful permission, naming the binding and the role it came through.
 * The per-role rules say a role is dangerous; this one says who holds it.
 */
import type { RuleViolation } from '../../rule.js';
import type { SetRule } from '../segmentation/network-policy-coverage.js';
import { asString } from '../pss/check.js';
import { bindings, describeSubject, policyRules, type PlacedPolicyRule } from './common.js';
import { pushTo } from '../../../core/multimap.js';

/** Permissions that let their holder take over a namespace or the cluster, in words. */
function powers(rules: readonly PlacedPolicyRule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) {
    const verbs = new Set(r.verbs);
    const any = (...v: string[]) => verbs.has('*') || v.some((x) => verbs.has(x));
    const on = (...res: string[]) => r.resources.includes('*') || res.some((x) => r.resources.includes(x));
    const core = r.apiGroups.includes('') || r.apiGroups.includes('*');
    if (verbs.has('*') && r.resources.includes('*')) out.add('every verb on every resource');
    if (core && on('secrets') && any('get', 'list', 'watch')) out.add('read secrets');
    if (core && on('pods/exec', 'pods/attach') && any('create', 'get')) out.add('exec into pods');
    if (any('escalate', 'bind', 'impersonate')) out.add(`${['escalate', 'bind', 'impersonate'].filter((v) => verbs.has(v) || verbs.has('*')).join('/')} (privilege escalation)`);
    if (core && on('pods') && any('create')) out.add('create pods (can run privileged pods and read any mounted secret)');
    if (on('nodes/proxy') && any('get', 'create')) out.add('proxy to kubelets');
  }
  return [...out].sort();
}

export const effectiveAccessRule: SetRule = {
  id: 'SK-K8S-0028',
  kind: 'kubernetes',
  title: 'Subject is granted powerful permissions',
  severity: 'HIGH',
  description:
    'Following each binding to the role it grants, this subject ends up able to read secrets, exec into pods, create pods, escalate or impersonate, or do everything. Each of those is enough to take over what the role covers; it should be held by as few identities as possible, and knowingly.',
  remediation: 'Bind the subject to a narrower role that lists only the verbs and resources it needs; keep powerful roles for break-glass identities and review who holds them.',
  references: ['https://kubernetes.io/docs/concepts/security/rbac-good-practices/'],
  frameworks: ['nist-800-190:4.3.1', 'cis-k8s:5.1.1', 'nsa-k8s:authentication-authorization', 'stride:E'],
  checkAll(docs) {
    // Roles by (namespace, name) and cluster roles by name, across all files.
    const roles = new Map<string, PlacedPolicyRule[]>();
    for (const d of docs) {
      for (const r of policyRules(d.object)) {
        const meta = r.role.object['metadata'] as Record<string, unknown> | undefined;
        const ns = asString(meta?.['namespace']) || 'default';
        const key = r.role.kind === 'ClusterRole' ? `ClusterRole/${r.role.name}` : `Role/${ns}/${r.role.name}`;
        pushTo(roles, key, r);
      }
    }
    const out: Array<RuleViolation & { file: string }> = [];
    for (const d of docs) {
      for (const b of bindings(d.object)) {
        const refKind = asString(b.roleRef?.['kind']);
        const refName = asString(b.roleRef?.['name']);
        const meta = b.binding.object['metadata'] as Record<string, unknown> | undefined;
        const ns = asString(meta?.['namespace']) || 'default';
        const granted = roles.get(refKind === 'ClusterRole' ? `ClusterRole/${refName}` : `Role/${ns}/${refName}`);
        // cluster-admin is built in and not in the manifests: its own rule reports it.
        if (!granted) continue;
        const p = powers(granted);
        if (p.length === 0) continue;
        const scope = b.binding.kind === 'ClusterRoleBinding' ? 'cluster-wide' : `in namespace ${ns}`;
        for (const s of b.subjects) {
          const v: RuleViolation & { file: string } = {
            reason: `${describeSubject(s)} can ${p.join(', ')} ${scope}`,
            detail: `through ${b.bindingName} -> ${refKind}/${refName}`,
            resource: b.bindingName,
            file: d.file,
          };
          const pos = d.position([...b.binding.path, 'subjects', s.index, 'name']);
          if (pos) v.position = pos;
          out.push(v);
        }
      }
    }
    return out;
  },
};
