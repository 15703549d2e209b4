/** RBAC rules: failing and passing fixtures; expected lines found by searching the fixture text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { lineOf, run } from '../hardening/hardening.test.js';
import { RBAC_RULES } from './index.js';

function rule(id: string): Rule<KubernetesDocument> {
  const found = RBAC_RULES.find((r) => r.id === id);
  assert.ok(found, id);
  return found;
}

const BAD = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: deployer
rules:
- apiGroups: ['argoproj.io']
  resources: ['*']
  verbs: [get, list, watch, create, update, delete]
- apiGroups: ['']
  resources: [secrets, configmaps]
  verbs: [get, list]
- apiGroups: ['']
  resources: [pods/exec]
  verbs: [create]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [patch]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles]
  verbs: [bind, escalate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: everyone
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- kind: Group
  name: system:unauthenticated
- kind: Group
  name: system:authenticated
`;

const GOOD = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: shop
rules:
- apiGroups: ['']
  resources: [configmaps, pods]
  verbs: [get, list, create]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: shop
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- kind: ServiceAccount
  name: web
  namespace: shop
`;

const EXPECT: Record<string, { needle: string; after?: string }[]> = {
  'SK-K8S-0020': [{ needle: "resources: ['*']" }],
  'SK-K8S-0021': [{ needle: 'verbs: [bind, escalate]' }],
  'SK-K8S-0022': [{ needle: 'resources: [secrets' }],
  'SK-K8S-0023': [{ needle: 'resources: [pods/exec]' }],
  'SK-K8S-0024': [{ needle: 'resources: [deployments]' }],
  'SK-K8S-0025': [{ needle: 'roleRef:' }],
  'SK-K8S-0026': [{ needle: 'name: system:unauthenticated' }],
  'SK-K8S-0027': [{ needle: 'name: system:authenticated' }],
};

for (const [id, expected] of Object.entries(EXPECT)) {
  test(`${id} fails and passes`, () => {
    const v = run(rule(id), BAD);
    assert.deepEqual(
      v.map((x) => x.position?.line),
      expected.map((e) => lineOf(BAD, e.needle, e.after)),
    );
    for (const x of v) assert.ok(x.resource, 'names the role or binding');
    assert.deepEqual(run(rule(id), GOOD), []);
  });
}

test('a wildcard rule is reported once, not per verb; bindings name their subjects', () => {
  assert.equal(run(rule('SK-K8S-0020'), BAD).length, 1);
  const admin = run(rule('SK-K8S-0025'), BAD)[0];
  assert.match(admin?.reason ?? '', /Group system:unauthenticated, Group system:authenticated/);
  assert.equal(rule('SK-K8S-0026').severity, 'CRITICAL');
});

test('workload create is only a ClusterRole finding', () => {
  const role = BAD.replace('kind: ClusterRole\n', 'kind: Role\n');
  assert.deepEqual(run(rule('SK-K8S-0024'), role), []);
});
