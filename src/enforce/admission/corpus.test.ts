/**
 * Verdict parity on pod-security-admission's own test data (../shared/corpus/pss), over
 * real HTTPS: every pass/fail pod of every level and version, sent as a CREATE of the Pod
 * and as a CREATE of a Deployment whose template holds it, in a namespace labelled
 * enforce=<level>, enforce-version=<version> (read from a --namespace-labels file). The
 * oracle is the corpus itself (the directory says pass or fail), then the CLI: on a
 * sample, `stockade config FILE --pss-level L --pss-version V -f json` reports a PSS
 * finding iff the webhook refuses the pod, and the same PSS rules.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { corpusPath, REPO_ROOT } from '../../testing/corpus.js';
import { parseYamlFile } from '../../checks/yaml-source.js';
import { KUBERNETES_RULES } from '../../checks/kubernetes/index.js';
import { deploymentOf, opensslMissing, review, startTestServer, type ParsedAnswer, type TestServer } from './test-support.js';

const run = promisify(execFile);
const root = corpusPath('pss', 'test', 'testdata');
const skip = !root ? 'corpus pss/test/testdata absent (set STOCKADE_CORPUS)' : opensslMissing();
const PSS_IDS = new Set(KUBERNETES_RULES.map((r) => r.id));

interface Case {
  level: 'baseline' | 'restricted';
  version: string;
  pass: boolean;
  file: string;
  pod: Record<string, unknown>;
}

function namespaceFor(level: string, version: string): string {
  return `pss-${level}-${version.replace('.', '-')}`;
}

function loadCases(dir: string): Case[] {
  const cases: Case[] = [];
  for (const level of ['baseline', 'restricted'] as const) {
    for (const version of readdirSync(join(dir, level)).sort()) {
      for (const outcome of ['pass', 'fail']) {
        let files: string[] = [];
        try {
          files = readdirSync(join(dir, level, version, outcome)).filter((f) => f.endsWith('.yaml')).sort();
        } catch {
          continue;
        }
        for (const name of files) {
          const file = join(dir, level, version, outcome, name);
          const docs = parseYamlFile(readFileSync(file, 'utf8')).documents;
          const pod = docs[0]?.value as Record<string, unknown>;
          cases.push({ level, version, pass: outcome === 'pass', file, pod });
        }
      }
    }
  }
  return cases;
}

/** Runs `work` on every item with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

/** PSS rule ids named in a denial: only the Pod Security part brackets them (`... (detail) [SK-K8S-0101], ...`). */
function pssRulesNamed(answer: ParsedAnswer): string[] {
  if (!answer.message.startsWith('violates PodSecurity')) return [];
  return [...new Set([...answer.message.matchAll(/\[(SK-K8S-\d{4})\]/g)].map((m) => m[1] as string))].sort();
}

let cases: Case[] = [];
let server: TestServer | undefined;
const podAnswers = new Map<string, ParsedAnswer>();

before(async () => {
  if (skip || !root) return;
  cases = loadCases(root);
  const dir = mkdtempSync(join(tmpdir(), 'stockade-admission-corpus-'));
  const labels: Record<string, Record<string, string>> = {};
  for (const c of cases) {
    labels[namespaceFor(c.level, c.version)] = { 'pod-security.kubernetes.io/enforce': c.level, 'pod-security.kubernetes.io/enforce-version': c.version };
  }
  writeFileSync(join(dir, 'namespace-labels.json'), JSON.stringify(labels));
  server = await startTestServer({ files: { namespaceLabels: join(dir, 'namespace-labels.json') } });
});

after(async () => {
  await server?.close();
});

test('every PSS corpus pod, as a Pod and as a Deployment, is allowed iff it is a pass case (HTTPS)', { skip }, async (t) => {
  const s = server as TestServer;
  const mismatches: string[] = [];
  const perLevel = new Map<string, { n: number; ok: number }>();
  const results = await pool(cases, 16, async (c) => {
    const namespace = namespaceFor(c.level, c.version);
    const pod = await s.post('/validate', review(c.pod, { namespace }));
    const deployment = await s.post('/validate', review(deploymentOf(c.pod), { namespace }));
    return { c, pod, deployment };
  });
  for (const { c, pod, deployment } of results) {
    podAnswers.set(c.file, pod);
    const where = `${c.level}/${c.version}/${c.pass ? 'pass' : 'fail'}/${c.file.split('/').pop()}`;
    const row = perLevel.get(c.level) ?? { n: 0, ok: 0 };
    row.n += 2;
    for (const [what, a] of [['Pod', pod], ['Deployment', deployment]] as const) {
      assert.equal(a.status, 200, `${where} ${what}: HTTP ${a.status}`);
      if (a.allowed === c.pass) row.ok++;
      else mismatches.push(`${where} as ${what}: ${a.allowed ? 'allowed' : `denied: ${a.message.slice(0, 200)}`}`);
    }
    perLevel.set(c.level, row);
    // The Deployment is refused for the same PSS rules as its pod.
    if (!c.pass) assert.deepEqual(pssRulesNamed(deployment), pssRulesNamed(pod), `${where}: Deployment and Pod name different rules`);
  }
  for (const [level, row] of perLevel) t.diagnostic(`${level}: ${row.ok}/${row.n} verdicts agree with the corpus`);
  t.diagnostic(`total: ${cases.length} corpus pods, ${cases.length * 2} reviews over HTTPS, ${mismatches.length} disagreements`);
  assert.ok(cases.length > 4000, `expected the full corpus (4,537 pods), read ${cases.length}`);
  assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} disagreements`);
});

test('on a sample of 200, the CLI reports the same PSS rules the webhook refuses', { skip }, async (t) => {
  assert.ok(podAnswers.size > 0, 'the corpus run must come first');
  const step = Math.max(1, Math.floor(cases.length / 200));
  const sample = cases.filter((_, i) => i % step === 0).slice(0, 200);
  const groups = new Map<string, Case[]>();
  for (const c of sample) {
    const key = `${c.level} ${c.version}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const mismatches: string[] = [];
  let agreed = 0;
  let denied = 0;
  await pool([...groups.entries()], 4, async ([key, group]) => {
    const [level, version] = key.split(' ') as [string, string];
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'config', ...group.map((c) => c.file), '--pss-level', level, '--pss-version', version, '-f', 'json', '-q', '--scanners', 'config'], { maxBuffer: 64 * 1024 * 1024 });
    const findings = (JSON.parse(stdout) as { misconfigurations: Array<{ ruleId: string; file: string }> }).misconfigurations;
    for (const c of group) {
      const cli = [...new Set(findings.filter((f) => f.file === c.file && PSS_IDS.has(f.ruleId)).map((f) => f.ruleId))].sort();
      const answer = podAnswers.get(c.file) as ParsedAnswer;
      const webhook = pssRulesNamed(answer);
      if (!answer.allowed) denied++;
      if ((cli.length > 0) === !answer.allowed && cli.join() === webhook.join()) agreed++;
      else mismatches.push(`${c.file}: CLI ${cli.join(',') || 'no PSS finding'}; webhook ${answer.allowed ? 'allowed' : `denied by ${webhook.join(',')}: ${answer.message.slice(0, 160)}`}`);
    }
  });
  t.diagnostic(`CLI parity: ${agreed}/${sample.length} (${denied} refused by the webhook)`);
  assert.deepEqual(mismatches, []);
  assert.equal(sample.length, 200);
  assert.ok(denied >= 20 && denied <= 180, `the sample holds both pass and fail cases (${denied} refused)`);
});
