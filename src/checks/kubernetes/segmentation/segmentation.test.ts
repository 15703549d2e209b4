// Segmentation and tiers over a set of manifests. Expectations follow the Kubernetes
// documentation's selector semantics (an empty podSelector selects every pod in the
// namespace; matchExpressions operators) and the fixtures' own labels and lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTERS, KUBERNETES_SET_RULES } from '../../index.js';
import { runConfigChecks } from '../../run-config.js';
import { selectorMatches } from './labels.js';

const deploy = (name: string, ns: string, labels: Record<string, string>, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  template:
    metadata:
      labels: ${JSON.stringify(labels)}
    spec:
${extra}      containers:
      - name: c
        image: example/${name}:1
`;

test('label selectors: matchLabels and every matchExpressions operator', () => {
  const labels = { app: 'web', tier: 'front' };
  assert.ok(selectorMatches({}, labels));
  assert.ok(selectorMatches({ matchLabels: { app: 'web' } }, labels));
  assert.ok(!selectorMatches({ matchLabels: { app: 'db' } }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'x'] }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, labels));
});

test('NetworkPolicy coverage, allow-all policies, Istio mTLS, tiers and sandboxes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-seg-'));
  writeFileSync(join(dir, 'covered.yaml'), deploy('api', 'shop', { app: 'api' }) + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`);
  writeFileSync(join(dir, 'uncovered.yaml'), deploy('batch', 'jobs', { app: 'batch' }));
  writeFileSync(join(dir, 'allow-all.yaml'), `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: open
  namespace: jobs
spec:
  podSelector:
    matchLabels: {app: other}
  ingress:
  - {}
`);
  writeFileSync(join(dir, 'mtls.yaml'), `apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: default
spec:
  mtls:
    mode: PERMISSIVE
`);
  writeFileSync(join(dir, 'tiers.yaml'), deploy('ledger', 'shop', { app: 'ledger', 'stockade.dev/tier': 'high' }) + '---\n' + deploy('blog', 'shop', { app: 'blog', 'stockade.dev/tier': 'low' }) + '---\n' +
    deploy('vault', 'shop', { app: 'vault', 'stockade.dev/tier': 'high' }, '      runtimeClassName: gvisor\n      nodeSelector: {pool: high}\n'));
  const r = await runConfigChecks([dir], { adapters: ADAPTERS, maxFileBytes: 1 << 20, setRules: KUBERNETES_SET_RULES });
  const by = (id: string) => (r.misconfigurations ?? []).filter((f) => f.ruleId === id).map((f) => `${f.file.split('/').pop()}:${f.resource}`).sort();
  assert.deepEqual(by('SK-K8S-0201'), ['uncovered.yaml:Deployment/batch'], 'only the workload no policy selects');
  assert.deepEqual(by('SK-K8S-0203'), ['allow-all.yaml:NetworkPolicy/open']);
  assert.deepEqual(by('SK-K8S-0204'), ['mtls.yaml:PeerAuthentication/default']);
  assert.deepEqual(by('SK-K8S-0202'), ['tiers.yaml:Deployment/blog', 'tiers.yaml:Deployment/ledger'], 'vault has its own node pool');
  assert.deepEqual(by('SK-K8S-0205'), ['tiers.yaml:Deployment/ledger'], 'vault runs on gVisor');
  const uncovered = (r.misconfigurations ?? []).find((f) => f.ruleId === 'SK-K8S-0201');
  assert.equal(uncovered?.line, 4, 'points at metadata.name');
});
