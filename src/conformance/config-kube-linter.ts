/**
 * Suite `kube-linter`: kube-linter's check fixtures (kube-linter/tests/checks/<check>.yml).
 * Two cases per mapped check: `:dont-fire` (objects named like `dont-fire` must give no
 * finding of our rule) and `:count` (our findings on the other objects, one per
 * resource, against the report count in expected-bats.json). Only checks that mean the
 * same as one of our rules are scored (MAPPED); UNMAPPED says why the rest are not.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigFinding } from '../core/types.js';
import { corpusPath } from '../testing/corpus.js';
import { checkPaths, findingsOf, tableCases, type PeerMapping } from './config-common.js';
import type { CaseResult, SuiteResult } from './report.js';

const MAPPED: Record<string, PeerMapping> = {
  'privileged-container': { rule: 'SK-K8S-0101', why: 'privileged container (PSS privileged)' },
  'host-ipc': { rule: 'SK-K8S-0102', why: 'hostIPC (PSS hostNamespaces)' },
  'host-network': { rule: 'SK-K8S-0102', why: 'hostNetwork (PSS hostNamespaces)' },
  'host-pid': { rule: 'SK-K8S-0102', why: 'hostPID (PSS hostNamespaces)' },
  'docker-sock': { rule: 'SK-K8S-0009', why: 'a hostPath volume exposing the container runtime socket' },
  'sensitive-host-mounts': { rule: 'SK-K8S-0103', why: 'a sensitive hostPath is a hostPath (PSS hostPathVolumes)' },
  'unsafe-proc-mount': { rule: 'SK-K8S-0108', why: 'Unmasked procMount (PSS procMount)' },
  'unsafe-sysctls': { rule: 'SK-K8S-0112', why: 'unsafe sysctl (PSS sysctls)' },
  'privilege-escalation-container': { rule: 'SK-K8S-0116', why: 'allowPrivilegeEscalation not false (PSS restricted)' },
  'run-as-non-root': { rule: 'SK-K8S-0117', why: 'runAsNonRoot not ensured (PSS restricted); kube-linter also reports runAsGroup 0, which PSS allows' },
};

const NOT_SECURITY = 'reliability or manifest hygiene, not a security setting we check';
const RBAC = 'RBAC permissions are not among our rules yet';
const REFERENCES = 'cross-object reference check (selectors, services, accounts); not among our rules';
const UNMAPPED: Record<string, string> = {
  'access-to-create-pods': RBAC,
  'access-to-secrets': RBAC,
  cel: 'user-defined CEL expressions; nothing fixed to compare',
  'cluster-admin-role-binding': RBAC,
  'dangling-hpa': REFERENCES,
  'dangling-ingress': REFERENCES,
  'dangling-networkpolicy': REFERENCES,
  'dangling-networkpolicypeer-podselector': REFERENCES,
  'dangling-service': REFERENCES,
  'dangling-servicemonitor': REFERENCES,
  'default-service-account': 'service account choice is not a PSS control; no rule yet',
  'deprecated-service-account-field': NOT_SECURITY,
  'dnsconfig-options-ndots': NOT_SECURITY,
  'drop-net-raw-capability': 'accepts dropping NET_RAW alone; SK-K8S-0115 requires dropping ALL',
  'duplicate-env-var': NOT_SECURITY,
  'env-var-secret': 'secrets in container env are not among our Kubernetes rules yet',
  'env-var-value-from': NOT_SECURITY,
  'exposed-services': 'service exposure is not among our rules yet',
  'forbidden-annotation': 'user-configured policy',
  'hpa-minimum-three-replicas': NOT_SECURITY,
  'invalid-target-ports': NOT_SECURITY,
  'job-ttl-seconds-after-finished': NOT_SECURITY,
  kubeconform: 'schema validation, not a security check',
  'latest-tag': 'image tags in manifests have no Kubernetes rule yet (SK-DF-0003 covers Dockerfiles)',
  'liveness-port': NOT_SECURITY,
  'minimum-three-replicas': NOT_SECURITY,
  'mismatching-selector': REFERENCES,
  'no-anti-affinity': NOT_SECURITY,
  'no-extensions-v1beta': NOT_SECURITY,
  'no-liveness-probe': NOT_SECURITY,
  'no-node-affinity': NOT_SECURITY,
  'no-read-only-root-fs': 'readOnlyRootFilesystem is not a PSS control; no Kubernetes rule yet',
  'no-readiness-probe': NOT_SECURITY,
  'no-rolling-update-strategy': NOT_SECURITY,
  'non-existent-service-account': REFERENCES,
  'non-isolated-pod': 'network policy coverage is not among our rules yet',
  'pdb-max-unavailable': NOT_SECURITY,
  'pdb-min-available': NOT_SECURITY,
  'pdb-unhealthy-pod-eviction-policy': NOT_SECURITY,
  'priority-class-name': NOT_SECURITY,
  'privileged-ports': 'containerPort below 1024 inside the pod network; PSS only restricts hostPort (SK-K8S-0104)',
  'read-secret-from-env-var': 'secrets in container env are not among our Kubernetes rules yet',
  'readiness-port': NOT_SECURITY,
  'required-annotation-email': 'user-configured policy',
  'required-label-owner': 'user-configured policy',
  'restart-policy': NOT_SECURITY,
  'scc-deny-privileged-container': 'OpenShift SecurityContextConstraints objects are not checked',
  'sorted-keys': NOT_SECURITY,
  'ssh-port': 'containerPort 22 inside the pod network; no Kubernetes rule (SK-DF-0010 covers Dockerfiles)',
  'startup-port': NOT_SECURITY,
  'statefulset-volumeclaimtemplate-annotation': NOT_SECURITY,
  'unset-cpu-requirements': NOT_SECURITY,
  'unset-memory-requirements': NOT_SECURITY,
  'use-namespace': NOT_SECURITY,
  'wildcard-in-rules': RBAC,
  'writable-host-mount': 'asks for readOnly on a hostPath; SK-K8S-0103 flags every hostPath, so its dont-fire objects differ',
};

interface BatsTest {
  fixture?: string | null;
  include?: string[];
  expectedReportCount?: number | null;
}

/** `Deployment/dont-fire container app` -> `dont-fire`. */
function objectName(f: ConfigFinding): string {
  const owner = (f.resource ?? '').split(' ')[0] ?? '';
  return owner.slice(owner.indexOf('/') + 1);
}

function checkName(file: string): string {
  return file.replace(/\.ya?ml$/, '');
}

export async function runKubeLinterSuite(): Promise<SuiteResult> {
  const started = Date.now();
  const root = corpusPath('kube-linter');
  if (!root) return { name: 'kube-linter', cases: [{ id: 'kube-linter/_corpus', status: 'no-truth', detail: 'corpus kube-linter absent' }], ms: 0 };
  const dir = join(root, 'tests', 'checks');
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const bats = (JSON.parse(await readFile(join(root, 'expected-bats.json'), 'utf8')) as { tests: BatsTest[] }).tests;
  const cases: CaseResult[] = tableCases('kube-linter', files.map(checkName), MAPPED, UNMAPPED);
  const mappedFiles = files.filter((f) => checkName(f) in MAPPED);
  const run = await checkPaths(mappedFiles.map((f) => join(dir, f)));
  for (const f of mappedFiles) {
    const check = checkName(f);
    const mapping = MAPPED[check] as PeerMapping;
    const found = findingsOf(run, join(dir, f), mapping.rule);
    const quiet = found.filter((x) => objectName(x).includes('dont-fire'));
    cases.push(
      quiet.length === 0
        ? { id: `kube-linter/${check}:dont-fire`, status: 'agree' }
        : { id: `kube-linter/${check}:dont-fire`, status: 'disagree', detail: `${mapping.rule} fires on ${[...new Set(quiet.map((x) => x.resource))].join(', ')}` },
    );
    const entry = bats.find((t) => t.include?.length === 1 && t.include[0] === check && t.fixture === `tests/checks/${f}`);
    const want = entry?.expectedReportCount;
    const fired = [...new Set(found.filter((x) => !objectName(x).includes('dont-fire')).map((x) => x.resource ?? ''))];
    const id = `kube-linter/${check}:count`;
    if (typeof want !== 'number') cases.push({ id, status: 'no-truth', detail: `no expected report count; ${mapping.rule} fires on ${fired.length} resources` });
    else if (fired.length === want) cases.push({ id, status: 'agree' });
    else cases.push({ id, status: 'disagree', detail: `kube-linter reports ${want}, ${mapping.rule} fires on ${fired.length}: ${fired.join(', ')}` });
  }
  return { name: 'kube-linter', cases, ms: Date.now() - started };
}
