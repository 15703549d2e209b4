/**
 * The webhook end to end over real HTTPS (a throwaway CA made with openssl): PSA modes
 * (enforce/audit/warn) and exemptions, dry runs, namespace labels from the file and from
 * Namespace reviews, the trust policy, stockade.yaml modes and exceptions, RBAC and
 * unknown kinds, update short-circuits, the policy-hook extension point, mutation, and
 * /metrics. Expected verdicts come from the Pod Security Standards and the settings
 * written here, not from earlier webhook output.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestTls, opensslMissing, review, deploymentOf, startTestServer, type TestServer, type TestTls } from './test-support.js';
import type { AdmissionPolicyHook } from './policy-hooks.js';

const skip = opensslMissing();
const dir = mkdtempSync(join(tmpdir(), 'stockade-admission-webhook-'));
let tls: TestTls;
let s: TestServer;

const NOW = new Date('2026-11-25T12:00:00Z');

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A pod that passes restricted (and so baseline), with a pinned, tagged image. */
function restrictedPod(name = 'ok', image = 'registry.example.com/team/app:1.2.3'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'app',
          image,
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

/** Passes baseline, fails restricted (no runAsNonRoot, no drop ALL...). */
function baselinePod(name = 'base'): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'registry.example.com/team/app:1.2.3' }] } };
}

/** Fails baseline: privileged. */
function privilegedPod(name = 'priv'): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'registry.example.com/team/app:1.2.3', securityContext: { privileged: true } }] } };
}

const throwingHook: AdmissionPolicyHook = {
  id: 'test-throws',
  evaluate(input) {
    if (input.request.namespace === 'hook-throws') throw new Error('boom');
    return [];
  },
};

/** Stands in for a CEL policy: ConfigMaps must carry an owner label (a VAP with validationActions [Deny]). */
const celLikeHook: AdmissionPolicyHook = {
  id: 'test-cel',
  evaluate(input) {
    if (input.object['kind'] !== 'ConfigMap') return [];
    const labels = ((input.object['metadata'] as Record<string, unknown> | undefined)?.['labels'] ?? {}) as Record<string, string>;
    return labels['owner'] ? [] : [{ ruleId: 'require-owner-label', severity: 'MEDIUM', reason: 'ConfigMaps must have an owner label', actions: ['deny'] }];
  },
};

before(async () => {
  if (skip) return;
  tls = makeTestTls(join(dir));
  const labels = write(
    'namespace-labels.yaml',
    `restricted-ns:
  pod-security.kubernetes.io/enforce: restricted
baseline-ns:
  pod-security.kubernetes.io/enforce: baseline
  pod-security.kubernetes.io/audit: restricted
  pod-security.kubernetes.io/warn: restricted
old-ns:
  pod-security.kubernetes.io/enforce: restricted
  pod-security.kubernetes.io/enforce-version: v1.0
bad-labels-ns:
  pod-security.kubernetes.io/enforce: strict
exempt-ns:
  pod-security.kubernetes.io/enforce: restricted
hook-throws: {}
`,
  );
  const pss = write(
    'pss.yaml',
    `apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
defaults:
  enforce: baseline
  enforce-version: latest
exemptions:
  usernames: [system:serviceaccount:kube-system:replicaset-controller-exempt]
  runtimeClasses: [gvisor-exempt]
  namespaces: [exempt-ns]
`,
  );
  const config = write(
    'stockade.yaml',
    `trust:
  registries: [registry.example.com]
  forbiddenTags: [latest]
enforcement:
  severities: {MEDIUM: audit}
  rules:
    SK-K8S-0002: warn
    trust.tag: deny
  exceptions:
    - rules: [SK-K8S-0029]
      images: [ghcr.io/vendor/**]
      expires: '2026-12-31'
      reason: vendor images mirrored next quarter
    - rules: [SK-K8S-0101]
      namespaces: [cni-*]
      expires: '2026-12-31'
      reason: CNI daemonset needs privileges
    - rules: [SK-K8S-0020]
      namespaces: [expired-*]
      expires: '2026-01-01'
      reason: expired long ago
`,
  );
  s = await startTestServer({ tls, files: { namespaceLabels: labels, pssConfig: pss, config }, hooks: [throwingHook, celLikeHook], enableMutation: true, now: () => NOW });
});

after(async () => {
  await s?.close();
});

test('enforce: a pod failing the namespace level is refused, naming each rule and reason as PSA words it', { skip }, async () => {
  const a = await s.post('/validate', review(baselinePod(), { namespace: 'restricted-ns' }));
  assert.equal(a.status, 200);
  assert.equal(a.allowed, false);
  assert.equal(a.code, 403);
  assert.match(a.message, /^violates PodSecurity "restricted:latest": /);
  for (const id of ['SK-K8S-0116', 'SK-K8S-0115', 'SK-K8S-0117', 'SK-K8S-0111']) assert.ok(a.message.includes(`[${id}]`), `${id} named in ${a.message}`);
  // PSA's shape: reason (detail naming the container and field) [rule id].
  assert.match(a.message, /allowPrivilegeEscalation != false \(container "app" [^)]*securityContext\.allowPrivilegeEscalation=false\) \[SK-K8S-0116\]/);
  assert.equal(a.annotations['pss-enforce-policy'], 'restricted:latest');
  // The version label is honoured and shown as PSA shows it.
  const old = await s.post('/validate', review(restrictedPod(), { namespace: 'old-ns' }));
  assert.equal(old.allowed, true);
  assert.equal(old.annotations['pss-enforce-policy'], 'restricted:v1.0');
});

test('audit and warn: annotations and warnings, the request allowed', { skip }, async () => {
  const a = await s.post('/validate', review(baselinePod(), { namespace: 'baseline-ns' }));
  assert.equal(a.allowed, true);
  assert.match(a.annotations['pss-audit-violations'] ?? '', /^would violate PodSecurity "restricted:latest": /);
  const warn = a.warnings.find((w) => w.startsWith('would violate PodSecurity "restricted:latest": '));
  assert.ok(warn, `warnings: ${a.warnings.join(' | ')}`);
  // Non-PSS rules by stockade.yaml modes: SK-K8S-0002 (MEDIUM) warn by rule; SK-K8S-0001 (MEDIUM) audit by severity.
  assert.ok(a.warnings.some((w) => w.startsWith('SK-K8S-0002: ')), 'rule mode warn');
  assert.ok(a.annotations['SK-K8S-0001'], 'severity mode audit');
  // Warn follows enforce when only enforce is set stricter than the default: restricted-ns warns nothing (it denies).
  const denied = await s.post('/validate', review(privilegedPod(), { namespace: 'baseline-ns' }));
  assert.equal(denied.allowed, false);
  assert.ok(!denied.warnings.some((w) => w.includes('PodSecurity')), 'no PSS warning on a request PSS refuses');
});

test('defaults from the PodSecurityConfiguration apply to namespaces known from nowhere', { skip }, async () => {
  assert.equal((await s.post('/validate', review(baselinePod(), { namespace: 'unlabelled' }))).allowed, true);
  const a = await s.post('/validate', review(privilegedPod(), { namespace: 'unlabelled' }));
  assert.equal(a.allowed, false);
  assert.match(a.message, /violates PodSecurity "baseline:latest": privileged .*\[SK-K8S-0101\]/);
});

test('unparsable namespace labels evaluate as restricted:latest and say so', { skip }, async () => {
  const a = await s.post('/validate', review(baselinePod(), { namespace: 'bad-labels-ns' }));
  assert.equal(a.allowed, false);
  assert.match(a.message, /restricted:latest/);
  assert.match(a.annotations['pss-error'] ?? '', /pod-security\.kubernetes\.io\/enforce=strict: must be one of/);
});

test('exemptions: namespace, username, runtimeClass (PSS only; other rules still apply)', { skip }, async () => {
  const ns = await s.post('/validate', review(privilegedPod(), { namespace: 'exempt-ns' }));
  assert.equal(ns.allowed, true);
  assert.equal(ns.annotations['pss-exempt'], 'namespace');
  const user = await s.post('/validate', review(privilegedPod(), { namespace: 'restricted-ns', username: 'system:serviceaccount:kube-system:replicaset-controller-exempt' }));
  assert.equal(user.allowed, true);
  assert.equal(user.annotations['pss-exempt'], 'user');
  const pod = privilegedPod();
  (pod['spec'] as Record<string, unknown>)['runtimeClassName'] = 'gvisor-exempt';
  const rc = await s.post('/validate', review(pod, { namespace: 'restricted-ns' }));
  assert.equal(rc.allowed, true);
  assert.equal(rc.annotations['pss-exempt'], 'runtimeClass');
  const sock = privilegedPod('sock');
  const spec = sock['spec'] as Record<string, unknown>;
  spec['volumes'] = [{ name: 'd', hostPath: { path: '/var/run/docker.sock' } }];
  const still = await s.post('/validate', review(sock, { namespace: 'exempt-ns' }));
  assert.equal(still.allowed, false, 'the runtime socket rule is not a PSS check');
  assert.match(still.message, /SK-K8S-0009: /);
});

test('dry run: the same verdict, and nothing learnt or counted as enforcement', { skip }, async () => {
  const real = await s.post('/validate', review(privilegedPod('dry'), { namespace: 'restricted-ns' }));
  const dry = await s.post('/validate', review(privilegedPod('dry'), { namespace: 'restricted-ns', dryRun: true }));
  assert.equal(dry.allowed, real.allowed);
  assert.equal(dry.message, real.message);
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dry-ns', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
  assert.equal((await s.post('/validate', review(ns, { dryRun: true }))).allowed, true);
  assert.equal((await s.post('/validate', review(baselinePod(), { namespace: 'dry-ns' }))).allowed, true, 'a dry-run Namespace teaches nothing (defaults: baseline)');
  const metrics = (await s.get('/metrics')).body;
  assert.match(metrics, /stockade_admission_requests_total\{endpoint="validate",kind="Pod",outcome="denied",dry_run="true"\} [1-9]/);
});

test('a Namespace admitted for real teaches its labels; invalid pod-security labels are refused as PSA does', { skip }, async () => {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'learnt-ns', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
  assert.equal((await s.post('/validate', review(ns))).allowed, true);
  assert.equal((await s.post('/validate', review(baselinePod(), { namespace: 'learnt-ns' }))).allowed, false);
  const bad = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bad-ns', labels: { 'pod-security.kubernetes.io/enforce-version': 'v2.0' } } };
  const a = await s.post('/validate', review(bad));
  assert.equal(a.allowed, false);
  assert.equal(a.code, 422);
  assert.match(a.message, /^Namespace "bad-ns" is invalid: metadata\.labels\[pod-security\.kubernetes\.io\/enforce-version\]: Invalid value: "v2\.0": must be "latest" or "v1\.x"/);
  // An update that leaves invalid labels unchanged is allowed (PSA only checks changed labels).
  const relabel = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bad-ns', labels: { 'pod-security.kubernetes.io/enforce-version': 'v2.0', team: 'a' } } };
  assert.equal((await s.post('/validate', review(relabel, { operation: 'UPDATE', oldObject: bad }))).allowed, true);
  // Deleting forgets what was learnt.
  assert.equal((await s.post('/validate', review(ns, { operation: 'DELETE', oldObject: ns }))).allowed, true);
  assert.equal((await s.post('/validate', review(baselinePod(), { namespace: 'learnt-ns' }))).allowed, true);
});

test('trust policy: registries (SK-K8S-0029) and tags (trust.tag) on every image, exceptions per image', { skip }, async () => {
  const evil = restrictedPod('evil', 'evil.example.net/x/miner:1.0');
  const a = await s.post('/validate', review(evil, { namespace: 'restricted-ns' }));
  assert.equal(a.allowed, false);
  assert.match(a.message, /SK-K8S-0029: container "app" image "evil\.example\.net\/x\/miner:1\.0": evil\.example\.net\/x\/miner is not in the trusted registries/);
  const latest = await s.post('/validate', review(restrictedPod('latest', 'registry.example.com/team/app:latest'), { namespace: 'restricted-ns' }));
  assert.equal(latest.allowed, false);
  assert.match(latest.message, /trust\.tag: image "registry\.example\.com\/team\/app:latest": tag latest is forbidden/);
  // A vendor image outside the registries is excepted until 2026-12-31 (NOW is 2026-11-25), recorded for audit.
  const vendor = await s.post('/validate', review(restrictedPod('vendor', 'ghcr.io/vendor/agent:2.0'), { namespace: 'restricted-ns' }));
  assert.equal(vendor.allowed, true, vendor.message);
  assert.match(vendor.annotations['exception-SK-K8S-0029'] ?? '', /vendor images mirrored next quarter \(until 2026-12-31\)/);
  const init = restrictedPod('mixed', 'registry.example.com/team/app:1.2.3');
  ((init['spec'] as Record<string, unknown>)['initContainers'] as unknown) = [{ name: 'init', image: 'docker.io/library/busybox:1.36', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }];
  const mixed = await s.post('/validate', review(deploymentOf(init), { namespace: 'restricted-ns' }));
  assert.equal(mixed.allowed, false, 'every image of a workload is checked, init containers too');
  assert.match(mixed.message, /docker\.io\/library\/busybox/);
});

test('modes and exceptions from stockade.yaml; PSS follows the namespace level but honours exceptions', { skip }, async () => {
  // SK-K8S-0101 (privileged) is lifted for cni-* namespaces by an exception, recorded as an audit annotation.
  const cni = await s.post('/validate', review(privilegedPod('cni'), { namespace: 'cni-calico' }));
  assert.equal(cni.allowed, true, cni.message);
  assert.match(cni.annotations['exception-SK-K8S-0101'] ?? '', /CNI daemonset needs privileges \(until 2026-12-31\)/);
  const elsewhere = await s.post('/validate', review(privilegedPod('cni'), { namespace: 'other' }));
  assert.equal(elsewhere.allowed, false);
  // RBAC: wildcard (HIGH -> deny); the expired exception does not apply.
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'all', namespace: 'expired-a' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] };
  const r = await s.post('/validate', review(role, { namespace: 'expired-a' }));
  assert.equal(r.allowed, false);
  assert.match(r.message, /SK-K8S-0020: /);
});

test('kinds: every pod-template kind is judged; others are allowed; subresources and deletes pass', { skip }, async () => {
  const pod = privilegedPod('w');
  const templateOf = (kind: string): Record<string, unknown> => {
    const template = { metadata: { labels: { app: 'w' } }, spec: pod['spec'] };
    switch (kind) {
      case 'CronJob':
        return { apiVersion: 'batch/v1', kind, metadata: { name: 'w' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template } } } };
      case 'PodTemplate':
        return { apiVersion: 'v1', kind, metadata: { name: 'w' }, template };
      default:
        return { apiVersion: 'apps/v1', kind, metadata: { name: 'w' }, spec: { selector: { matchLabels: { app: 'w' } }, template } };
    }
  };
  for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController', 'PodTemplate']) {
    const a = await s.post('/validate', review(templateOf(kind), { namespace: 'restricted-ns' }));
    assert.equal(a.allowed, false, `${kind} holding a privileged pod`);
    assert.match(a.message, /\[SK-K8S-0101\]/, kind);
  }
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { owner: 'a' } }, data: { privileged: 'true' } };
  const other = await s.post('/validate', review(cm, { namespace: 'restricted-ns' }));
  assert.equal(other.allowed, true);
  const svc = await s.post('/validate', review({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} }, { namespace: 'restricted-ns' }));
  assert.equal(svc.allowed, true, 'unknown kinds are allowed');
  assert.equal((await s.post('/validate', review(privilegedPod(), { namespace: 'restricted-ns', subResource: 'status', operation: 'UPDATE', oldObject: privilegedPod() }))).allowed, true);
  assert.equal((await s.post('/validate', review(privilegedPod(), { namespace: 'restricted-ns', operation: 'DELETE' }))).allowed, true);
});

test('--pss-templates warn: as the PodSecurity plugin, a bad template is warned, not refused', { skip }, async () => {
  const psa = await startTestServer({ tls, files: { namespaceLabels: join(dir, 'namespace-labels.yaml') }, templates: 'warn' });
  try {
    const d = await psa.post('/validate', review(deploymentOf(baselinePod()), { namespace: 'restricted-ns' }));
    assert.equal(d.allowed, true);
    assert.ok(d.warnings.some((w) => w.startsWith('would violate PodSecurity "restricted:latest"')), 'warn follows enforce');
    assert.equal((await psa.post('/validate', review(baselinePod(), { namespace: 'restricted-ns' }))).allowed, false, 'pods are still refused');
  } finally {
    await psa.close();
  }
});

test('updates: metadata-only pod updates and unchanged templates are not re-judged (PSA)', { skip }, async () => {
  const old = privilegedPod('running');
  const relabelled = structuredClone(old);
  (relabelled['metadata'] as Record<string, unknown>)['labels'] = { touched: 'yes' };
  assert.equal((await s.post('/validate', review(relabelled, { namespace: 'restricted-ns', operation: 'UPDATE', oldObject: old }))).allowed, true);
  const newImage = structuredClone(old);
  (((newImage['spec'] as Record<string, unknown>)['containers'] as Array<Record<string, unknown>>)[0] as Record<string, unknown>)['image'] = 'registry.example.com/team/app:2.0.0';
  assert.equal((await s.post('/validate', review(newImage, { namespace: 'restricted-ns', operation: 'UPDATE', oldObject: old }))).allowed, false, 'an image change is judged');
  const deployment = deploymentOf(old);
  const scaled = structuredClone(deployment);
  (scaled['spec'] as Record<string, unknown>)['replicas'] = 5;
  assert.equal((await s.post('/validate', review(scaled, { namespace: 'restricted-ns', operation: 'UPDATE', oldObject: deployment }))).allowed, true);
});

test('policy hooks (where CEL plugs in): findings with actions, and a failing hook fails closed', { skip }, async () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'no-owner' }, data: {} };
  const a = await s.post('/validate', review(cm, { namespace: 'restricted-ns' }));
  assert.equal(a.allowed, false);
  assert.equal(a.message, 'require-owner-label: ConfigMaps must have an owner label');
  const boom = await s.post('/validate', review(restrictedPod(), { namespace: 'hook-throws' }));
  assert.equal(boom.allowed, false);
  assert.equal(boom.code, 500);
  assert.match(boom.message, /fails closed: policy hook test-throws failed: boom/);
});

test('/mutate adds only safe defaults, on CREATE, as a base64 JSONPatch', { skip }, async () => {
  const a = await s.post('/mutate', review(baselinePod(), { namespace: 'restricted-ns' }));
  assert.equal(a.allowed, true);
  assert.equal((a.raw['response'] as Record<string, unknown>)['patchType'], 'JSONPatch');
  assert.deepEqual(a.patch, [
    { op: 'add', path: '/spec/securityContext', value: { seccompProfile: { type: 'RuntimeDefault' } } },
    { op: 'add', path: '/spec/containers/0/securityContext', value: { allowPrivilegeEscalation: false } },
  ]);
  const update = await s.post('/mutate', review(baselinePod(), { namespace: 'restricted-ns', operation: 'UPDATE', oldObject: baselinePod() }));
  assert.equal(update.patch, undefined);
});

test('/healthz, /readyz and /metrics; decision counters move per rule and outcome', { skip }, async () => {
  assert.equal((await s.get('/healthz')).status, 200);
  assert.equal((await s.get('/readyz')).status, 200);
  const count = async (): Promise<number> => {
    const m = /stockade_admission_decisions_total\{rule="SK-K8S-0101",outcome="deny"\} (\d+)/.exec((await s.get('/metrics')).body);
    return m ? Number(m[1]) : 0;
  };
  const beforeCount = await count();
  await s.post('/validate', review(privilegedPod('m1'), { namespace: 'restricted-ns' }));
  await s.post('/validate', review(privilegedPod('m2'), { namespace: 'restricted-ns', dryRun: true }));
  assert.equal(await count(), beforeCount + 1, 'one real denial counted, the dry run not');
  const metrics = (await s.get('/metrics')).body;
  assert.match(metrics, /stockade_admission_request_duration_seconds_bucket\{le="0\.005",endpoint="validate"\} \d+/);
  assert.match(metrics, /stockade_admission_decisions_total\{rule="SK-K8S-0001",outcome="audit"\} \d+/);
});

test('reload: a new namespace-labels file changes verdicts; a broken file keeps the old settings', { skip }, async () => {
  const file = write('reload-labels.yaml', 'reload-ns: {pod-security.kubernetes.io/enforce: privileged}\n');
  const r = await startTestServer({ tls, files: { namespaceLabels: file } });
  try {
    assert.equal((await r.post('/validate', review(privilegedPod(), { namespace: 'reload-ns' }))).allowed, true);
    write('reload-labels.yaml', 'reload-ns: {pod-security.kubernetes.io/enforce: baseline}\n');
    assert.equal(await r.app.reload(), true);
    assert.equal((await r.post('/validate', review(privilegedPod(), { namespace: 'reload-ns' }))).allowed, false);
    write('reload-labels.yaml', 'reload-ns: [not, a, mapping]\n');
    assert.equal(await r.app.reload(), false);
    assert.equal((await r.get('/readyz')).status, 200);
    assert.equal((await r.post('/validate', review(privilegedPod(), { namespace: 'reload-ns' }))).allowed, false, 'old settings kept');
  } finally {
    await r.close();
  }
});
