import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluatePolicies, formatDiagnostic, loadPolicyFiles, loadPolicyTexts, type AdmissionAttributes, type LoadedPolicies } from './vap.js';

/**
 * End to end, with the examples of the Kubernetes "Validating Admission Policy" page (the
 * policies, bindings and params it ships under content/en/examples, and the responses it
 * quotes), the ValidatingAdmissionPolicy API reference, and the admission plugin's wording
 * (validating/dispatcher.go: denial, warning and audit annotation formats).
 */

function load(...texts: string[]): LoadedPolicies {
  return loadPolicyTexts(texts.map((text, i) => ({ file: `f${i}.yaml`, text })));
}

const errorsOf = (l: LoadedPolicies): string[] => l.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);

function deployment(namespace: string, replicas: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace, ...extra }, spec: { replicas, template: { spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } } };
}

const NAMESPACES = `
apiVersion: v1
kind: Namespace
metadata: {name: testing, labels: {environment: test}}
---
apiVersion: v1
kind: Namespace
metadata: {name: default, labels: {environment: prod}}
`;

// content/en/examples/validatingadmissionpolicy/basic-example-policy.yaml and basic-example-binding.yaml
const BASIC_POLICY = `---
{
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicy",
  metadata: { name: "demo-policy.example.com" },
  spec: {
    failurePolicy: "Fail",
    matchConstraints: { resourceRules: [{ apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["deployments"] }] },
    validations: [{ expression: "object.spec.replicas <= 5" }],
  },
}
`;
const BASIC_BINDING = `---
{
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicyBinding",
  metadata: { name: "demo-binding-test.example.com" },
  spec: {
    policyName: "demo-policy.example.com",
    validationActions: ["Deny"],
    matchResources: { namespaceSelector: { matchLabels: { environment: "test" } } },
  },
}
`;

test('basic example: the denial message the documentation quotes', () => {
  const loaded = load(BASIC_POLICY, BASIC_BINDING, NAMESPACES);
  assert.deepEqual(errorsOf(loaded), []);
  const v = evaluatePolicies(deployment('testing', 6), { operation: 'CREATE' }, loaded);
  assert.equal(v.allowed, false);
  assert.equal(v.message, "ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5");
  assert.equal(v.reason, 'Invalid');
  assert.equal(v.code, 422);
  assert.equal(evaluatePolicies(deployment('testing', 5), {}, loaded).allowed, true);
  assert.equal(evaluatePolicies(deployment('default', 6), {}, loaded).allowed, true, 'the binding selects environment=test namespaces only');
  assert.equal(evaluatePolicies(deployment('testing', 6), { operation: 'UPDATE', oldObject: deployment('testing', 1) }, loaded).allowed, false);
  assert.equal(evaluatePolicies(null, { operation: 'DELETE', oldObject: deployment('testing', 6) }, loaded).allowed, true, 'DELETE is not in the rule');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'testing' }, spec: { replicas: 9 } };
  assert.equal(evaluatePolicies(pod, {}, loaded).allowed, true, 'pods are not deployments');
});

// policy-with-param.yaml, binding-with-param.yaml, replicalimit-param.yaml, binding-with-param-prod.yaml, replicalimit-param-prod.yaml
const PARAM_POLICY = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "replicalimit-policy.example.com"
spec:
  failurePolicy: Fail
  paramKind:
    apiVersion: rules.example.com/v1
    kind: ReplicaLimit
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
    - expression: "object.spec.replicas <= params.maxReplicas"
      reason: Invalid
`;
const PARAM_BINDINGS = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "replicalimit-binding-test.example.com"
spec:
  policyName: "replicalimit-policy.example.com"
  validationActions: [Deny]
  paramRef:
    name: "replica-limit-test.example.com"
    namespace: "default"
    parameterNotFoundAction: Deny
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: test
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "replicalimit-binding-nontest"
spec:
  policyName: "replicalimit-policy.example.com"
  validationActions: [Warn, Audit]
  paramRef:
    name: "replica-limit-prod.example.com"
    namespace: "default"
  matchResources:
    namespaceSelector:
      matchExpressions:
      - key: environment
        operator: NotIn
        values:
        - test
`;
const PARAMS = `apiVersion: rules.example.com/v1
kind: ReplicaLimit
metadata:
  name: "replica-limit-test.example.com"
  namesapce: "default"
maxReplicas: 3
---
{ apiVersion: "rules.example.com/v1", kind: "ReplicaLimit", metadata: { name: "replica-limit-prod.example.com" }, maxReplicas: 100 }
`;

test('params: paramKind + params object + binding paramRef; Deny in test, Warn+Audit elsewhere', () => {
  const loaded = load(PARAM_POLICY, PARAM_BINDINGS, PARAMS, NAMESPACES);
  assert.deepEqual(errorsOf(loaded), []);
  let v = evaluatePolicies(deployment('testing', 4), {}, loaded);
  assert.equal(v.allowed, false, '4 > maxReplicas 3 in the test environment');
  assert.equal(v.message, "ValidatingAdmissionPolicy 'replicalimit-policy.example.com' with binding 'replicalimit-binding-test.example.com' denied request: failed expression: object.spec.replicas <= params.maxReplicas");
  assert.deepEqual(v.warnings, []);
  assert.equal(evaluatePolicies(deployment('testing', 3), {}, loaded).allowed, true);

  v = evaluatePolicies(deployment('default', 101), {}, loaded);
  assert.equal(v.allowed, true, 'Warn and Audit do not deny');
  assert.deepEqual(v.warnings, ["Validation failed for ValidatingAdmissionPolicy 'replicalimit-policy.example.com' with binding 'replicalimit-binding-nontest': failed expression: object.spec.replicas <= params.maxReplicas"]);
  const audit = JSON.parse(v.auditAnnotations['validation.policy.admission.k8s.io/validation_failure'] as string) as unknown;
  assert.deepEqual(audit, [
    {
      message: 'failed expression: object.spec.replicas <= params.maxReplicas',
      policy: 'replicalimit-policy.example.com',
      binding: 'replicalimit-binding-nontest',
      expressionIndex: 0,
      validationActions: ['Warn', 'Audit'],
    },
  ]);
  const result = v.results.find((r) => r.binding === 'replicalimit-binding-nontest');
  assert.deepEqual(result?.param, { name: 'replica-limit-prod.example.com' });
  assert.equal(result?.allowed, true);
  assert.equal(result?.warnings.length, 1);
  assert.equal(evaluatePolicies(deployment('default', 100), {}, loaded).warnings.length, 0);
});

test('params: parameterNotFoundAction Deny and Allow; params null without paramRef', () => {
  const denyMissing = load(PARAM_POLICY, PARAM_BINDINGS, NAMESPACES);
  const v = evaluatePolicies(deployment('testing', 1), {}, denyMissing);
  assert.equal(v.allowed, false);
  assert.equal(v.message, "ValidatingAdmissionPolicy 'replicalimit-policy.example.com' with binding 'replicalimit-binding-test.example.com' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction");
  const allowMissing = load(PARAM_POLICY, PARAM_BINDINGS.replace('parameterNotFoundAction: Deny', 'parameterNotFoundAction: Allow'), NAMESPACES);
  const a = evaluatePolicies(deployment('testing', 1000), {}, allowMissing);
  assert.equal(a.allowed, true);
  assert.match(a.results.find((r) => r.binding === 'replicalimit-binding-test.example.com')?.skipped ?? '', /no params found/);

  // "params != null": params is null when the binding has no paramRef.
  const guarded = load(
    PARAM_POLICY.replace('validations:\n', 'validations:\n    - expression: "params != null"\n      message: "params missing but required to bind to this policy"\n'),
    BASIC_BINDING.replace('demo-policy.example.com', 'replicalimit-policy.example.com'),
    NAMESPACES,
  );
  const g = evaluatePolicies(deployment('testing', 1), {}, guarded);
  assert.equal(g.allowed, false);
  assert.match(g.message ?? '', /denied request: params missing but required to bind to this policy$/);
});

test('params: per-namespace ConfigMaps (no paramRef.namespace) and label selectors over several params', () => {
  const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]
  validations:
  - expression: "object.spec.replicas <= int(params.data.max)"
    messageExpression: "'at most ' + params.data.max + ' replicas (' + params.metadata.name + ')'"
`;
  const byName = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: per-namespace}
spec:
  policyName: max-replicas
  validationActions: [Deny]
  paramRef: {name: limits, parameterNotFoundAction: Allow}
`;
  const configMaps = `apiVersion: v1
kind: ConfigMap
metadata: {name: limits, namespace: team-a}
data: {max: "2"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: limits, namespace: team-b}
data: {max: "8"}
`;
  const loaded = load(policy, byName, configMaps);
  assert.equal(evaluatePolicies(deployment('team-a', 3), {}, loaded).allowed, false);
  assert.equal(evaluatePolicies(deployment('team-b', 3), {}, loaded).allowed, true);
  assert.equal(evaluatePolicies(deployment('team-c', 300), {}, loaded).allowed, true, 'no params there, Allow');

  const bySelector = byName.replace('paramRef: {name: limits, parameterNotFoundAction: Allow}', 'paramRef: {namespace: team-a, selector: {matchLabels: {tier: limits}}, parameterNotFoundAction: Deny}');
  const two = `apiVersion: v1
kind: ConfigMap
metadata: {name: soft, namespace: team-a, labels: {tier: limits}}
data: {max: "10"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: hard, namespace: team-a, labels: {tier: limits}}
data: {max: "5"}
`;
  const sel = load(policy, bySelector, two);
  const v = evaluatePolicies(deployment('team-z', 7), {}, sel);
  assert.equal(v.allowed, false, 'every selected param must pass');
  assert.match(v.message ?? '', /at most 5 replicas \(hard\)/);
  assert.equal(v.results.length, 2);
});

test('params: a namespaced paramKind with a cluster-scoped request is a binding misconfiguration', () => {
  const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: ns-params}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints: {resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: [CREATE], resources: ["*"]}]}
  validations: [{expression: "true"}]
`;
  const binding = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: ns-params, validationActions: [Deny], paramRef: {name: x, parameterNotFoundAction: Allow}}
`;
  const loaded = load(policy, binding);
  // A Namespace request carries its own name as namespace; a ClusterRole has none.
  const ns = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'viewer' } };
  const v = evaluatePolicies(ns, {}, loaded);
  assert.equal(v.message, "ValidatingAdmissionPolicy 'ns-params' with binding 'b' denied request: failed to configure binding: cannot use namespaced paramRef in policy binding that matches cluster-scoped resources");
  const ignore = load(policy.replace('spec:\n', 'spec:\n  failurePolicy: Ignore\n'), binding);
  assert.equal(evaluatePolicies(ns, {}, ignore).allowed, true);
});

// content/en/examples/access/validating-admission-policy-match-conditions.yaml (with startsWith spelt right)
const MATCH_CONDITIONS = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "demo-policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups:   ["*"]
        apiVersions: ["*"]
        operations:  ["CREATE", "UPDATE"]
        resources:   ["*"]
  matchConditions:
    - name: 'exclude-leases' # Each match condition must have a unique name
      expression: '!(request.resource.group == "coordination.k8s.io" && request.resource.resource == "leases")' # Match non-lease resources.
    - name: 'exclude-kubelet-requests'
      expression: '!("system:nodes" in request.userInfo.groups)' # Match requests made by non-node users.
    - name: 'rbac' # Skip RBAC requests.
      expression: 'request.resource.group != "rbac.authorization.k8s.io"'
    - name: 'not-kube-system'
      expression: 'request.namespace != "kube-system"'
  validations:
    - expression: "object.metadata.name.startsWith('demo')"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: demo-all}
spec: {policyName: demo-policy.example.com, validationActions: [Deny]}
`;

test('matchConditions: all must be true; leases, kubelets, RBAC and kube-system are excluded', () => {
  const loaded = load(MATCH_CONDITIONS);
  assert.deepEqual(errorsOf(loaded), []);
  const cm = (name: string, namespace = 'default') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } });
  assert.equal(evaluatePolicies(cm('other'), {}, loaded).allowed, false);
  assert.equal(evaluatePolicies(cm('demo-1'), {}, loaded).allowed, true);
  assert.equal(evaluatePolicies(cm('other', 'kube-system'), {}, loaded).allowed, true, 'excluded namespace');
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease' } };
  assert.equal(evaluatePolicies(lease, {}, loaded).allowed, true);
  const kubelet: AdmissionAttributes = { userInfo: { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] } };
  assert.equal(evaluatePolicies(cm('other'), kubelet, loaded).allowed, true);
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'default' } };
  assert.equal(evaluatePolicies(role, {}, loaded).allowed, true);
  const skipped = evaluatePolicies(lease, {}, loaded).results[0];
  assert.equal(skipped?.evaluated, false);
  assert.match(skipped?.skipped ?? '', /exclude-leases/);
});

test('matchConditions: an error with failurePolicy Fail denies, with Ignore skips; any false wins over errors', () => {
  const policy = (failure: string, conditions: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: mc}
spec:
  failurePolicy: ${failure}
  matchConstraints: {resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]}
  matchConditions: ${conditions}
  validations: [{expression: "false", message: never}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: mc, validationActions: [Deny]}
`;
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } };
  const erroring = '[{name: boom, expression: "object.data.missing == 1"}]';
  const fail = evaluatePolicies(cm, {}, load(policy('Fail', erroring)));
  assert.equal(fail.allowed, false);
  assert.equal(fail.message, "ValidatingAdmissionPolicy 'mc' with binding 'b' denied request: expression 'object.data.missing == 1' resulted in error: No such key: data");
  assert.equal(evaluatePolicies(cm, {}, load(policy('Ignore', erroring))).allowed, true);
  const falseAndError = '[{name: boom, expression: "object.data.missing == 1"}, {name: off, expression: "false"}]';
  assert.equal(evaluatePolicies(cm, {}, load(policy('Fail', falseAndError))).allowed, true);
});

// content/en/examples/access/deployment-replicas-policy.yaml (paramKind in the v1 form)
test('messageExpression: the documented message, and its fallbacks', () => {
  const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "deploy-replica-policy.example.com"
spec:
  paramKind:
    apiVersion: rules.example.com/v1
    kind: ReplicaLimit
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
  - expression: "object.spec.replicas <= params.maxReplicas"
    messageExpression: "'object.spec.replicas must be no greater than ' + string(params.maxReplicas)"
    reason: Invalid
`;
  const binding = PARAM_BINDINGS.split('---')[0]?.replace('replicalimit-policy.example.com', 'deploy-replica-policy.example.com').replace('replicalimit-binding-test.example.com', 'demo-binding-test.example.com') ?? '';
  const loaded = load(policy, binding, PARAMS, NAMESPACES);
  assert.deepEqual(errorsOf(loaded), []);
  const v = evaluatePolicies(deployment('testing', 5), {}, loaded);
  assert.equal(v.message, "ValidatingAdmissionPolicy 'deploy-replica-policy.example.com' with binding 'demo-binding-test.example.com' denied request: object.spec.replicas must be no greater than 3");

  const fallback = (messageExpression: string, message?: string) =>
    evaluatePolicies(
      deployment('testing', 5),
      {},
      load(
        policy.replace(/messageExpression: .*\n/, `messageExpression: ${JSON.stringify(messageExpression)}\n${message ? `    message: ${message}\n` : ''}`),
        binding,
        PARAMS,
        NAMESPACES,
      ),
    ).message?.replace(/^.*denied request: /, '');
  assert.equal(fallback('params.nothing', 'too many replicas'), 'too many replicas', 'an erroring messageExpression falls back to message');
  assert.equal(fallback("'a\\nb'", 'too many replicas'), 'too many replicas', 'a multi-line result falls back');
  assert.equal(fallback("'   '"), 'failed expression: object.spec.replicas <= params.maxReplicas', 'blank, and no message');
  assert.equal(fallback("'  padded  '"), 'padded');
});

// content/en/examples/access/image-matches-namespace-environment.policy.yaml
const VARIABLES_POLICY = `apiVersion: admissionregistration.k8s.io/v1beta1
kind: ValidatingAdmissionPolicy
metadata:
  name: "image-matches-namespace-environment.policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  variables:
  - name: environment
    expression: "'environment' in namespaceObject.metadata.labels ? namespaceObject.metadata.labels['environment'] : 'prod'"
  - name: exempt
    expression: "'exempt' in object.metadata.labels && object.metadata.labels['exempt'] == 'true'"
  - name: containers
    expression: "object.spec.template.spec.containers"
  - name: containersToCheck
    expression: "variables.containers.filter(c, c.image.contains('example.com'))"
  validations:
  - expression: "variables.exempt || variables.containersToCheck.all(c, c.image.startsWith(variables.environment + '.'))"
    messageExpression: "'only ' + variables.environment + ' images are allowed in namespace ' + namespaceObject.metadata.name"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: demo-binding-test.example.com}
spec:
  policyName: image-matches-namespace-environment.policy.example.com
  validationActions: [Deny]
  matchResources: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: default}}}
`;

test('variables: the documented image/environment policy (kubectl create deploy --image=dev.example.com/nginx invalid)', () => {
  const loaded = load(VARIABLES_POLICY, NAMESPACES);
  assert.deepEqual(errorsOf(loaded), []);
  const deploy = (image: string, labels: Record<string, string> = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'invalid', namespace: 'default', labels: { app: 'invalid', ...labels } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'nginx', image }] } } },
  });
  const v = evaluatePolicies(deploy('dev.example.com/nginx'), {}, loaded);
  assert.equal(v.message, "ValidatingAdmissionPolicy 'image-matches-namespace-environment.policy.example.com' with binding 'demo-binding-test.example.com' denied request: only prod images are allowed in namespace default");
  assert.equal(evaluatePolicies(deploy('prod.example.com/nginx'), {}, loaded).allowed, true);
  assert.equal(evaluatePolicies(deploy('dev.example.com/nginx', { exempt: 'true' }), {}, loaded).allowed, true);
  assert.equal(evaluatePolicies(deploy('docker.io/nginx'), {}, loaded).allowed, true, 'not an example.com image');
});

test('variables: lazy (an unused failing variable is harmless), memoised, in order; later names are compile errors', () => {
  const policy = (validation: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: vars}
spec:
  matchConstraints: {resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]}
  variables:
  - {name: broken, expression: "object.nothing.here"}
  - {name: size, expression: "size(object.data)"}
  - {name: twice, expression: "variables.size * 2"}
  validations: [{expression: ${JSON.stringify(validation)}}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: vars, validationActions: [Deny]}
`;
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { a: '1', b: '2' } };
  assert.equal(evaluatePolicies(cm, {}, load(policy('variables.twice == 4'))).allowed, true);
  assert.equal(evaluatePolicies(cm, {}, load(policy('variables.twice == 5'))).allowed, false);
  const failing = evaluatePolicies(cm, {}, load(policy('variables.broken == 1')));
  assert.match(failing.message ?? '', /resulted in error: No such key: nothing/);
  const forward = load(policy('true').replace('"size(object.data)"', '"variables.twice"'));
  assert.match(errorsOf(forward).join('\n'), /spec\.variables\[1\]\.expression: compilation error: No such key: twice/);
});

// content/en/examples/access/validating-admission-policy-audit-annotation.yaml
test('auditAnnotations: the documented annotation key and value', () => {
  const policy = `---
{
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicy",
  metadata: { name: "demo-policy.example.com" },
  spec: {
    failurePolicy: "Fail",
    matchConstraints: { resourceRules: [{ apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["deployments"] }] },
    validations: [{ expression: "object.spec.replicas > 50", messageExpression: "'Deployment spec.replicas set to ' + string(object.spec.replicas)" }],
    auditAnnotations: [{ key: "high-replica-count", valueExpression: "'Deployment spec.replicas set to ' + string(object.spec.replicas)" }],
  },
}`;
  const binding = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: audit}
spec: {policyName: demo-policy.example.com, validationActions: [Audit]}
`;
  const loaded = load(policy, binding);
  const v = evaluatePolicies(deployment('default', 128), {}, loaded);
  assert.equal(v.allowed, true);
  assert.equal(v.auditAnnotations['demo-policy.example.com/high-replica-count'], 'Deployment spec.replicas set to 128');
  const low = evaluatePolicies(deployment('default', 3), {}, loaded);
  assert.equal(low.allowed, true, 'Audit never denies');
  assert.match(low.auditAnnotations['validation.policy.admission.k8s.io/validation_failure'] ?? '', /Deployment spec.replicas set to 3/);
  const nulls = load(policy.replace(`valueExpression: "'Deployment spec.replicas set to ' + string(object.spec.replicas)"`, 'valueExpression: "object.spec.replicas > 50 ? string(object.spec.replicas) : null"'), binding);
  assert.equal(evaluatePolicies(deployment('default', 3), {}, nulls).auditAnnotations['demo-policy.example.com/high-replica-count'], undefined, 'null excludes the annotation');
});

test('failurePolicy: evaluation errors deny under Fail (through validationActions) and are ignored under Ignore', () => {
  const policy = (failure: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: err}
spec:
  failurePolicy: ${failure}
  matchConstraints: {resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]}
  validations: [{expression: "object.spec.paused == false"}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: err, validationActions: [Deny]}
`;
  const fail = evaluatePolicies(deployment('default', 1), {}, load(policy('Fail')));
  assert.equal(fail.allowed, false);
  assert.equal(fail.message, "ValidatingAdmissionPolicy 'err' with binding 'b' denied request: expression 'object.spec.paused == false' resulted in error: No such key: paused");
  const ignore = evaluatePolicies(deployment('default', 1), {}, load(policy('Ignore')));
  assert.equal(ignore.allowed, true);
  assert.equal(ignore.results[0]?.ignoredErrors.length, 1);
  const warnOnly = evaluatePolicies(deployment('default', 1), {}, load(policy('Fail').replace('[Deny]', '[Warn]')));
  assert.equal(warnOnly.allowed, true, 'a Fail error goes through the binding actions too');
  assert.equal(warnOnly.warnings.length, 1);
});

test('matchConstraints: excludeResourceRules, resourceNames, scope, subresources, objectSelector, namespaceSelector', () => {
  const policy = (constraints: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: m}
spec:
  matchConstraints: ${constraints}
  validations: [{expression: "false", message: matched}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: m, validationActions: [Deny]}
`;
  const matched = (constraints: string, object: unknown, attrs: AdmissionAttributes = {}) => !evaluatePolicies(object, attrs, load(policy(constraints), NAMESPACES)).allowed;
  const cm = (name: string, labels: Record<string, string> = {}, namespace = 'default') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels } });
  const all = 'resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}]';
  assert.equal(matched(`{${all}}`, cm('a')), true);
  assert.equal(matched(`{${all}, excludeResourceRules: [{apiGroups: [""], apiVersions: [v1], operations: ["*"], resources: [configmaps]}]}`, cm('a')), false);
  assert.equal(matched('{resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps], resourceNames: [a]}]}', cm('a')), true);
  assert.equal(matched('{resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps], resourceNames: [a]}]}', cm('b')), false);
  assert.equal(matched('{resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"], scope: Cluster}]}', cm('a')), false);
  assert.equal(matched('{resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"], scope: Cluster}]}', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }), true);
  assert.equal(matched('{resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}]}', deployment('default', 1), { subResource: 'scale' }), false, '* does not cover subresources');
  assert.equal(matched('{resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*/scale"]}]}', deployment('default', 1), { subResource: 'scale' }), true);
  assert.equal(matched(`{${all}, objectSelector: {matchLabels: {team: a}}}`, cm('a', { team: 'a' })), true);
  assert.equal(matched(`{${all}, objectSelector: {matchLabels: {team: a}}}`, cm('a', { team: 'b' })), false);
  assert.equal(matched(`{${all}, objectSelector: {matchLabels: {team: a}}}`, cm('a', { team: 'b' }), { operation: 'UPDATE', oldObject: cm('a', { team: 'a' }) }), true, 'old object labels count too');
  const notKubeSystem = `{${all}, namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system]}]}}`;
  assert.equal(matched(notKubeSystem, cm('a', {}, 'kube-system')), false, 'every namespace carries kubernetes.io/metadata.name');
  assert.equal(matched(notKubeSystem, cm('a', {}, 'apps')), true);
  assert.equal(matched(`{${all}, namespaceSelector: {matchLabels: {environment: test}}}`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' } }), true, 'cluster-scoped objects are never excluded by a namespace selector');
});

test('request, namespaceObject and authorizer variables', () => {
  const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: req}
spec:
  matchConstraints: {resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: ["*"], resources: [deployments]}]}
  validations:
  - expression: "request.kind.kind == 'Deployment' && request.resource.resource == 'deployments' && request.resource.group == 'apps'"
  - expression: "request.namespace == 'testing' && namespaceObject.metadata.labels.environment == 'test'"
  - expression: "request.userInfo.username == 'alice' && 'devs' in request.userInfo.groups"
  - expression: "request.operation == 'CREATE' && oldObject == null && request.name == 'nginx'"
  - expression: "!authorizer.group('apps').resource('deployments').namespace('testing').check('delete').allowed()"
  - expression: "authorizer.requestResource.check('create').allowed()"
    message: not authorized
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: req, validationActions: [Deny]}
`;
  const loaded = load(policy, NAMESPACES);
  assert.deepEqual(errorsOf(loaded), []);
  const attrs: AdmissionAttributes = {
    userInfo: { username: 'alice', groups: ['devs'] },
    authorize: (a) => ({ decision: a.verb === 'create' && a.resource === 'deployments' && a.namespace === 'testing' ? 'allow' : 'deny' }),
  };
  const v = evaluatePolicies(deployment('testing', 1), attrs, loaded);
  assert.deepEqual(
    v.results.flatMap((r) => r.violations.map((x) => x.message)),
    [],
  );
  const offline = evaluatePolicies(deployment('testing', 1), { userInfo: { username: 'alice', groups: ['devs'] } }, loaded);
  assert.match(offline.message ?? '', /not authorized$/, 'offline, the authorizer has no opinion');
  assert.match(errorsOf(load(policy.replace('request.kind.kind', 'request.kindx.kind'))).join('\n'), /compilation error: No such key: kindx/, 'request is typed');
});

test('compile errors: reported with the file position of the expression and the position inside it', () => {
  const text = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: typo
spec:
  matchConstraints:
    resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: [CREATE], resources: ["*"]}]
  validations:
    - expression: "object.metadata.name.startWith('demo')"
    - expression: |
        object.spec.replicas > 1 &&
          object.spec.replicas + 'x' < 10
    - expression: 'object.metadata.name.matches("(a")'
`;
  const loaded = load(text);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 3);
  const [typo, block, regex] = errors;
  assert.equal(typo?.field, 'spec.validations[0].expression');
  assert.equal(typo?.line, 9);
  assert.equal(typo?.column, 20, 'the expression starts after the opening quote');
  assert.match(typo?.message ?? '', /compilation error: found no matching overload for 'dyn.startWith\(string\)'/);
  assert.equal(formatDiagnostic(typo as NonNullable<typeof typo>), `f0.yaml:9:20: ValidatingAdmissionPolicy "typo" spec.validations[0].expression: compilation error: found no matching overload for 'dyn.startWith(string)' (at 1:1 in the expression)`);
  // dyn + string is typed string, so `< 10` is string < int: line 2, column 3 of the block,
  // which is file line 12, column 11 (the block's indentation is 10).
  assert.match(block?.message ?? '', /no such overload: string < int/);
  assert.equal(block?.expressionLine, 2);
  assert.equal(block?.expressionColumn, 3);
  assert.equal(block?.line, 12);
  assert.equal(block?.column, 11);
  assert.equal(regex?.line, 13);
  assert.equal(regex?.column, 49, 'points at the pattern literal inside the expression');
  assert.equal(regex?.expressionColumn, 30);
  // The policy still loads: at runtime the expression is an error, and failurePolicy (Fail) decides.
  const binding = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: typo, validationActions: [Deny]}
`;
  const v = evaluatePolicies({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo', namespace: 'default' } }, {}, load(text, binding));
  assert.match(v.message ?? '', /denied request: compilation error: found no matching overload/);
});

test('compile error positions in every YAML scalar style (plain, folded, literal, double-quoted with continuation)', () => {
  const text = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: p}
spec:
  matchConstraints: {resourceRules: [{operations: [CREATE]}]}
  validations:
    - expression: object.spec.replicas > 1 &&
        object.spec.replicas + 'x' < 10
    - expression: >
        object.spec.replicas > 1 &&
        object.spec.replicas + 'x' < 10
    - expression: "object.spec.replicas > 1 && \\
        object.spec.replicas + \\"x\\" < 10"
    - {expression: 'object.spec.replicas > 1 && object.spec.replicas + ''x'' < 10'}
`;
  const errors = loadPolicyTexts([{ file: 'f.yaml', text }]).diagnostics.filter((d) => d.severity === 'error');
  // Every variant folds into one line; the error is at column 29 of it, where the second
  // \`object\` starts, which is line 8/11/13 column 9 in the file, or line 14 column 49.
  assert.deepEqual(
    errors.map((d) => [d.line, d.column, d.expressionLine, d.expressionColumn]),
    [
      [8, 9, 1, 29],
      [11, 9, 1, 29],
      [13, 9, 1, 29],
      [14, 49, 1, 29],
    ],
  );
});

test('invalid policy documents: one line each, naming the object and field, never a crash', () => {
  const cases: Array<[string, RegExp]> = [
    ['apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec: {validations: [{expression: "true"}], failurePolicy: Sometimes}', /ValidatingAdmissionPolicy "x" spec\.failurePolicy: unsupported value "Sometimes"/],
    ['apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec:\n  matchConstraints: {resourceRules: [{operations: [PATCH]}]}\n  validations: [{expression: "true"}]', /spec\.matchConstraints\.resourceRules\[0\]\.operations\[0\]: unsupported value "PATCH"/],
    ['apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec:\n  matchConstraints: {resourceRules: [{operations: [CREATE]}]}\n  validations: [{expression: 42}]', /spec\.validations\[0\]\.expression: required value \(a CEL expression\)/],
    ['apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec:\n  matchConstraints: {resourceRules: [{operations: [CREATE]}]}', /at least one of validations or auditAnnotations is required/],
    ['apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {}\nspec: {}', /metadata\.name is required/],
    ['apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: p, validationActions: [Deny, Warn]}', /ValidatingAdmissionPolicyBinding "b" spec\.validationActions: Deny and Warn may not be used together/],
    ['apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: p, validationActions: []}', /spec\.validationActions: required value/],
    ['apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: p, validationActions: [Deny], paramRef: {}}', /one of name or selector must be set/],
    ['apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: p, validationActions: [Deny], matchResources: {namespaceSelector: {matchExpressions: [{key: a, operator: Like}]}}}', /operator: unsupported operator "Like"/],
    ['kind: [unclosed', /not valid YAML|document 1: /],
    [`${'['.repeat(20_000)}${']'.repeat(20_000)}`, /nests too deeply/],
    ['a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', /alias/],
  ];
  for (const [text, pattern] of cases) {
    const loaded = loadPolicyTexts([{ file: 'bad.yaml', text }]);
    const lines = loaded.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    assert.ok(lines.some((l) => pattern.test(l)), `${pattern} in ${JSON.stringify(lines)}`);
    for (const l of lines) assert.ok(!l.includes('\n'), 'one line');
    assert.equal(loaded.policies.length + loaded.bindings.length, 0);
  }
});

test('hostile policies: runaway comprehensions and regex killers end in errors handled by failurePolicy', () => {
  const list = `[${Array(1000).fill('1').join(',')}]`;
  const text = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: hostile}
spec:
  matchConstraints: {resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}]}
  validations:
  - expression: ${JSON.stringify(`${list}.all(a, ${list}.all(b, ${list}.all(c, a + b + c > 0)))`)}
  - expression: "object.metadata.name.matches('^(a+)+$')"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: hostile, validationActions: [Deny]}
`;
  const loaded = load(text);
  assert.deepEqual(errorsOf(loaded), []);
  const started = Date.now();
  const v = evaluatePolicies({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${'a'.repeat(60_000)}!`, namespace: 'default' } }, {}, loaded);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  const messages = v.results.flatMap((r) => r.violations.map((x) => x.message));
  assert.match(messages[0] ?? '', /operation cancelled: actual cost limit exceeded/);
  assert.match(messages[1] ?? '', /failed expression: object\.metadata\.name\.matches/);
  assert.throws(() => evaluatePolicies(JSON.parse(`${'{"a":'.repeat(300)}1${'}'.repeat(300)}`), {}, loaded), /nested deeper than/);

  // Variables that double a list: each one's size is paid for, so the 11th stops the evaluation.
  const doubling = Array.from({ length: 40 }, (_, i) => `  - {name: v${i + 1}, expression: "variables.v${i} + variables.v${i}"}`).join('\n');
  const growing = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: growing}
spec:
  matchConstraints: {resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}]}
  variables:
  - {name: v0, expression: ${JSON.stringify(list)}}
${doubling}
  validations: [{expression: "size(variables.v40) > 0"}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: growing, validationActions: [Deny]}
`;
  const g = load(growing);
  assert.deepEqual(errorsOf(g), []);
  const started2 = Date.now();
  const gv = evaluatePolicies({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } }, {}, g);
  assert.match(gv.message ?? '', /actual cost limit exceeded/);
  assert.ok(Date.now() - started2 < 3000, `took ${Date.now() - started2} ms`);
});

test('loadPolicyFiles: policies, bindings and params from any mix of files and directories', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stockade-cel-'));
  try {
    await mkdir(join(dir, 'policies'));
    await mkdir(join(dir, 'params'));
    await writeFile(join(dir, 'policies', 'policy.yaml'), PARAM_POLICY);
    await writeFile(join(dir, 'policies', 'bindings.yml'), PARAM_BINDINGS);
    await writeFile(join(dir, 'params', 'limits.json'), JSON.stringify({ apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit', metadata: { name: 'replica-limit-test.example.com' }, maxReplicas: 3 }));
    await writeFile(join(dir, 'params', 'namespaces.yaml'), NAMESPACES);
    await writeFile(join(dir, 'README.md'), '# not a policy: [');
    const loaded = await loadPolicyFiles([join(dir, 'policies'), join(dir, 'params')]);
    assert.deepEqual(errorsOf(loaded), []);
    assert.equal(loaded.policies.length, 1);
    assert.equal(loaded.bindings.length, 2);
    assert.equal(evaluatePolicies(deployment('testing', 4), {}, loaded).allowed, false);
    assert.equal(loaded.policies[0]?.position.file, join(dir, 'policies', 'policy.yaml'));
    await assert.rejects(loadPolicyFiles([join(dir, 'missing')]), /no such file or directory/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
