import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKubernetesFile } from '../../checks/kubernetes/document.js';
import type { LocatedDocument } from '../../checks/kubernetes/segmentation/index.js';
import { parseYamlFile } from '../../checks/yaml-source.js';
import type { PolicyInput } from '../../enforce/admission/policy-hooks.js';
import { checkManifests, compileCustomRules, createCelPolicyHook, evaluateCustomRules, PoliciesConfigSchema, severityForActions } from './rules.js';
import { loadPolicyTexts } from './vap.js';

const VAP = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas.example.com}
spec:
  matchConstraints: {resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}]}
  validations:
  - expression: "object.spec.replicas <= 5"
    messageExpression: "'replicas ' + string(object.spec.replicas) + ' > 5'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: deny-in-prod}
spec:
  policyName: max-replicas.example.com
  validationActions: [Deny]
  matchResources: {namespaceSelector: {matchLabels: {env: prod}}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: warn-elsewhere}
spec:
  policyName: max-replicas.example.com
  validationActions: [Warn]
  matchResources: {namespaceSelector: {matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}}
`;

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {env: prod}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 9
  template:
    spec:
      containers: [{name: web, image: docker.io/nginx:1.25}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: tool, namespace: dev}
spec:
  replicas: 7
  template:
    spec:
      containers: [{name: tool, image: registry.example.com/tool@sha256:${'a'.repeat(64)}}]
---
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: small, namespace: shop}
  spec: {replicas: 1, template: {spec: {containers: [{name: s, image: registry.example.com/s:1}]}}}
`;

function docs(text: string, file = 'manifests/app.yaml'): LocatedDocument[] {
  return parseKubernetesFile(text).documents.map((d) => ({ ...d, file }));
}

const RULES_YAML = `policies:
  - id: registry-only
    title: Images come from our registry
    severity: HIGH
    kinds: [Pod, Deployment, apps/StatefulSet]
    expression: >-
      podSpec == null || podSpec.containers.all(c, c.image.startsWith('registry.example.com/'))
    messageExpression: "'image ' + podSpec.containers[0].image + ' is not from registry.example.com'"
  - id: pinned
    title: Images are pinned by digest
    expression: "podSpec == null || podSpec.containers.all(c, c.image.contains('@sha256:'))"
    message: every image must be referenced by digest
    mode: warn
  - id: typo
    title: Broken rule
    expression: "object.metadata.name.startWith('x')"
  - id: off
    title: Disabled
    expression: "false"
    mode: off
`;

function rulesFromYaml(text: string): ReturnType<typeof compileCustomRules> {
  const doc = parseYamlFile(text).documents[0];
  return compileCustomRules((doc?.value as { policies: unknown }).policies, { file: 'stockade.yaml', position: (p) => doc?.position(p) });
}

test('severity from validationActions: Deny HIGH, Warn MEDIUM, Audit LOW', () => {
  assert.equal(severityForActions(['Deny']), 'HIGH');
  assert.equal(severityForActions(['Deny', 'Audit']), 'HIGH');
  assert.equal(severityForActions(['Warn', 'Audit']), 'MEDIUM');
  assert.equal(severityForActions(['Audit']), 'LOW');
});

test('stockade config --policy: VAP violations become findings with the policy name as ruleId', () => {
  const loaded = loadPolicyTexts([{ file: 'policies/vap.yaml', text: VAP }]);
  const { findings, warnings } = checkManifests(docs(MANIFESTS), loaded);
  assert.deepEqual(warnings, []);
  assert.equal(findings.length, 2);
  const [web, tool] = findings;
  assert.equal(web?.ruleId, 'max-replicas.example.com');
  assert.equal(web?.severity, 'HIGH', 'Deny in the prod namespace (labels from the Namespace manifest)');
  assert.equal(web?.file, 'manifests/app.yaml');
  assert.equal(web?.line, 5, 'the line of the Deployment document');
  assert.equal(web?.resource, 'Deployment/web');
  assert.match(web?.message ?? '', /^replicas 9 > 5 \(binding deny-in-prod\); Deny$/);
  assert.equal(tool?.severity, 'MEDIUM', 'Warn outside prod');
  assert.equal(tool?.resource, 'Deployment/tool');
});

test('stockade.yaml policies: schema, compile errors with positions, evaluation, modes', () => {
  assert.equal(PoliciesConfigSchema.safeParse([{ id: 'x', title: 't', expression: 'true', color: 'red' }]).success, false, 'unknown keys are errors');
  const { rules, diagnostics } = rulesFromYaml(RULES_YAML);
  assert.equal(rules.length, 4);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]?.line, 16, 'the line of the broken expression in stockade.yaml');
  assert.match(diagnostics[0]?.message ?? '', /compilation error: found no matching overload for 'dyn.startWith\(string\)'/);
  const loaded = loadPolicyTexts([]);
  const { findings } = checkManifests(docs(MANIFESTS), loaded, { rules });
  const byRule = (id: string) => findings.filter((f) => f.ruleId === id).map((f) => `${f.resource}: ${f.message}`);
  assert.deepEqual(byRule('registry-only'), ['Deployment/web: image docker.io/nginx:1.25 is not from registry.example.com']);
  assert.deepEqual(byRule('pinned'), ['Deployment/web: every image must be referenced by digest', 'Deployment/small: every image must be referenced by digest']);
  assert.equal(byRule('typo').length, 4, 'a rule that does not compile fails closed on every object');
  assert.equal(findings.find((f) => f.ruleId === 'typo')?.severity, 'HIGH');
  assert.deepEqual(byRule('off'), []);
  const namespaceOnly = evaluateCustomRules(rules, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
  assert.deepEqual(namespaceOnly.map((r) => r.rule.config.id), ['typo'], 'kinds filter: only the kind-less rules look at a Namespace');
});

test('invalid stockade.yaml policies are reported one line each', () => {
  const { rules, diagnostics } = compileCustomRules([{ id: 'a', title: 'A', expression: 'true' }, { id: 'a', title: 'again', expression: 'true' }, { title: 'no id', expression: 'true' }, 'nope']);
  assert.equal(rules.length, 1);
  assert.equal(diagnostics.length, 3);
  assert.match(diagnostics[0]?.message ?? '', /duplicate id/);
  assert.equal(diagnostics[1]?.field, 'policies[2].id');
  assert.equal(compileCustomRules({ not: 'a list' }).diagnostics[0]?.message, 'must be a list of rules');
});

test('admission hook: VAP findings carry the binding actions, custom rules their mode', () => {
  const loaded = loadPolicyTexts([{ file: 'vap.yaml', text: VAP }]);
  const { rules } = rulesFromYaml(RULES_YAML.replace(/ {2}- id: typo[\s\S]*$/, ''));
  const hook = createCelPolicyHook(loaded, rules);
  const object = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 9, template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1' }] } } } };
  const input: PolicyInput = {
    request: {
      uid: 'u1',
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      namespace: 'shop',
      name: 'web',
      operation: 'CREATE',
      userInfo: { username: 'alice', groups: ['devs'] },
      object,
    },
    object,
    namespaceLabels: { env: 'prod' },
    now: new Date('2026-11-25T00:00:00Z'),
  };
  const findings = hook.evaluate(input) as ReturnType<typeof hook.evaluate> & unknown[];
  assert.deepEqual(
    (findings as Array<{ ruleId: string; actions?: string[]; severity: string }>).map((f) => [f.ruleId, f.severity, f.actions]),
    [
      ['max-replicas.example.com', 'HIGH', ['deny']],
      ['pinned', 'MEDIUM', ['warn']],
    ],
  );
});
