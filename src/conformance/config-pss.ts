/**
 * Suite `pss`: parity with pod-security-admission on its own test data
 * (pss/test/testdata/<level>/<v1.N>/{pass,fail}/*.yaml): through the public
 * `pssVerdict`, every pod under pass/ must be allowed and every pod under fail/ denied
 * at that level and version. One case per level and version; all are required.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PssLevel } from '../checks/kubernetes/pss/check.js';
import { pssVerdict, parsePssVersion } from '../checks/kubernetes/index.js';
import { parseYamlFile } from '../checks/yaml-source.js';
import { corpusPath } from '../testing/corpus.js';
import type { CaseResult, SuiteResult } from './report.js';

type VersionDir = `v${number}.${number}`;

const LEVELS: readonly PssLevel[] = ['baseline', 'restricted'];

async function listYaml(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.yaml')).sort();
}

/** One line per file whose verdict differs from its directory, or undefined when it agrees. */
async function judgeFile(path: string, where: string, level: PssLevel, version: VersionDir, want: 'pass' | 'fail'): Promise<string | undefined> {
  const parsed = parseYamlFile(await readFile(path, 'utf8'));
  const verdicts = parsed.documents.flatMap((d) => pssVerdict(d.value, level, version));
  if (verdicts.length !== 1 || !verdicts[0]) return `${where}: expected one pod, found ${verdicts.length}`;
  const v = verdicts[0];
  if (want === 'pass' && !v.allowed) return `${where}: denied by ${v.failures.map((f) => f.id).join(', ')}`;
  if (want === 'fail' && v.allowed) return `${where}: allowed`;
  return undefined;
}

async function levelVersionCase(root: string, level: PssLevel, version: VersionDir): Promise<CaseResult> {
  const id = `pss/${level}/${version}`;
  const mismatches: string[] = [];
  let total = 0;
  for (const want of ['pass', 'fail'] as const) {
    const dir = join(root, level, version, want);
    for (const file of await listYaml(dir)) {
      total++;
      const problem = await judgeFile(join(dir, file), `${want}/${file}`, level, version, want);
      if (problem) mismatches.push(problem);
    }
  }
  if (total === 0) return { id, status: 'no-truth', detail: 'no pass/ or fail/ files' };
  if (mismatches.length === 0) return { id, status: 'agree' };
  return { id, status: 'disagree', detail: `${mismatches.length}/${total} files differ: ${mismatches.slice(0, 5).join('; ')}${mismatches.length > 5 ? '; ...' : ''}` };
}

export async function runPssSuite(): Promise<SuiteResult> {
  const started = Date.now();
  const root = corpusPath('pss', 'test', 'testdata');
  if (!root) return { name: 'pss', cases: [{ id: 'pss/_corpus', status: 'no-truth', detail: 'corpus pss/test/testdata absent' }], ms: 0 };
  const cases: CaseResult[] = [];
  for (const level of LEVELS) {
    const versions = (await readdir(join(root, level)).catch(() => [] as string[]))
      .filter((v): v is VersionDir => /^v1\.\d+$/.test(v))
      .sort((a, b) => parsePssVersion(a).minor - parsePssVersion(b).minor);
    for (const version of versions) cases.push(await levelVersionCase(root, level, version));
  }
  return { name: 'pss', cases, ms: Date.now() - started };
}
