/**
 * Hardening rules: a failing and a passing fixture per rule. Expected lines come from
 * searching the fixture text (`lineOf`), never from our own output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseKubernetesFile } from '../document.js';
import { isFrameworkRef, type Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { corpusPath } from '../../../testing/corpus.js';
import { HARDENING_RULES } from './index.js';
import { RBAC_RULES } from '../rbac/index.js';

export function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split('\n');
  const start = after ? lines.findIndex((l) => l.includes(after)) : 0;
  const index = lines.findIndex((l, i) => i >= start && l.includes(needle));
  assert.ok(index >= 0, `fixture lacks ${needle}`);
  return index + 1;
}

export function run(rule: Rule<KubernetesDocument>, text: string) {
  const file = parseKubernetesFile(text);
  assert.deepEqual(file.errors, []);
  return file.documents.flatMap((doc) => rule.check(doc));
}

function rule(id: string): Rule<KubernetesDocument> {
  const found = HARDENING_RULES.find((r) => r.id === id);
  assert.ok(found, id);
  return found;
}

const BAD = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  template:
    spec:
      volumes:
      - name: sock
        hostPath:
          path: /var/run/docker.sock
      - name: rundir
        hostPath:
          path: //run/./
      - name: data
        hostPath:
          path: /srv/data
      initContainers:
      - name: init
        image: busybox
        resources:
          limits:
            cpu: 100m
      containers:
      - name: app
        image: registry.local:5000/team/app:latest
        securityContext:
          readOnlyRootFilesystem: false
        env:
        - name: DB_PASSWORD
          value: hunter2hunter2
        - name: apiToken
          value: abcdefghijkl
        - name: PASSWORD_FILE
          value: /run/secrets/pw
        - name: JWT_SECRET
          valueFrom:
            secretKeyRef: {name: s, key: k}
        volumeMounts:
        - name: sock
          mountPath: /var/run/docker.sock
`;

const GOOD = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      automountServiceAccountToken: false
      volumes:
      - name: tmp
        emptyDir: {}
      containers:
      - name: app
        image: registry.local:5000/team/app:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        securityContext:
          readOnlyRootFilesystem: true
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: 200m, memory: 128Mi}
        env:
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef: {name: db, key: password}
        - name: KEY_PATH
          value: /etc/keys/tls.key
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: shop
automountServiceAccountToken: false
`;

test('rule metadata is complete and cites valid frameworks', () => {
  const ids = new Set<string>();
  for (const r of [...HARDENING_RULES, ...RBAC_RULES]) {
    assert.match(r.id, /^SK-K8S-00\d\d$/);
    assert.ok(!ids.has(r.id), `duplicate ${r.id}`);
    ids.add(r.id);
    assert.equal(r.kind, 'kubernetes');
    for (const ref of r.frameworks) assert.ok(isFrameworkRef(ref), `${r.id} ${ref}`);
    assert.ok(r.frameworks.some((f) => f.startsWith('nist-800-190:4.')), r.id);
    assert.ok(r.frameworks.some((f) => f.startsWith('stride:')), r.id);
    assert.ok(r.frameworks.some((f) => f.startsWith('nsa-k8s:')), r.id);
  }
});

test('SK-K8S-0001 resources: missing fields reported per container', () => {
  const v = run(rule('SK-K8S-0001'), BAD);
  assert.deepEqual(v.map((x) => x.position?.line), [lineOf(BAD, 'resources:', '- name: init'), lineOf(BAD, '- name: app')]);
  assert.match(v[0]?.reason ?? '', /requests\.cpu.*requests\.memory.*limits\.memory/);
  assert.doesNotMatch(v[0]?.reason ?? '', /limits\.cpu/);
  assert.deepEqual(run(rule('SK-K8S-0001'), GOOD), []);
});

test('SK-K8S-0002 readOnlyRootFilesystem', () => {
  const v = run(rule('SK-K8S-0002'), BAD);
  assert.deepEqual(v.map((x) => x.position?.line), [lineOf(BAD, '- name: init'), lineOf(BAD, 'readOnlyRootFilesystem: false')]);
  assert.deepEqual(run(rule('SK-K8S-0002'), GOOD), []);
});

test('SK-K8S-0003 service account token: pod and ServiceAccount', () => {
  const sa = `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: build\nautomountServiceAccountToken: true\n`;
  const v = run(rule('SK-K8S-0003'), `${BAD}---\n${sa}`);
  assert.deepEqual(v.map((x) => x.position?.line), [lineOf(BAD, '  spec:', 'template:'), BAD.split('\n').length + lineOf(sa, 'automountServiceAccountToken')]);
  assert.deepEqual(run(rule('SK-K8S-0003'), GOOD), []);
});

test('SK-K8S-0004/0005 namespaces', () => {
  assert.deepEqual(run(rule('SK-K8S-0004'), BAD).map((x) => x.position?.line), [lineOf(BAD, 'namespace: default')]);
  assert.deepEqual(run(rule('SK-K8S-0004'), GOOD), []);
  const bare = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n`;
  assert.deepEqual(run(rule('SK-K8S-0005'), bare).map((x) => x.position?.line), [lineOf(bare, 'metadata:')]);
  assert.deepEqual(run(rule('SK-K8S-0005'), GOOD), []);
  assert.deepEqual(run(rule('SK-K8S-0005'), BAD), []);
});

test('SK-K8S-0006/0007 image tags and digests', () => {
  assert.deepEqual(run(rule('SK-K8S-0006'), BAD).map((x) => x.position?.line), [lineOf(BAD, 'image: busybox'), lineOf(BAD, 'app:latest')]);
  assert.deepEqual(run(rule('SK-K8S-0007'), BAD).map((x) => x.position?.line), [lineOf(BAD, 'image: busybox'), lineOf(BAD, 'app:latest')]);
  const tagged = BAD.replace('app:latest', 'app:1.0');
  assert.deepEqual(run(rule('SK-K8S-0006'), tagged).map((x) => x.position?.line), [lineOf(BAD, 'image: busybox')]);
  assert.deepEqual(run(rule('SK-K8S-0006'), GOOD), []);
  assert.deepEqual(run(rule('SK-K8S-0007'), GOOD), []);
});

test('SK-K8S-0029 trusted registries: only with a trust policy, Docker Hub names normalised', () => {
  const trusted = rule('SK-K8S-0029');
  assert.deepEqual(run(trusted, BAD), [], 'no policy, no findings');
  const withPolicy = (registries: string[]) => {
    const file = parseKubernetesFile(BAD);
    return file.documents.flatMap((doc) => trusted.check(doc, { trust: { registries } }));
  };
  // `busybox` is docker.io/library/busybox (Docker's normalisation; see registry/reference.test).
  assert.deepEqual(withPolicy(['docker.io/library/*']).map((x) => x.position?.line), [lineOf(BAD, 'app:latest')]);
  assert.deepEqual(withPolicy(['docker.io']).map((x) => x.position?.line), [lineOf(BAD, 'app:latest')]);
  assert.deepEqual(withPolicy(['docker.io', 'registry.local:5000/team/*']), []);
  const all = withPolicy(['registry.internal.example']);
  assert.deepEqual(all.map((x) => x.position?.line), [lineOf(BAD, 'image: busybox'), lineOf(BAD, 'app:latest')]);
  assert.match(all[0]?.reason ?? '', /docker\.io\/library\/busybox is not in the trusted registries/);
});

test('SK-K8S-0030 committed Secret values: data and stringData per key, masked; cluster-filled types and empty values pass', () => {
  const committed = rule('SK-K8S-0030');
  const password = 'correct-horse-battery';
  const text = [
    'apiVersion: v1',
    'kind: Secret',
    'metadata: {name: db}',
    'data:',
    `  password: ${Buffer.from(password).toString('base64')}`,
    '  empty: ""',
    'stringData:',
    '  token: abcdefghijkl',
    '---',
    'apiVersion: v1',
    'kind: Secret',
    'metadata: {name: sa-token, annotations: {kubernetes.io/service-account.name: app}}',
    'type: kubernetes.io/service-account-token',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: cm}',
    'data: {password: not-a-secret-object}',
  ].join('\n');
  const v = run(committed, text);
  assert.deepEqual(v.map((x) => x.position?.line), [lineOf(text, 'password:'), lineOf(text, 'token:')]);
  assert.deepEqual(v.map((x) => x.resource), ['Secret/db', 'Secret/db']);
  for (const x of v) assert.doesNotMatch(JSON.stringify(x), /horse|efghijkl|Y29ycmVjd/);
});

test('SK-K8S-0008 literal credentials: names reported, values masked', () => {
  const v = run(rule('SK-K8S-0008'), BAD);
  assert.deepEqual(v.map((x) => x.position?.line), [lineOf(BAD, 'value: hunter2'), lineOf(BAD, 'value: abcdef')]);
  assert.match(v[0]?.reason ?? '', /DB_PASSWORD/);
  assert.match(v[1]?.reason ?? '', /apiToken/);
  for (const x of v) {
    assert.doesNotMatch(JSON.stringify(x), /hunter2h|abcde/);
    assert.match(x.reason, /\*\*\*\*/);
  }
  assert.deepEqual(run(rule('SK-K8S-0008'), GOOD), []);
});

test('SK-K8S-0009 runtime socket hostPath (socket and its directories)', () => {
  const v = run(rule('SK-K8S-0009'), BAD);
  assert.deepEqual(v.map((x) => x.position?.line), [lineOf(BAD, 'path: /var/run/docker.sock'), lineOf(BAD, 'path: //run/./')]);
  assert.match(v[0]?.detail ?? '', /"app"/);
  assert.equal(rule('SK-K8S-0009').severity, 'CRITICAL');
  assert.deepEqual(run(rule('SK-K8S-0009'), GOOD), []);
});

function yamlFiles(dir: string, depth = 0): string[] {
  if (depth > 8) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path, depth + 1);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

test('real-world manifests: no crash, counts per rule', (t) => {
  const root = corpusPath('realworld-k8s');
  if (!root) return t.skip('corpus realworld-k8s absent');
  const counts = new Map<string, number>();
  for (const file of yamlFiles(root)) {
    const parsed = parseKubernetesFile(readFileSync(file, 'utf8'));
    for (const doc of parsed.documents) {
      for (const r of [...HARDENING_RULES, ...RBAC_RULES]) {
        const n = r.check(doc).length;
        counts.set(r.id, (counts.get(r.id) ?? 0) + n);
      }
    }
  }
  t.diagnostic([...counts].map(([id, n]) => `${id}=${n}`).join(' '));
  // microservices-demo runs workloads without digests or read-only roots; argo-cd ships wildcard RBAC.
  assert.ok((counts.get('SK-K8S-0007') ?? 0) > 0);
  assert.ok((counts.get('SK-K8S-0020') ?? 0) > 0);
});
