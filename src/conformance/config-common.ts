/**
 * Shared by the configuration-check suites (kics, polaris, kube-linter,
 * config-realworld): run the public `runConfigChecks` over corpus files and group its
 * findings by file and rule, plus the mapping-table type every peer suite keeps.
 *
 * Peers disagree on policy, so each peer suite scores only the peer checks that mean
 * the same as one of our rules (its MAPPED table, one reason per entry) and says why
 * every other peer check is left out (its UNMAPPED table).
 */
import type { ConfigFinding, ScanWarning } from '../core/types.js';
import { ADAPTERS, RULES } from '../checks/index.js';
import { runConfigChecks } from '../checks/run-config.js';
import type { CaseResult } from './report.js';

/** argo-cd's install.yaml (1.9 MB) is the largest corpus manifest; the CLI's default is larger still. */
export const CONFIG_MAX_FILE_BYTES = 8 * 1024 * 1024;

/** A peer check mapped to our rule, with the one-line reason the meanings match. */
export interface PeerMapping {
  rule: string;
  why: string;
  /**
   * Peer test files whose verdict our rule deliberately does not share (its meaning
   * differs on that input), with the reason. They are shown as no-truth cases.
   */
  notOurs?: Record<string, string>;
  /**
   * Peer result lines (`file:line`) our rule deliberately reports on another line, with
   * the reason. They are listed as divergences, not counted as misses.
   */
  otherLines?: Record<string, string>;
}

export interface ConfigRun {
  /** Findings keyed by absolute file path. */
  byFile: Map<string, ConfigFinding[]>;
  warnings: ScanWarning[];
}

export async function checkPaths(paths: string[]): Promise<ConfigRun> {
  const result = await runConfigChecks(paths, { adapters: ADAPTERS, maxFileBytes: CONFIG_MAX_FILE_BYTES });
  const byFile = new Map<string, ConfigFinding[]>();
  for (const f of result.misconfigurations ?? []) {
    const list = byFile.get(f.file) ?? [];
    list.push(f);
    byFile.set(f.file, list);
  }
  return { byFile, warnings: result.warnings };
}

/** Findings of one rule in one file. */
export function findingsOf(run: ConfigRun, file: string, ruleId: string): ConfigFinding[] {
  return (run.byFile.get(file) ?? []).filter((f) => f.ruleId === ruleId);
}

/** Warnings raised while reading or checking one file. */
export function warningsOf(run: ConfigRun, file: string): string[] {
  return run.warnings.filter((w) => w.input === file).map((w) => w.message);
}

const KNOWN_RULES = new Set(RULES.map((r) => r.id));

/** A mapping that names a rule we do not have is a harness error, not a silent pass. */
export function unknownRules(mapped: Record<string, PeerMapping>): string[] {
  return Object.entries(mapped)
    .filter(([, m]) => !KNOWN_RULES.has(m.rule))
    .map(([peer, m]) => `${peer} -> ${m.rule}`);
}

/**
 * Cases every peer suite adds about its tables: peer checks with no mapping decision
 * (an error, so a new upstream check cannot slip by), mappings to missing rules, and a
 * note with the mapped/unmapped counts.
 */
export function tableCases(
  suite: string,
  peerChecks: readonly string[],
  mapped: Record<string, PeerMapping>,
  unmapped: Record<string, string>,
): CaseResult[] {
  const undecided = peerChecks.filter((c) => !(c in mapped) && !(c in unmapped));
  const missingRules = unknownRules(mapped);
  const status = undecided.length === 0 && missingRules.length === 0 ? 'agree' : 'disagree';
  const problems = [
    ...(undecided.length > 0 ? [`peer checks without a mapping decision: ${undecided.join(', ')}`] : []),
    ...(missingRules.length > 0 ? [`mapped to rules we do not have: ${missingRules.join(', ')}`] : []),
  ];
  const present = new Set(peerChecks);
  const mappedHere = Object.keys(mapped).filter((c) => present.has(c)).length;
  const unmappedHere = Object.keys(unmapped).filter((c) => present.has(c)).length;
  return [
    {
      id: `${suite}/_mapping`,
      status,
      ...(problems.length > 0 ? { detail: problems.join('; ') } : {}),
      notes: [`${peerChecks.length} peer checks: ${mappedHere} mapped, ${unmappedHere} unmapped (reasons in the suite's UNMAPPED table)`],
    },
  ];
}

/** `3 at lines 4,9,12` or `none`. */
export function describeFindings(findings: readonly ConfigFinding[]): string {
  if (findings.length === 0) return 'none';
  return `${findings.length} at line${findings.length > 1 ? 's' : ''} ${findings.map((f) => f.line ?? '?').join(',')}`;
}
