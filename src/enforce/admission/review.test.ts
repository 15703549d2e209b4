/** The AdmissionReview codec at the edge, without a network (the HTTPS tests cover the same over TLS). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { acceptableContentType, annotationKey, decodeReview, jsonNestsDeeperThan } from './review.js';
import { AdmissionApp } from './app.js';
import { review } from './test-support.js';

const bytes = (s: string) => Buffer.from(s);

test('depth scan ignores brackets inside strings and escapes', () => {
  assert.equal(jsonNestsDeeperThan('{"a":[[1]]}', 3), false);
  assert.equal(jsonNestsDeeperThan('{"a":[[[1]]]}', 3), true);
  assert.equal(jsonNestsDeeperThan('{"a":"[[[[[[\\"[[[["}', 1), false);
});

test('decode: limits, media types and envelope', () => {
  const ok = decodeReview(bytes(JSON.stringify(review({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }))));
  assert.ok('request' in ok && ok.request.kind.kind === 'Pod');
  const big = decodeReview(new Uint8Array(11), { maxBodyBytes: 10, maxDepth: 10 });
  assert.ok('error' in big && big.error.httpStatus === 413);
  const noUid = decodeReview(bytes('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}'));
  assert.ok('error' in noUid && /request\.uid/.test(noUid.error.message));
  assert.ok(acceptableContentType(undefined));
  assert.ok(acceptableContentType('application/json; charset=utf-8'));
  assert.ok(acceptableContentType('application/merge-patch+json'));
  assert.ok(!acceptableContentType('text/plain'));
});

test('audit annotation keys are single qualified-name segments', () => {
  assert.equal(annotationKey('SK-K8S-0101'), 'SK-K8S-0101');
  assert.equal(annotationKey('exception-trust.tag'), 'exception-trust.tag');
  assert.equal(annotationKey('policies/require labels!'), 'policies-require-labels');
  assert.equal(annotationKey('x'.repeat(100)).length, 63);
  assert.equal(annotationKey('---'), 'stockade');
});

test('app.inject: routes, readiness before settings load, and answers without a network', async () => {
  const config = join(mkdtempSync(join(tmpdir(), 'stockade-review-test-')), 'stockade.yaml');
  writeFileSync(config, '{}\n');
  const app = new AdmissionApp({ logger: pino({ level: 'silent' }), files: { config } });
  assert.equal((await app.inject({ path: '/readyz' })).status, 503);
  const early = await app.inject({ path: '/validate', body: JSON.stringify(review({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} })), headers: { 'content-type': 'application/json' } });
  assert.equal(early.status, 503);
  await app.load();
  assert.equal((await app.inject({ path: '/readyz' })).status, 200);
  const r = await app.inject({ path: '/validate', body: JSON.stringify(review({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'a:1' }] } })), headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as { response: { allowed: boolean } }).response.allowed, true);
  assert.equal((await app.inject({ path: '/mutate', body: '{}' })).status, 404, '/mutate is off by default');
  app.drain();
  assert.equal((await app.inject({ path: '/readyz' })).status, 503);
});
