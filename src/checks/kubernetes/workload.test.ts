/**
 * Pod template extraction and finding positions. Expected lines are where the
 * fixtures below put the fields (counted by hand and by `lineOf`, which searches
 * the fixture text), not our own output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPodTemplates } from './workload.js';
import { KUBERNETES_RULES, parseKubernetesFile, pssVerdict } from './index.js';
import { LATEST_PSS_VERSION } from './pss/rule.js';
import { MAX_PSS_VERSION } from './pss/evaluate.js';
import { isFrameworkRef } from '../rule.js';

/** 1-based line of the first line containing `needle`, after `after` (a marker) if given. */
function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split('\n');
  const start = after ? lines.findIndex((l) => l.includes(after)) : 0;
  const index = lines.findIndex((l, i) => i >= start && l.includes(needle));
  assert.ok(index >= 0, `fixture lacks ${needle}`);
  return index + 1;
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
      - name: app
        image: nginx
        securityContext:
          privileged: true
          allowPrivilegeEscalation: false
          capabilities:
            drop: [ALL]
`;

const CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          hostPID: true
          containers:
          - name: job
            image: busybox
`;

const LIST = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: settings
- apiVersion: v1
  kind: Pod
  metadata:
    name: one
  spec:
    containers:
    - name: a
      image: x
      ports:
      - containerPort: 80
        hostPort: 8080
- apiVersion: apps/v1
  kind: DaemonSet
  metadata:
    name: agent
  spec:
    template:
      spec:
        volumes:
        - name: root
          hostPath:
            path: /
        containers:
        - name: b
          image: y
`;

function only<T>(items: T[]): T {
  assert.equal(items.length, 1);
  return items[0] as T;
}

function ruleByPss(id: string) {
  const rule = KUBERNETES_RULES.find((r) => r.pss.id === id);
  assert.ok(rule, id);
  return rule;
}

test('Deployment: template spec and metadata are found at spec.template', () => {
  const doc = only(parseKubernetesFile(DEPLOYMENT).documents);
  const template = only(findPodTemplates(doc.object));
  assert.equal(template.kind, 'Deployment');
  assert.equal(template.name, 'web');
  assert.deepEqual(template.specPath, ['spec', 'template', 'spec']);
  assert.deepEqual(template.metadataPath, ['spec', 'template', 'metadata']);
  assert.ok(Array.isArray(template.podSpec.containers));
});

test('Deployment: privileged and AppArmor findings land on the fields\' lines', () => {
  const doc = only(parseKubernetesFile(DEPLOYMENT).documents);
  const privileged = only(ruleByPss('privileged').check(doc));
  assert.equal(privileged.position?.line, lineOf(DEPLOYMENT, 'privileged: true'));
  assert.equal(privileged.resource, 'Deployment/web container app');
  const apparmor = only(ruleByPss('appArmorProfile').check(doc));
  assert.equal(apparmor.position?.line, lineOf(DEPLOYMENT, 'container.apparmor'));
  assert.equal(apparmor.resource, 'Deployment/web');
  // The rest of the restricted profile is satisfied by this fixture.
  const others = KUBERNETES_RULES.filter((r) => !['privileged', 'appArmorProfile'].includes(r.pss.id)).flatMap((r) => r.check(doc));
  assert.deepEqual(others, []);
});

test('CronJob: template under spec.jobTemplate.spec.template; hostPID flagged on its line', () => {
  const doc = only(parseKubernetesFile(CRONJOB).documents);
  const template = only(findPodTemplates(doc.object));
  assert.deepEqual(template.specPath, ['spec', 'jobTemplate', 'spec', 'template', 'spec']);
  const v = only(ruleByPss('hostNamespaces').check(doc));
  assert.equal(v.position?.line, lineOf(CRONJOB, 'hostPID: true'));
  assert.equal(v.resource, 'CronJob/nightly');
  // A container without securityContext: runAsNonRoot is reported at the container.
  const nonRoot = only(ruleByPss('runAsNonRoot').check(doc));
  assert.equal(nonRoot.position?.line, lineOf(CRONJOB, '- name: job'));
});

test('List: items are expanded; non-pod kinds are skipped', () => {
  const doc = only(parseKubernetesFile(LIST).documents);
  const templates = findPodTemplates(doc.object);
  assert.deepEqual(templates.map((t) => `${t.kind}/${t.name}`), ['Pod/one', 'DaemonSet/agent']);
  assert.deepEqual(templates[0]?.specPath, ['items', 1, 'spec']);
  assert.deepEqual(templates[1]?.specPath, ['items', 2, 'spec', 'template', 'spec']);
  const port = only(ruleByPss('hostPorts').check(doc));
  assert.equal(port.position?.line, lineOf(LIST, 'hostPort: 8080'));
  assert.equal(port.resource, 'Pod/one container a');
  // On the host directory the volume mounts (hostPath.path), where SK-K8S-0009 points too.
  const hostPath = only(ruleByPss('hostPathVolumes').check(doc));
  assert.equal(hostPath.position?.line, lineOf(LIST, 'path: /'));
  assert.equal(hostPath.resource, 'DaemonSet/agent');
});

test('pssVerdict: one verdict per pod template, per level and version', () => {
  const doc = only(parseKubernetesFile(LIST).documents);
  const baseline = pssVerdict(doc.object, 'baseline', 'latest');
  assert.deepEqual(baseline.map((v) => [v.resource, v.failures.map((f) => f.id)]), [
    ['Pod/one', ['hostPorts']],
    ['DaemonSet/agent', ['hostPathVolumes']],
  ]);
  // At restricted, restrictedVolumes replaces hostPathVolumes (as in pod-security-admission).
  const restricted = pssVerdict(doc.object, 'restricted', 'v1.21');
  assert.ok(restricted[1]?.failures.some((f) => f.id === 'restrictedVolumes'));
  assert.ok(!restricted[1]?.failures.some((f) => f.id === 'hostPathVolumes'));
  // runAsUser exists only from v1.23; capabilities_restricted from v1.22.
  assert.ok(!restricted[0]?.failures.some((f) => f.id === 'capabilities_restricted'));
});

test('hostile input: scalars, arrays, deep Lists and wrong types do not throw', () => {
  for (const value of [null, 42, 'x', [], { kind: 'Pod' }, { kind: 'Pod', spec: 'no' }, { kind: 'Pod', spec: { containers: 'no', volumes: [null, 3] } }]) {
    assert.doesNotThrow(() => findPodTemplates(value));
    assert.doesNotThrow(() => pssVerdict(value, 'restricted'));
  }
  let nested: unknown = { kind: 'Pod', metadata: { name: 'deep' }, spec: { containers: [] } };
  for (let i = 0; i < 10_000; i++) nested = { kind: 'List', items: [nested] };
  assert.deepEqual(findPodTemplates(nested), []);
  const { documents } = parseKubernetesFile('kind: Pod\nspec:\n  containers:\n  - name: c\n    securityContext: {privileged: "yes"}\n');
  assert.deepEqual(ruleByPss('privileged').check(only(documents)), []);
});

test('rule metadata: unique ids, PSS framework refs, and the rules\' latest version is PSA\'s', () => {
  assert.deepEqual(LATEST_PSS_VERSION, MAX_PSS_VERSION);
  const ids = KUBERNETES_RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const rule of KUBERNETES_RULES) {
    assert.ok(rule.frameworks.includes(`pss:${rule.pss.id}`), rule.id);
    assert.ok(rule.frameworks.includes(`pss-level:${rule.pss.level}`), rule.id);
    assert.ok(rule.frameworks.some((f) => f.startsWith('nist-800-190:4.')), rule.id);
    assert.ok(rule.frameworks.some((f) => f.startsWith('stride:')), rule.id);
    for (const ref of rule.frameworks) assert.ok(isFrameworkRef(ref), ref);
  }
});

test('OpenShift DeploymentConfig pod templates are found (apps.openshift.io/v1 spec.template)', () => {
  const templates = findPodTemplates({ apiVersion: 'apps.openshift.io/v1', kind: 'DeploymentConfig', metadata: { name: 'dc' }, spec: { template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } });
  assert.equal(templates.length, 1);
  assert.deepEqual(templates[0]?.specPath, ['spec', 'template', 'spec']);
});

// Knative objects whose template Knative runs as pods (knative.dev/docs/serving/ and
// the ContainerSource docs). The fields are those of KICS's shared_host_* positive2.yaml.
const KNATIVE = `apiVersion: serving.knative.dev/v1
kind: Configuration
metadata:
  name: config
spec:
  template:
    spec:
      hostIPC: true
      containers:
      - name: app
        image: busybox
---
apiVersion: serving.knative.dev/v1
kind: Revision
metadata:
  name: rev
spec:
  hostPID: true
  containers:
  - name: app
    image: busybox
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: svc
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: busybox
---
apiVersion: sources.knative.dev/v1
kind: ContainerSource
metadata:
  name: src
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: busybox
---
apiVersion: v1
kind: Service
metadata:
  name: core
spec:
  template:
    spec:
      hostNetwork: true
`;

test('Knative Configuration, Revision, Service and ContainerSource templates are checked; a core Service is not a workload', () => {
  const docs = parseKubernetesFile(KNATIVE).documents;
  const found = docs.flatMap((d) => ruleByPss('hostNamespaces').check(d).map((v) => [v.resource, v.position?.line]));
  assert.deepEqual(found, [
    ['Configuration/config', lineOf(KNATIVE, 'hostIPC: true')],
    ['Revision/rev', lineOf(KNATIVE, 'hostPID: true')],
    ['Service/svc', lineOf(KNATIVE, 'hostNetwork: true', 'name: svc')],
    ['ContainerSource/src', lineOf(KNATIVE, 'hostNetwork: true', 'name: src')],
  ]);
  assert.deepEqual(findPodTemplates(docs[1]?.object).map((t) => t.specPath), [['spec']]);
});

// A pod where one container sets the field to a bad value and another leaves it unset
// (KICS containers_running_as_root positive4.yaml, seccomp_profile_is_not_configured
// positive3.yaml): both containers break the rule, so both get a finding.
const MIXED = `apiVersion: v1
kind: Pod
metadata:
  name: mixed
spec:
  containers:
  - name: unset
    image: x
    securityContext:
      allowPrivilegeEscalation: false
  - name: explicit
    image: x
    securityContext:
      runAsNonRoot: false
      seccompProfile:
        type: Unconfined
`;

test('runAsNonRoot and seccomp (restricted): an explicit bad value does not hide a container that sets nothing', () => {
  const doc = only(parseKubernetesFile(MIXED).documents);
  const nonRoot = ruleByPss('runAsNonRoot').check(doc).map((v) => v.position?.line);
  assert.deepEqual(nonRoot, [lineOf(MIXED, 'runAsNonRoot: false'), lineOf(MIXED, 'securityContext:')]);
  const seccomp = ruleByPss('seccompProfile_restricted').check(doc).map((v) => v.position?.line);
  // The explicit one on seccompProfile.type, the field PSA names.
  assert.deepEqual(seccomp, [lineOf(MIXED, 'type: Unconfined'), lineOf(MIXED, 'securityContext:')]);
  const baseline = ruleByPss('seccompProfile_baseline').check(doc).map((v) => v.position?.line);
  assert.deepEqual(baseline, [lineOf(MIXED, 'type: Unconfined')]);
});
