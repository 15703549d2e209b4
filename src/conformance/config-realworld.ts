/**
 * Suite `config-realworld`: the configuration checks over real projects' files
 * (realworld-k8s, realworld-compose, realworld-dockerfiles). No verdicts: the required
 * case per directory is that nothing crashes (no exception, no rule failing on a
 * document). Files our parsers reject are listed as notes, to be reviewed as genuinely
 * invalid; counts per rule and the densest files are printed to spot noisy rules.
 */
import { corpusPath } from '../testing/corpus.js';
import { checkPaths } from './config-common.js';
import type { CaseResult, SuiteResult } from './report.js';

const DIRS = ['realworld-k8s', 'realworld-compose', 'realworld-dockerfiles'] as const;

/** A rule that threw is reported by runConfigChecks as this warning. */
const RULE_FAILED = /^rule \S+ failed:/;

function countBy<T>(items: readonly T[], key: (t: T) => string): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

async function dirCase(name: string): Promise<CaseResult> {
  const id = `config-realworld/${name}:no-crash`;
  const root = corpusPath(name);
  if (!root) return { id, status: 'no-truth', detail: `corpus ${name} absent` };
  const started = Date.now();
  let run;
  try {
    run = await checkPaths([root]);
  } catch (e) {
    return { id, status: 'disagree', detail: `runConfigChecks threw: ${e instanceof Error ? e.message : String(e)}` };
  }
  const rel = (p: string): string => (p.startsWith(root) ? p.slice(root.length + 1) : p);
  const crashes = run.warnings.filter((w) => RULE_FAILED.test(w.message));
  const findings = [...run.byFile.values()].flat();
  const notes = [
    `${run.byFile.size} files with findings, ${findings.length} findings, ${Date.now() - started} ms`,
    `per rule: ${countBy(findings, (f) => f.ruleId).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`,
    `densest files: ${countBy(findings, (f) => rel(f.file)).slice(0, 5).map(([f, n]) => `${f} ${n}`).join(', ') || 'none'}`,
    ...run.warnings.filter((w) => !RULE_FAILED.test(w.message)).map((w) => `warning ${rel(w.input)}: ${w.message}`),
  ];
  if (crashes.length > 0) return { id, status: 'disagree', detail: crashes.map((w) => `${rel(w.input)}: ${w.message}`).join('; '), notes };
  return { id, status: 'agree', notes };
}

export async function runConfigRealworldSuite(): Promise<SuiteResult> {
  const started = Date.now();
  const cases: CaseResult[] = [];
  for (const d of DIRS) cases.push(await dirCase(d));
  return { name: 'config-realworld', cases, ms: Date.now() - started };
}
