/**
 * Namespace policy resolution against the PodSecurity plugin's documented behaviour
 * (k8s.io/pod-security-admission/api PolicyToEvaluate, ParseLevel, ParseVersion) and the
 * PodSecurityConfiguration format (pod-security.admission.config.k8s.io/v1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_POD_SECURITY_CONFIGURATION,
  formatLevelVersion,
  parsePodSecurityConfiguration,
  parseVersion,
  policyToEvaluate,
  podSecurityLabelsChanged,
  type NamespacePolicy,
} from './pod-security-policy.js';
import { parseNamespaceLabels, NamespaceDirectory } from './namespace-labels.js';

const defaults = DEFAULT_POD_SECURITY_CONFIGURATION.defaults;
const L = (mode: string) => `pod-security.kubernetes.io/${mode}`;
const show = (p: NamespacePolicy) => [p.enforce, p.audit, p.warn].map(formatLevelVersion).join(' ');

test('labels over defaults; versions v1.N or latest', () => {
  assert.equal(show(policyToEvaluate(undefined, defaults).policy), 'privileged:latest privileged:latest privileged:latest');
  assert.equal(show(policyToEvaluate({ [L('enforce')]: 'baseline', [L('enforce-version')]: 'v1.29', [L('audit')]: 'restricted' }, defaults).policy), 'baseline:v1.29 restricted:latest baseline:v1.29');
  assert.deepEqual(parseVersion('v1.0'), { version: { major: 1, minor: 0 } });
  for (const bad of ['1.29', 'v2.0', 'v1.01', 'v1', 'Latest', '']) assert.ok(parseVersion(bad).error, bad);
});

test('warn follows a stricter enforce unless warn is set; invalid labels fail closed, warn fails open', () => {
  assert.equal(show(policyToEvaluate({ [L('enforce')]: 'restricted' }, defaults).policy), 'restricted:latest privileged:latest restricted:latest');
  assert.equal(show(policyToEvaluate({ [L('enforce')]: 'restricted', [L('warn')]: 'baseline' }, defaults).policy), 'restricted:latest privileged:latest baseline:latest');
  assert.equal(show(policyToEvaluate({ [L('enforce')]: 'restricted', [L('enforce-version')]: 'v1.25', [L('warn-version')]: 'v1.30' }, defaults).policy), 'restricted:v1.25 privileged:latest restricted:v1.30');
  const bad = policyToEvaluate({ [L('enforce')]: 'strict', [L('audit-version')]: 'v1.x', [L('warn')]: 'loud' }, defaults);
  assert.equal(show(bad.policy), 'restricted:latest privileged:latest privileged:latest');
  assert.equal(bad.errors.length, 3);
  // An invalid enforce level does not drag warn along.
  assert.equal(policyToEvaluate({ [L('enforce')]: 'strict' }, defaults).policy.warn.level, 'privileged');
  assert.equal(podSecurityLabelsChanged({ [L('enforce')]: 'baseline', team: 'a' }, { [L('enforce')]: 'baseline', team: 'b' }), false);
  assert.equal(podSecurityLabelsChanged({ [L('enforce')]: 'baseline' }, {}), true);
});

test('PodSecurityConfiguration: the plugin format, inline in an AdmissionConfiguration, and strict validation', () => {
  const text = `apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
defaults:
  enforce: baseline
  enforce-version: v1.30
  warn: restricted
exemptions:
  usernames: [admin]
  runtimeClasses: [kata]
  namespaces: [kube-system]
`;
  const c = parsePodSecurityConfiguration(text, 'pss.yaml');
  assert.equal(show(c.defaults), 'baseline:v1.30 privileged:latest restricted:latest');
  assert.ok(c.exemptions.usernames.has('admin') && c.exemptions.runtimeClasses.has('kata') && c.exemptions.namespaces.has('kube-system'));
  const wrapped = `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
${text.split('\n').map((l) => `    ${l}`).join('\n')}`;
  assert.equal(show(parsePodSecurityConfiguration(wrapped, 'admission.yaml').defaults), 'baseline:v1.30 privileged:latest restricted:latest');
  assert.throws(() => parsePodSecurityConfiguration(text.replace('enforce: baseline', 'enforce: strict'), 'f'), /defaults\.enforce/);
  assert.throws(() => parsePodSecurityConfiguration(text.replace('v1.30', '"1.30"'), 'f'), /must be "latest" or "v1\.x"/);
  assert.throws(() => parsePodSecurityConfiguration(text.replace('exemptions:', 'extra: 1\nexemptions:'), 'f'), /extra|Unrecognized/i);
  assert.throws(() => parsePodSecurityConfiguration(text.replace('[kube-system]', '[a, a]'), 'f'), /duplicate/);
  assert.throws(() => parsePodSecurityConfiguration(text.replace('[kube-system]', '[Not_A_Name]'), 'f'), /not a valid name/);
  assert.throws(() => parsePodSecurityConfiguration(text.replace('kind: PodSecurityConfiguration', 'kind: Other'), 'f'), /kind/);
});

test('namespace labels: mapping, kubectl List, Namespace documents; reviews overlay the file until it changes and names them again', () => {
  const mapping = parseNamespaceLabels('a: {x: "1"}\nb: null\n', 'f');
  assert.deepEqual(Object.fromEntries(mapping), { a: { x: '1' }, b: {} });
  const list = parseNamespaceLabels('apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: c, labels: {y: "2"}}\n', 'f');
  assert.deepEqual(Object.fromEntries(list), { c: { y: '2' } });
  const docs = parseNamespaceLabels('kind: Namespace\nmetadata: {name: d}\n---\nkind: Namespace\nmetadata: {name: e, labels: {z: "3"}}\n', 'f');
  assert.deepEqual([...docs.keys()], ['d', 'e']);
  assert.throws(() => parseNamespaceLabels('a: {x: 1}\n', 'f'), /document 1\.a\.x/);
  assert.throws(() => parseNamespaceLabels('kind: ConfigMap\n', 'f'), /found kind ConfigMap/);
  const dir = new NamespaceDirectory(mapping);
  dir.learn('a', { x: 'learnt' });
  assert.deepEqual(dir.labelsOf('a'), { labels: { x: 'learnt' }, source: 'review' });
  dir.replaceFile(new Map([['a', { x: 'file2' }]]), 'digest-1');
  assert.deepEqual(dir.labelsOf('a'), { labels: { x: 'file2' }, source: 'file' });
  dir.learn('a', { x: 'learnt again' });
  dir.replaceFile(new Map([['a', { x: 'file2' }]]), 'digest-1');
  assert.deepEqual(dir.labelsOf('a').labels, { x: 'learnt again' }, 'an unchanged file does not undo what reviews taught');
  assert.equal(dir.labelsOf('zzz').source, 'unknown');
});
