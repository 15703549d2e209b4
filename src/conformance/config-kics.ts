/**
 * Suite `kics`: the KICS Dockerfile, Compose and Kubernetes queries
 * (kics/assets/queries/{dockerfile,dockerCompose,k8s}/<query>/test). For each query
 * that means the same as one of our rules (MAPPED tables below, one reason each), every
 * positive file must give at least one finding of that rule and every negative file
 * none; whether our findings sit on the lines positive_expected_result.json names is a
 * separate `:lines` case per query. Every other query is listed in UNMAPPED with why.
 * Files run through the public runConfigChecks, so a file our adapters do not
 * recognise shows up as a miss. The tables live beside the rules
 * (checks/{dockerfile,compose,kubernetes}/kics-mapping.ts); the Dockerfile and Compose
 * ones are also read by those folders' unit tests.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { corpusPath } from '../testing/corpus.js';
import { checkPaths, describeFindings, findingsOf, tableCases, warningsOf, type ConfigRun, type PeerMapping } from './config-common.js';
import type { ConfigFinding } from '../core/types.js';
import type { CaseResult, SuiteResult } from './report.js';
import { KICS_COMPOSE_MAPPED, KICS_COMPOSE_UNMAPPED } from '../checks/compose/kics-mapping.js';
import { KICS_DOCKERFILE_MAPPED, KICS_DOCKERFILE_UNMAPPED } from '../checks/dockerfile/kics-mapping.js';
import { KICS_K8S_MAPPED, KICS_K8S_UNMAPPED } from '../checks/kubernetes/kics-mapping.js';

// ---------------------------------------------------------------------------------
// Dockerfile and Compose: the tables the unit tests use (checks/*/kics-mapping.ts)

const DOCKERFILE_MAPPED: Record<string, PeerMapping> = KICS_DOCKERFILE_MAPPED;
const DOCKERFILE_UNMAPPED = KICS_DOCKERFILE_UNMAPPED;

// ---------------------------------------------------------------------------------

const COMPOSE_MAPPED: Record<string, PeerMapping> = KICS_COMPOSE_MAPPED;
const COMPOSE_UNMAPPED = KICS_COMPOSE_UNMAPPED;

// ---------------------------------------------------------------------------------
// Kubernetes: the PSS checks and the runtime-socket rule (checks/kubernetes/kics-mapping.ts)

const K8S_MAPPED: Record<string, PeerMapping> = KICS_K8S_MAPPED;
const K8S_UNMAPPED = KICS_K8S_UNMAPPED;

// ---------------------------------------------------------------------------------

interface KicsKind {
  dir: 'dockerfile' | 'dockerCompose' | 'k8s';
  mapped: Record<string, PeerMapping>;
  unmapped: Record<string, string>;
}

const KINDS: readonly KicsKind[] = [
  { dir: 'dockerfile', mapped: DOCKERFILE_MAPPED, unmapped: DOCKERFILE_UNMAPPED },
  { dir: 'dockerCompose', mapped: COMPOSE_MAPPED, unmapped: COMPOSE_UNMAPPED },
  { dir: 'k8s', mapped: K8S_MAPPED, unmapped: K8S_UNMAPPED },
];

interface ExpectedLine {
  file: string;
  line: number;
}

/** positive_expected_result.json; a result without a file name belongs to the only (first) positive file. */
async function expectedLines(testDir: string, positives: readonly string[]): Promise<ExpectedLine[]> {
  const text = await readFile(join(testDir, 'positive_expected_result.json'), 'utf8').catch(() => '[]');
  const raw = JSON.parse(text) as Array<Record<string, unknown>>;
  return raw.map((r) => ({ file: String(r['fileName'] ?? r['filename'] ?? positives[0] ?? ''), line: Number(r['line']) }));
}

function isSample(name: string): boolean {
  return (name.startsWith('positive') || name.startsWith('negative')) && !name.endsWith('.json');
}

/** A file the mapping says we see differently still differs; once it agrees, the note is stale. */
function divergenceCase(id: string, file: string, why: string, rule: string, found: readonly ConfigFinding[]): CaseResult {
  const nowAgrees = file.startsWith('positive') ? found.length > 0 : found.length === 0;
  if (nowAgrees) return { id, status: 'disagree', detail: `documented divergence no longer holds (${rule} now agrees with KICS): remove it from notOurs` };
  return { id, status: 'no-truth', detail: `meaning differs: ${why}; ${rule} findings: ${describeFindings(found)}` };
}

/** How KICS's result lines compare with ours, over the positive files we share a verdict on. */
interface LineTally {
  /** Every `file:line` KICS reports in those files. */
  seen: Set<string>;
  matched: number;
  /** KICS lines the mapping says we report elsewhere, with the reason. */
  elsewhere: string[];
  missed: string[];
  /** otherLines entries that now match, or that name no KICS result. */
  stale: string[];
}

function tallyLines(tally: LineTally, file: string, wanted: readonly number[], found: readonly ConfigFinding[], otherLines: Record<string, string>): void {
  const ours = new Set(found.map((x) => x.line));
  for (const line of wanted) {
    const key = `${file}:${line}`;
    tally.seen.add(key);
    const why = otherLines[key];
    if (ours.has(line)) {
      if (why === undefined) tally.matched++;
      else tally.stale.push(`${key} now matches`);
    } else if (why !== undefined) tally.elsewhere.push(`${key} (${why})`);
    else tally.missed.push(`${key} (ours ${found.map((x) => x.line ?? '?').join(',') || 'none'})`);
  }
}

function linesCase(id: string, tally: LineTally): CaseResult {
  const shared = tally.matched + tally.missed.length;
  if (tally.missed.length > 0 || tally.stale.length > 0) {
    const parts = [
      ...(tally.missed.length > 0 ? [`${tally.matched}/${shared} KICS lines match ours; not matched: ${tally.missed.join(' ')}`] : []),
      ...(tally.stale.length > 0 ? [`stale otherLines entries: ${tally.stale.join(' ')}`] : []),
    ];
    return { id, status: 'disagree', detail: parts.join('; ') };
  }
  const elsewhere = tally.elsewhere.length > 0 ? [`${tally.elsewhere.length} KICS line(s) reported elsewhere by design: ${tally.elsewhere.join('; ')}`] : [];
  // Every KICS line is a documented divergence: nothing left to agree on.
  if (shared === 0) return { id, status: 'no-truth', detail: elsewhere.join('') };
  return { id, status: 'agree', ...(elsewhere.length > 0 ? { notes: elsewhere } : {}) };
}

async function queryCases(kind: KicsKind, query: string, mapping: PeerMapping, run: ConfigRun, testDir: string): Promise<CaseResult[]> {
  const prefix = `kics/${kind.dir}/${query}`;
  const files = (await readdir(testDir).catch(() => [] as string[])).filter(isSample).sort();
  if (files.length === 0) return [{ id: `${prefix}/_query`, status: 'error', detail: 'query or its test files absent from the corpus' }];
  const positives = files.filter((f) => f.startsWith('positive'));
  const expected = await expectedLines(testDir, positives);
  const otherLines = mapping.otherLines ?? {};
  const cases: CaseResult[] = [];
  const tally: LineTally = { seen: new Set(), matched: 0, elsewhere: [], missed: [], stale: [] };
  for (const f of files) {
    const path = join(testDir, f);
    const found = findingsOf(run, path, mapping.rule);
    const id = `${prefix}/${f}`;
    const warnings = warningsOf(run, path);
    const notes = warnings.length > 0 ? [`warnings: ${warnings.join('; ')}`] : undefined;
    const divergence = mapping.notOurs?.[f];
    if (divergence !== undefined) {
      cases.push(divergenceCase(id, f, divergence, mapping.rule, found));
      continue;
    }
    if (f.startsWith('positive')) {
      cases.push(found.length > 0 ? { id, status: 'agree' } : { id, status: 'disagree', detail: `KICS positive, ${mapping.rule} finds nothing`, ...(notes ? { notes } : {}) });
      tallyLines(tally, f, expected.filter((x) => x.file === f).map((x) => x.line), found, otherLines);
    } else {
      cases.push(found.length === 0 ? { id, status: 'agree' } : { id, status: 'disagree', detail: `KICS negative, ${mapping.rule} reports ${describeFindings(found)}`, ...(notes ? { notes } : {}) });
    }
  }
  // An otherLines entry for a line KICS does not report (or a file we do not share) is stale too.
  for (const key of Object.keys(otherLines)) if (!tally.seen.has(key)) tally.stale.push(`${key} names no KICS result we compare`);
  if (tally.seen.size > 0 || tally.stale.length > 0) cases.push(linesCase(`${prefix}:lines`, tally));
  return cases;
}

async function kindCases(root: string, kind: KicsKind): Promise<CaseResult[]> {
  const dir = join(root, kind.dir);
  const queries = (await readdir(dir).catch(() => [] as string[])).sort();
  if (queries.length === 0) return [{ id: `kics/${kind.dir}/_corpus`, status: 'no-truth', detail: `corpus kics/assets/queries/${kind.dir} absent` }];
  const cases = tableCases(`kics/${kind.dir}`, queries, kind.mapped, kind.unmapped);
  // One run over every mapped query's tests: one walk, findings keyed by file.
  const testDirs = Object.keys(kind.mapped).filter((q) => queries.includes(q)).map((q) => join(dir, q, 'test'));
  const run = await checkPaths(testDirs);
  for (const [query, mapping] of Object.entries(kind.mapped)) cases.push(...(await queryCases(kind, query, mapping, run, join(dir, query, 'test'))));
  return cases;
}

export async function runKicsSuite(): Promise<SuiteResult> {
  const started = Date.now();
  const root = corpusPath('kics', 'assets', 'queries');
  if (!root) return { name: 'kics', cases: [{ id: 'kics/_corpus', status: 'no-truth', detail: 'corpus kics/assets/queries absent' }], ms: 0 };
  const cases: CaseResult[] = [];
  for (const kind of KINDS) cases.push(...(await kindCases(root, kind)));
  return { name: 'kics', cases, ms: Date.now() - started };
}
