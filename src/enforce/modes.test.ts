import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateProjectConfig } from '../config/project-config.js';
import { modeFor } from './modes.js';

const now = new Date('2026-11-25T12:00:00Z');
const config = validateProjectConfig(
  {
    enforcement: {
      severities: { MEDIUM: 'audit' },
      rules: { 'SK-K8S-01*': 'deny', 'SK-K8S-0107': 'warn', pss: 'deny', 'SK-K8S-0006': 'off' },
      exceptions: [
        { rules: ['SK-K8S-0101'], namespaces: ['kube-*'], expires: '2026-12-31', reason: 'CNI daemonset needs privileges' },
        { selector: { matchLabels: { 'app.kubernetes.io/name': 'debug' } }, expires: '2026-11-24', reason: 'expired yesterday' },
        { rules: ['SK-K8S-0029'], images: ['ghcr.io/vendor/**'], expires: '2027-01-31', reason: 'vendor images mirrored next quarter' },
      ],
    },
  },
  'stockade.yaml',
).enforcement;

test('exact rule beats prefix; prefix beats severity; severities have defaults', () => {
  assert.equal(modeFor('SK-K8S-0107', 'HIGH', config, {}, now).mode, 'warn');
  assert.equal(modeFor('SK-K8S-0108', 'LOW', config, {}, now).mode, 'deny');
  assert.equal(modeFor('SK-K8S-0006', 'HIGH', config, {}, now).mode, 'off');
  assert.equal(modeFor('SK-DF-0001', 'MEDIUM', config, {}, now).mode, 'audit', 'configured severity');
  assert.equal(modeFor('SK-DF-0001', 'CRITICAL', config, {}, now).mode, 'deny', 'default severity');
  assert.equal(modeFor('SK-IMG-0001', 'LOW', undefined, {}, now).mode, 'audit');
  assert.equal(modeFor('SK-X', 'LOW', config, {}, now, ['pss']).mode, 'deny', 'group names match');
});

test('exceptions: namespace globs, label selectors, images (all of them), expiry', () => {
  const d = modeFor('SK-K8S-0101', 'HIGH', config, { namespace: 'kube-system' }, now);
  assert.deepEqual(d, { mode: 'off', exception: { reason: 'CNI daemonset needs privileges', expires: '2026-12-31' } });
  assert.equal(modeFor('SK-K8S-0101', 'HIGH', config, { namespace: 'default' }, now).mode, 'deny');
  assert.equal(modeFor('SK-K8S-0101', 'HIGH', config, { namespace: 'kube-system' }, new Date('2027-01-01T00:00:01Z')).mode, 'deny', 'expired after its day');
  assert.equal(modeFor('SK-K8S-0102', 'HIGH', config, { labels: { 'app.kubernetes.io/name': 'debug' } }, now).mode, 'deny', 'expired exception');
  assert.equal(modeFor('SK-K8S-0029', 'HIGH', config, { images: ['ghcr.io/vendor/a:1'] }, now).mode, 'off');
  assert.equal(modeFor('SK-K8S-0029', 'HIGH', config, { images: ['ghcr.io/vendor/a:1', 'evil.example/x'] }, now).mode, 'deny');
});

test('the settings file refuses exceptions without a reason or expiry', () => {
  assert.throws(() => validateProjectConfig({ enforcement: { exceptions: [{ rules: ['x'], expires: '2026-12-01' }] } }, 'stockade.yaml'), /enforcement\.exceptions\.0\.reason/);
  assert.throws(() => validateProjectConfig({ enforcement: { exceptions: [{ reason: 'because', expires: 'soon' }] } }, 'stockade.yaml'), /YYYY-MM-DD/);
});
