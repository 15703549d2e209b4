// `stockade config` as a user runs it: several kinds of file in one tree, findings on
// the lines the fixtures put the problems on (found by searching the fixture text),
// inline suppression reported not dropped, a broken file an error for that file only,
// SARIF results carrying the rule's framework tags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanResult } from '../core/types.js';
import { REPO_ROOT } from '../testing/corpus.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, needle);
  return i + 1;
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostPID: true
      containers:
      - name: app
        image: nginx:1.25
        securityContext:
          privileged: true # stockade:ignore SK-K8S-0101 debugging sidecar, removed after incident 42
`;

const COMPOSE = `services:
  api:
    image: example/api:1
    privileged: true
`;

test('config: findings on the right lines across kinds, suppression kept, broken files reported, SARIF tags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-config-'));
  mkdirSync(join(dir, 'k8s'));
  writeFileSync(join(dir, 'k8s', 'web.yaml'), DEPLOYMENT);
  writeFileSync(join(dir, 'docker-compose.yml'), COMPOSE);
  writeFileSync(join(dir, 'daemon.json'), JSON.stringify({ icc: true, 'insecure-registries': ['10.0.0.1:5000'] }, null, 2));
  writeFileSync(join(dir, 'k8s', 'broken.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n');
  const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(',')}]`), 'apiVersion: v1', 'kind: ConfigMap'].join('\n');
  writeFileSync(join(dir, 'k8s', 'bomb.yaml'), bomb);
  writeFileSync(join(dir, 'k8s', 'binary.yaml'), Buffer.from([0, 1, 2, 3, 0, 0, 0x61, 0x70, 0x69]));

  const r = run(['config', dir, '-f', 'json', '-q']);
  assert.equal(r.code, 11, `incomplete run: ${r.stderr}`);
  const result = JSON.parse(r.stdout) as ScanResult;
  const findings = result.misconfigurations ?? [];
  const at = (file: string, ruleId: string) => findings.filter((f) => f.file.endsWith(file) && f.ruleId === ruleId);

  const hostPid = findings.find((f) => f.file.endsWith('web.yaml') && f.frameworks.includes('pss:hostNamespaces'));
  assert.equal(hostPid?.line, lineOf(DEPLOYMENT, 'hostPID: true'));
  assert.equal(hostPid?.resource?.startsWith('Deployment/web'), true);
  const privileged = findings.find((f) => f.file.endsWith('web.yaml') && f.frameworks.includes('pss:privileged'));
  assert.equal(privileged?.line, lineOf(DEPLOYMENT, 'privileged: true'));
  assert.equal(privileged?.suppressed?.kind, 'inline');
  assert.match(privileged?.suppressed?.justification ?? '', /incident 42/);

  assert.equal(at('docker-compose.yml', 'SK-COMPOSE-0001')[0]?.line, lineOf(COMPOSE, 'privileged: true'));
  assert.ok(findings.some((f) => f.file.endsWith('daemon.json') && f.frameworks.includes('cis-docker:2.2')), 'icc');
  assert.ok(result.warnings.some((w) => w.input.endsWith('broken.yaml') && w.incomplete));
  assert.ok(result.warnings.some((w) => w.input.endsWith('bomb.yaml') && /alias/.test(w.message)));
  assert.ok(!result.warnings.some((w) => w.input.endsWith('binary.yaml')), 'binary files are skipped quietly');

  const sarif = JSON.parse(run(['config', join(dir, 'k8s', 'web.yaml'), '-f', 'sarif', '-q']).stdout) as {
    runs: Array<{ tool: { driver: { rules: Array<{ id: string; properties: { tags: string[] } }> } }; results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }>; suppressions?: unknown[] }> }>;
  };
  const run0 = sarif.runs[0];
  const rule = run0?.tool.driver.rules.find((x) => x.properties.tags.includes('pss:hostNamespaces'));
  assert.ok(rule?.properties.tags.includes('pss-level:baseline'));
  const res = run0?.results.find((x) => x.ruleId === rule?.id);
  assert.equal(res?.locations[0]?.physicalLocation.region.startLine, lineOf(DEPLOYMENT, 'hostPID: true'));
  assert.ok(run0?.results.some((x) => x.suppressions && x.suppressions.length > 0));

  // The ignore file suppresses by rule id (reported, not dropped); an expired entry does not.
  writeFileSync(join(dir, 'ignore'), 'SK-COMPOSE-0001 # accepted: build sandbox only\nSK-COMPOSE-0003 exp:2000-01-01 # long gone\n');
  const ignored = JSON.parse(run(['config', join(dir, 'docker-compose.yml'), '-q', '-f', 'json', '--ignorefile', join(dir, 'ignore')]).stdout) as ScanResult;
  const priv = (ignored.misconfigurations ?? []).find((f) => f.ruleId === 'SK-COMPOSE-0001');
  assert.equal(priv?.suppressed?.kind, 'ignorefile');
  assert.match(priv?.suppressed?.justification ?? '', /build sandbox/);

  // --exit-code counts only what is not suppressed; --severity filters first.
  assert.equal(run(['config', join(dir, 'docker-compose.yml'), '-q', '--exit-code', '4', '-f', 'json']).code, 4);
  assert.equal(run(['config', join(dir, 'docker-compose.yml'), '-q', '--exit-code', '4', '-f', 'json', '--severity', 'UNKNOWN']).code, 0);
});

test('config --pss-version judges as pod-security-admission did at that version', () => {
  // runAsUser joined the restricted profile in v1.23 (PSA's own testdata has no
  // runAsUser fixtures before v1.23).
  const dir = mkdtempSync(join(tmpdir(), 'stockade-pssv-'));
  const pod = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: c
    image: registry.example/app@sha256:${'a'.repeat(64)}
    securityContext:
      runAsUser: 0
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
`;
  writeFileSync(join(dir, 'pod.yaml'), pod);
  const pss = (version: string) =>
    ((JSON.parse(run(['config', join(dir, 'pod.yaml'), '--pss-version', version, '-q', '-f', 'json']).stdout) as ScanResult).misconfigurations ?? [])
      .flatMap((f) => f.frameworks.filter((x) => x.startsWith('pss:')));
  assert.ok(pss('latest').includes('pss:runAsUser'));
  assert.ok(!pss('v1.22').includes('pss:runAsUser'));
  const bad = run(['config', join(dir, 'pod.yaml'), '--pss-version', '1.x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a Pod Security Standards version/);
});

test('config --pss-level runs the checks pod-security-admission runs at that level', () => {
  // PSA's check registry: seccompProfile_restricted (since v1.19) overrides
  // seccompProfile_baseline, so an Unconfined profile is one failure at restricted,
  // and restricted checks (runAsNonRoot) do not run at baseline.
  const dir = mkdtempSync(join(tmpdir(), 'stockade-pssl-'));
  writeFileSync(
    join(dir, 'pod.yaml'),
    'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {seccompProfile: {type: Unconfined}}\n  containers: [{name: c, image: x}]\n',
  );
  const pss = (...extra: string[]) =>
    ((JSON.parse(run(['config', join(dir, 'pod.yaml'), '-q', '-f', 'json', ...extra]).stdout) as ScanResult).misconfigurations ?? []).flatMap((f) =>
      f.frameworks.filter((x) => x.startsWith('pss')),
    );
  const restricted = pss();
  assert.ok(restricted.includes('pss:seccompProfile_restricted'));
  assert.ok(!restricted.includes('pss:seccompProfile_baseline'));
  assert.ok(restricted.includes('pss:runAsNonRoot'));
  const baseline = pss('--pss-level', 'baseline');
  assert.ok(baseline.includes('pss:seccompProfile_baseline'));
  assert.ok(!baseline.includes('pss-level:restricted'));
  assert.equal(run(['config', join(dir, 'pod.yaml'), '--pss-level', 'strict']).code, 2);
});

test('stockade.yaml trust policy: registries outside it are findings; a bad settings file is a usage error naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-trust-'));
  writeFileSync(join(dir, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: nginx}\n  - {name: b, image: ghcr.io/acme/app:1}\n');
  writeFileSync(join(dir, 'stockade.yaml'), 'trust:\n  registries: [ghcr.io/acme/*]\n');
  const ids = (args: string[]) => ((JSON.parse(run(args).stdout) as ScanResult).misconfigurations ?? []).filter((f) => f.ruleId === 'SK-K8S-0029');
  const found = ids(['config', join(dir, 'pod.yaml'), '-q', '-f', 'json', '--config', join(dir, 'stockade.yaml')]);
  assert.deepEqual(found.map((f) => f.line), [6]);
  assert.match(found[0]?.message ?? '', /docker\.io\/library\/nginx/);
  assert.deepEqual(ids(['config', join(dir, 'pod.yaml'), '-q', '-f', 'json']), [], 'no settings file in the working directory: rule silent');
  writeFileSync(join(dir, 'bad.yaml'), 'trust:\n  registrys: [x]\n');
  const bad = run(['config', join(dir, 'pod.yaml'), '--config', join(dir, 'bad.yaml')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.yaml: trust: Unrecognized key.*registrys/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const missing = run(['config', join(dir, 'pod.yaml'), '--config', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 3);
});

test('config -f html shows misconfigurations with every string from the files escaped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-cfghtml-'));
  writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  "<img src=x onerror=alert(1)>":\n    image: a\n    privileged: true\n');
  const r = run(['config', dir, '-f', 'html', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /<section id="misconfigurations">/);
  assert.match(r.stdout, /SK-COMPOSE-0001/);
  assert.ok(!r.stdout.includes('<img src=x'), 'hostile service names are escaped');
  assert.ok(r.stdout.includes('&lt;img src=x'));
});

test('config --policy runs ValidatingAdmissionPolicies offline; SARIF names the policy; compile errors are located', () => {
  // The example policy of the Kubernetes ValidatingAdmissionPolicy documentation: replicas <= 5.
  const dir = mkdtempSync(join(tmpdir(), 'stockade-vap-'));
  const policy = [
    'apiVersion: admissionregistration.k8s.io/v1',
    'kind: ValidatingAdmissionPolicy',
    'metadata: {name: demo-policy.example.com}',
    'spec:',
    '  failurePolicy: Fail',
    '  matchConstraints:',
    '    resourceRules:',
    '    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}',
    '  validations:',
    '  - expression: "object.spec.replicas <= 5"',
    '---',
    'apiVersion: admissionregistration.k8s.io/v1',
    'kind: ValidatingAdmissionPolicyBinding',
    'metadata: {name: demo-binding-test.example.com}',
    'spec: {policyName: demo-policy.example.com, validationActions: [Deny]}',
  ].join('\n');
  writeFileSync(join(dir, 'policy.yaml'), policy);
  mkdirSync(join(dir, 'k8s'));
  const deployment = (name: string, replicas: number) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: prod}\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: c, image: nginx}]}\n`;
  writeFileSync(join(dir, 'k8s', 'big.yaml'), deployment('big', 7));
  writeFileSync(join(dir, 'k8s', 'small.yaml'), deployment('small', 3));
  const r = run(['config', join(dir, 'k8s'), '--policy', join(dir, 'policy.yaml'), '-f', 'sarif', '-q', '--scanners', 'config']);
  const sarif = JSON.parse(r.stdout) as { runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }> };
  const hits = sarif.runs[0]?.results.filter((x) => x.ruleId === 'demo-policy.example.com') ?? [];
  assert.deepEqual(hits.map((x) => x.locations[0]?.physicalLocation.artifactLocation.uri.split('/').pop()), ['big.yaml']);

  writeFileSync(join(dir, 'broken.yaml'), policy.replace('object.spec.replicas <= 5', 'object.spec.replicas <= '));
  const broken = run(['config', join(dir, 'k8s'), '--policy', join(dir, 'broken.yaml'), '-f', 'json', '-q', '--scanners', 'config']);
  assert.equal(broken.code, 11, 'a policy that does not compile makes the run incomplete');
  const warning = (JSON.parse(broken.stdout) as ScanResult).warnings.find((w) => w.input.endsWith('broken.yaml'));
  assert.match(warning?.message ?? '', /broken\.yaml:10:\d+: .*demo-policy\.example\.com.*compil/);
});
