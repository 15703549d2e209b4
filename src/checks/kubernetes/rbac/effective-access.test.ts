// Who gets what, across files, with RBAC's lookup rules as the Kubernetes RBAC
// documentation states them: a RoleBinding finds its Role in the binding's own
// namespace; a ClusterRoleBinding grants a ClusterRole cluster-wide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTERS, KUBERNETES_SET_RULES } from '../../index.js';
import { runConfigChecks } from '../../run-config.js';

const ROLES = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: team-a}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: debugger}
rules:
- apiGroups: [""]
  resources: [pods/exec]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: viewer}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
`;

const BINDINGS = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-binding, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- kind: ServiceAccount
  name: app
  namespace: team-a
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: wrong-namespace, namespace: team-b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- kind: ServiceAccount
  name: other
  namespace: team-b
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: oncall}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: debugger}
subjects:
- kind: Group
  name: oncall-engineers
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: viewers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: viewer}
subjects:
- kind: Group
  name: everyone-reads
`;

test('effective access: subjects joined to the roles their bindings grant, across files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-rbac-'));
  writeFileSync(join(dir, 'roles.yaml'), ROLES);
  writeFileSync(join(dir, 'bindings.yaml'), BINDINGS);
  const r = await runConfigChecks([dir], { adapters: ADAPTERS, maxFileBytes: 1 << 20, setRules: KUBERNETES_SET_RULES });
  const found = (r.misconfigurations ?? []).filter((f) => f.ruleId === 'SK-K8S-0028');
  assert.deepEqual(found.map((f) => f.message).sort(), [
    'Group oncall-engineers can exec into pods cluster-wide (through ClusterRoleBinding/oncall -> ClusterRole/debugger)',
    'ServiceAccount team-a/app can read secrets in namespace team-a (through RoleBinding/reader-binding -> Role/reader)',
  ]);
  const sa = found.find((f) => f.message.includes('team-a/app'));
  assert.equal(sa?.file.endsWith('bindings.yaml'), true);
  assert.equal(sa?.line, BINDINGS.split('\n').findIndex((l) => l.includes('name: app')) + 1);
});
