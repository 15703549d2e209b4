/**
 * Failure details worded as pod-security-admission words them, so a denial from the
 * webhook reads like the API server's own. Expected strings are PSA's: its unit tests'
 * expectDetail (check_runAsNonRoot_test.go) and kubectl's output for a restricted
 * namespace as quoted in public issue reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePodSecurity } from './evaluate.js';

const details = (spec: Record<string, unknown>) => evaluatePodSecurity({}, spec, 'restricted', 'latest').failures.map((f) => `${f.reason} (${f.detail})`);

test('restricted failures read as pod-security-admission writes them', () => {
  assert.ok(details({ securityContext: { runAsNonRoot: false }, containers: [{ name: 'a' }] }).includes('runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)'));
  const api = details({ containers: [{ name: 'api', image: 'x' }] });
  assert.ok(api.includes('allowPrivilegeEscalation != false (container "api" must set securityContext.allowPrivilegeEscalation=false)'), api.join('\n'));
  assert.ok(api.includes('unrestricted capabilities (container "api" must set securityContext.capabilities.drop=["ALL"])'), api.join('\n'));
  assert.ok(api.includes('seccompProfile (pod or container "api" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'), api.join('\n'));
  const explicit = details({ containers: [{ name: 'test', securityContext: { runAsNonRoot: false } }] });
  assert.ok(explicit.includes('runAsNonRoot != true (container "test" must not set securityContext.runAsNonRoot=false)'), explicit.join('\n'));
  const root = details({ securityContext: { runAsUser: 0, runAsNonRoot: true }, containers: [{ name: 'c' }] });
  assert.ok(root.includes('runAsUser=0 (pod must not set runAsUser=0)'), root.join('\n'));
});
