import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTrust } from './policy.js';

const digest = `sha256:${'b'.repeat(64)}`;
const byRequirement = (results: ReturnType<typeof evaluateTrust>) => Object.fromEntries(results.map((r) => [r.requirement, r.ok]));

test('registries: hosts, repository globs, Docker Hub normalisation', () => {
  const policy = { registries: ['ghcr.io', 'docker.io/library/*', 'registry.example.com:5000/team/**'] };
  assert.deepEqual(byRequirement(evaluateTrust('ghcr.io/acme/app:1', policy)), { registry: true });
  assert.deepEqual(byRequirement(evaluateTrust('nginx:1.25', policy)), { registry: true }, 'nginx is docker.io/library/nginx');
  assert.deepEqual(byRequirement(evaluateTrust('bitnami/nginx', policy)), { registry: false }, 'docker.io/bitnami/nginx is not library');
  assert.deepEqual(byRequirement(evaluateTrust('registry.example.com:5000/team/a/b:2', policy)), { registry: true });
  assert.deepEqual(byRequirement(evaluateTrust('registry.example.com/team/a', policy)), { registry: false }, 'another port is another registry');
  assert.match(evaluateTrust('quay.io/x/y', policy)[0]?.message ?? '', /quay\.io\/x\/y is not in the trusted registries/);
});

test('digest pinning and forbidden tags: no tag means latest, a digest pins whatever the tag', () => {
  const policy = { requireDigest: true, forbiddenTags: ['latest'] };
  assert.deepEqual(byRequirement(evaluateTrust('app', policy)), { digest: false, tag: false });
  assert.deepEqual(byRequirement(evaluateTrust('app:latest', policy)), { digest: false, tag: false });
  assert.deepEqual(byRequirement(evaluateTrust('app:1.2', policy)), { digest: false, tag: true });
  assert.deepEqual(byRequirement(evaluateTrust(`app:latest@${digest}`, policy)), { digest: true, tag: true });
});

test('age needs the created time; signatures need a verification outcome for covered repositories only', () => {
  const now = new Date('2026-11-25T00:00:00Z');
  const policy = { maxImageAge: '30d', signatures: [{ repositories: ['ghcr.io/acme/**'], keys: ['cosign.pub'] }] };
  assert.deepEqual(byRequirement(evaluateTrust('ghcr.io/acme/app:1', policy, { created: new Date('2026-11-01T00:00:00Z'), now })), { age: true, signature: false });
  assert.deepEqual(byRequirement(evaluateTrust('ghcr.io/acme/app:1', policy, { created: new Date('2026-09-01T00:00:00Z'), now, signature: { ok: true, message: 'signed' } })), { age: false, signature: true });
  assert.deepEqual(byRequirement(evaluateTrust('ghcr.io/other/app:1', policy, { now })), { age: false }, 'unknown age fails; no signature rule covers other/');
});

test('an invalid reference is one failed requirement naming it', () => {
  const results = evaluateTrust('Not/Valid', { registries: ['ghcr.io'] });
  assert.equal(results.length, 1);
  assert.equal(results[0]?.requirement, 'reference');
  assert.match(results[0]?.message ?? '', /"Not\/Valid": repository name must be lowercase/);
});
