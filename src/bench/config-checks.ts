/**
 * Configuration-check benchmark (`npm run bench`, third part): Kubernetes objects
 * checked per second on one large generated multi-document file (realistic shapes:
 * Deployments, StatefulSets, CronJobs, Services, ConfigMaps, RBAC, NetworkPolicies,
 * with varied security contexts), end to end through `stockade config`, and peak RSS.
 * Usage: node dist/bench/config-checks.js [--objects N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../testing/corpus.js';
import { parseTimeMaxRss } from './image-scan-report.js';

const TARGET_OBJECTS_PER_SECOND = 5000;

function workload(i: number): string {
  const kind = ['Deployment', 'StatefulSet', 'DaemonSet'][i % 3] as string;
  const hardened = i % 4 === 0;
  return `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: app-${i}
  namespace: team-${i % 20}
  labels: {app: app-${i}, stockade.dev/tier: ${i % 5 === 0 ? 'high' : 'low'}}
spec:
  replicas: ${1 + (i % 3)}
  selector: {matchLabels: {app: app-${i}}}
  template:
    metadata:
      labels: {app: app-${i}}
    spec:
      ${hardened ? 'automountServiceAccountToken: false\n      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}' : `hostNetwork: ${i % 7 === 0}`}
      initContainers:
      - name: init
        image: registry.example/init:${i % 3 === 0 ? 'latest' : '1.2.3'}
      containers:
      - name: main
        image: registry.example/app-${i}:2.${i % 10}.0
        env:
        - {name: LOG_LEVEL, value: info}
        - {name: DB_PASSWORD, ${i % 9 === 0 ? 'value: "s3cr3t-' + i + '"' : 'valueFrom: {secretKeyRef: {name: db, key: password}}'}}
        ports: [{containerPort: 8080${i % 11 === 0 ? ', hostPort: 80' : ''}}]
        resources: ${i % 2 === 0 ? '{requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: "1", memory: 256Mi}}' : '{}'}
        securityContext:
          ${hardened ? 'allowPrivilegeEscalation: false\n          readOnlyRootFilesystem: true\n          capabilities: {drop: [ALL]}' : `privileged: ${i % 13 === 0}\n          capabilities: {add: [NET_ADMIN]}`}
      volumes:
      - name: data
        ${i % 17 === 0 ? 'hostPath: {path: /var/run/docker.sock}' : 'emptyDir: {}'}
`;
}

function other(i: number): string {
  switch (i % 4) {
    case 0:
      return `apiVersion: v1\nkind: Service\nmetadata: {name: svc-${i}, namespace: team-${i % 20}}\nspec:\n  selector: {app: app-${i}}\n  ports: [{port: 80, targetPort: 8080}]\n`;
    case 1:
      return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}, namespace: team-${i % 20}}\ndata: {key: value-${i}}\n`;
    case 2:
      return `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: role-${i}, namespace: team-${i % 20}}\nrules:\n- apiGroups: [""]\n  resources: [${i % 3 === 0 ? '"*"' : 'pods, configmaps'}]\n  verbs: [get, list${i % 5 === 0 ? ', create' : ''}]\n`;
    default:
      return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np-${i}, namespace: team-${i % 20}}\nspec:\n  podSelector: {matchLabels: {app: app-${i}}}\n  policyTypes: [Ingress]\n`;
  }
}

function main(): void {
  const { values } = parseArgs({ options: { objects: { type: 'string', default: '20000' } } });
  const n = Number(values.objects);
  const dir = mkdtempSync(join(tmpdir(), 'stockade-bench-config-'));
  const file = join(dir, 'cluster.yaml');
  const docs: string[] = [];
  for (let i = 0; i < n; i++) docs.push(i % 2 === 0 ? workload(i) : other(i));
  writeFileSync(file, docs.join('---\n'));
  const size = statSync(file).size;
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'config', file, '-f', 'json', '-o', '/dev/null', '-q', '--max-file-size', String(size + 1)], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssKiB = parseTimeMaxRss(r.stderr);
  if (r.status !== 0 && r.status !== 11) throw new Error(`config failed (${r.status}): ${r.stderr.slice(-500)}`);
  const rate = n / seconds;
  process.stdout.write(
    [
      '== configuration checks',
      `kubernetes: ${n} objects (${(size / 1024 / 1024).toFixed(1)} MiB, one multi-document file) in ${seconds.toFixed(2)} s = ${Math.round(rate)} objects/s [target >= ${TARGET_OBJECTS_PER_SECOND}] ${rate >= TARGET_OBJECTS_PER_SECOND ? 'met' : 'MISSED'}`,
      `peak RSS: ${rssKiB === undefined ? 'unknown (GNU time missing)' : `${(rssKiB / 1024).toFixed(0)} MB`}`,
    ].join('\n') + '\n',
  );
  process.stdout.write(JSON.stringify({ bench: 'config-checks', objects: n, bytes: size, seconds, objectsPerSecond: Math.round(rate), peakRssKiB: rssKiB }) + '\n');
}

main();
