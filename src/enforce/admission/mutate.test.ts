/**
 * The defaulting patch: applied with an RFC 6902 `add` applier written here, the result
 * must pass the PSS checks the defaults are for (seccompProfile_restricted,
 * allowPrivilegeEscalation) as checks/kubernetes judges them, and nothing unsafe to
 * default (Windows pods, privileged containers, CAP_SYS_ADMIN, the legacy seccomp
 * annotation, explicit values, updates) is touched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePodSecurity, findPodTemplates } from '../../checks/kubernetes/index.js';
import { mutate, safeDefaults, jsonPointer, type JsonPatchOperation } from './mutate.js';
import { review, deploymentOf } from './test-support.js';
import type { AdmissionRequest } from './review.js';

/** RFC 6902 `add` with RFC 6901 pointers (all our patch uses); the parent must exist. */
function applyPatch(doc: unknown, ops: readonly JsonPatchOperation[]): unknown {
  const out = structuredClone(doc) as Record<string, unknown>;
  for (const op of ops) {
    const steps = op.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = steps.pop() as string;
    let node: unknown = out;
    for (const step of steps) {
      node = Array.isArray(node) ? node[Number(step)] : (node as Record<string, unknown>)[step];
      assert.ok(node !== null && typeof node === 'object', `parent of ${op.path} exists`);
    }
    if (Array.isArray(node)) node.splice(last === '-' ? node.length : Number(last), 0, op.value);
    else (node as Record<string, unknown>)[last] = op.value;
  }
  return out;
}

function pssFailures(object: unknown): string[] {
  const t = findPodTemplates(object)[0];
  assert.ok(t);
  return evaluatePodSecurity(t.podMetadata, t.podSpec, 'restricted').failures.map((f) => f.id);
}

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec: {
    initContainers: [{ name: 'init', image: 'busybox:1', securityContext: { runAsUser: 1000 } }],
    containers: [
      { name: 'a', image: 'nginx:1' },
      { name: 'b', image: 'nginx:1', securityContext: { allowPrivilegeEscalation: true } },
      { name: 'c', image: 'nginx:1', securityContext: { privileged: true } },
      { name: 'd', image: 'nginx:1', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } },
    ],
  },
};

test('adds seccomp RuntimeDefault and allowPrivilegeEscalation false only where absent and safe', () => {
  const ops = safeDefaults(pod);
  assert.deepEqual(ops.map((o) => o.path), ['/spec/securityContext', '/spec/initContainers/0/securityContext/allowPrivilegeEscalation', '/spec/containers/0/securityContext']);
  const patched = applyPatch(pod, ops) as typeof pod;
  const before = pssFailures(pod);
  const after = pssFailures(patched);
  assert.ok(before.includes('seccompProfile_restricted') && !after.includes('seccompProfile_restricted'));
  assert.ok(after.includes('allowPrivilegeEscalation'), 'explicit true and privileged/SYS_ADMIN containers are left for the validating webhook');
  assert.equal(patched.spec.containers[1]?.securityContext?.allowPrivilegeEscalation, true);
});

test('a compliant-but-for-defaults Deployment passes restricted once patched; CronJob paths are right', () => {
  const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: 'a', image: 'nginx:1', securityContext: { capabilities: { drop: ['ALL'] } } }] } };
  const deployment = deploymentOf(bare);
  assert.deepEqual(pssFailures(applyPatch(deployment, safeDefaults(deployment))), []);
  const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: bare.spec } } } } };
  assert.deepEqual(safeDefaults(cron).map((o) => o.path), ['/spec/jobTemplate/spec/template/spec/securityContext/seccompProfile', '/spec/jobTemplate/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation']);
  assert.deepEqual(pssFailures(applyPatch(cron, safeDefaults(cron))), []);
});

test('never: Windows pods, the legacy seccomp annotation, updates, other kinds', () => {
  assert.deepEqual(safeDefaults({ ...pod, spec: { ...pod.spec, os: { name: 'windows' } } }), []);
  const annotated = { ...pod, metadata: { name: 'p', annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } } };
  assert.ok(!safeDefaults(annotated).some((o) => o.path.startsWith('/spec/securityContext')));
  const update = review(pod, { operation: 'UPDATE', oldObject: pod })['request'] as AdmissionRequest;
  assert.equal(mutate(update).response.patch, undefined);
  const cm = review({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })['request'] as AdmissionRequest;
  assert.equal(mutate(cm).response.patch, undefined);
  const create = mutate(review(pod)['request'] as AdmissionRequest).response;
  assert.equal(create.patchType, 'JSONPatch');
  assert.deepEqual(JSON.parse(Buffer.from(create.patch as string, 'base64').toString()), safeDefaults(pod));
  assert.equal(jsonPointer(['metadata', 'annotations', 'a/b~c']), '/metadata/annotations/a~1b~0c');
});
