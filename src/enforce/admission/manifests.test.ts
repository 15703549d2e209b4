/**
 * The install manifests: valid multi-document YAML with the expected kinds and settings,
 * and clean by our own `stockade config` (run as the CLI, as a user would): no HIGH or
 * CRITICAL finding, and the Deployment passes Pod Security restricted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../testing/corpus.js';
import { printAdmissionManifests } from './manifests.js';
import { parsePodSecurityConfiguration } from './pod-security-policy.js';
import { parseNamespaceLabels } from './namespace-labels.js';
import { validateProjectConfig } from '../../config/project-config.js';
import { parseYamlFile } from '../../checks/yaml-source.js';

const run = promisify(execFile);

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function documents(text: string): Obj[] {
  const docs = parseAllDocuments(text);
  for (const d of docs) assert.deepEqual(d.errors, [], 'valid YAML');
  return docs.map((d) => d.toJS() as Obj).filter((d) => d !== null);
}

for (const enableMutation of [false, true]) {
  test(`manifests${enableMutation ? ' with mutation' : ''}: kinds and settings`, () => {
    const docs = documents(printAdmissionManifests({ namespace: 'sec', image: 'registry.example.com/stockade:1.0.0', enableMutation }));
    const kinds = docs.map((d) => d['kind'] as string);
    for (const k of ['Namespace', 'ServiceAccount', 'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'NetworkPolicy', 'Issuer', 'Certificate', 'ValidatingWebhookConfiguration']) assert.ok(kinds.includes(k), k);
    assert.equal(kinds.includes('MutatingWebhookConfiguration'), enableMutation);
    const byKind = (k: string) => docs.find((d) => d['kind'] === k) as Obj;
    const deployment = byKind('Deployment');
    const pod = deployment['spec']['template']['spec'];
    const container = pod['containers'][0];
    assert.equal(deployment['spec']['replicas'], 2);
    assert.ok(pod['affinity']['podAntiAffinity']);
    assert.equal(pod['securityContext']['runAsNonRoot'], true);
    assert.equal(pod['securityContext']['seccompProfile']['type'], 'RuntimeDefault');
    assert.equal(container['securityContext']['readOnlyRootFilesystem'], true);
    assert.deepEqual(container['securityContext']['capabilities']['drop'], ['ALL']);
    assert.equal(container['readinessProbe']['httpGet']['path'], '/readyz');
    assert.equal(container['livenessProbe']['httpGet']['path'], '/healthz');
    assert.ok(container['resources']['limits']['memory']);
    assert.equal(container['args'].includes('--enable-mutation'), enableMutation);
    assert.equal(byKind('PodDisruptionBudget')['spec']['minAvailable'], 1);
    const vwc = byKind('ValidatingWebhookConfiguration');
    assert.equal(vwc['metadata']['annotations']['cert-manager.io/inject-ca-from'], 'sec/stockade-admission-tls');
    const hook = vwc['webhooks'][0];
    assert.equal(hook['failurePolicy'], 'Fail');
    assert.equal(hook['timeoutSeconds'], 5);
    assert.equal(hook['sideEffects'], 'None');
    assert.deepEqual(hook['admissionReviewVersions'], ['v1']);
    assert.ok(hook['matchConditions'].some((c: Obj) => c['expression'] === "request.namespace != 'kube-system'"));
    const resources = hook['rules'].flatMap((r: Obj) => r['resources']);
    for (const r of ['pods', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs', 'replicationcontrollers', 'podtemplates']) assert.ok(resources.includes(r), r);
    assert.equal(hook['clientConfig']['service']['path'], '/validate');
    const cert = docs.find((d) => d['kind'] === 'Certificate' && d['metadata']['name'] === 'stockade-admission-tls') as Obj;
    assert.deepEqual(cert['spec']['dnsNames'], ['stockade-admission.sec.svc', 'stockade-admission.sec.svc.cluster.local']);
    // The ConfigMap's files are valid for the webhook's own loaders.
    const data = byKind('ConfigMap')['data'];
    parsePodSecurityConfiguration(data['pod-security.yaml'], 'pod-security.yaml');
    parseNamespaceLabels(data['namespace-labels.yaml'], 'namespace-labels.yaml');
    validateProjectConfig(parseYamlFile(data['stockade.yaml']).documents[0]?.value, 'stockade.yaml');
  });
}

test('manifests pass `stockade config` with no HIGH or CRITICAL finding, and PSS restricted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-admission-manifests-'));
  const file = join(dir, 'stockade-admission.yaml');
  writeFileSync(file, printAdmissionManifests({ enableMutation: true }));
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'config', file, '--pss-level', 'restricted', '-f', 'json', '-q', '--scanners', 'config'], { maxBuffer: 16 * 1024 * 1024 });
  const findings = (JSON.parse(stdout) as { misconfigurations: Array<{ ruleId: string; severity: string; message: string; frameworks: string[] }> }).misconfigurations;
  const serious = findings.filter((f) => f.severity === 'HIGH' || f.severity === 'CRITICAL');
  assert.deepEqual(serious.map((f) => `${f.ruleId} ${f.message}`), []);
  const pss = findings.filter((f) => f.frameworks.some((x) => x.startsWith('pss:')));
  assert.deepEqual(pss.map((f) => `${f.ruleId} ${f.message}`), []);
});
