/**
 * Everything after the inventory: run the scanners asked for, apply policy (ignore
 * file, VEX, --ignore-unfixed, --severity), write the result, print warnings, and set
 * the exit code (--exit-code for remaining findings, 11 for an incomplete inventory).
 */
import { existsSync } from 'node:fs';
import { SCAN_INCOMPLETE_EXIT } from '../core/errors.js';
import type { ConfigFinding, Package, ScanResult, SecretFinding } from '../core/types.js';
import { applySecretAllowList } from '../scan/secret-findings.js';
import { writeScanVerdict } from '../scan/verdict-store.js';

const IMAGE_SOURCES: ReadonlySet<string> = new Set(['oci-layout', 'oci-archive', 'docker-archive', 'registry']);
import { applyIgnores, isExpired, loadIgnoreFile } from '../policy/ignore-file.js';
import { applyVex, loadVex } from '../policy/vex.js';
import { scanVulnerabilities } from '../scan/vuln-scan.js';
import type { ScanPolicyOptions } from './options.js';
import { emitResult } from './output.js';

export async function completeScan(result: ScanResult, opts: ScanPolicyOptions): Promise<void> {
  // Progress-like notes (database downloads) only for a person at a terminal.
  const note = (line: string) => {
    if (!opts.quiet && process.stderr.isTTY) process.stderr.write(`stockade: ${line}\n`);
  };
  if (opts.scanners.includes('vuln')) {
    await scanVulnerabilities(result, {
      cacheDir: opts.cacheDir,
      skipDbUpdate: Boolean(opts.skipDbUpdate),
      ...(opts.dbRepository ? { repository: opts.dbRepository } : {}),
      ...(opts.includeOsOwned ? { includeOsOwned: true } : {}),
      // A gate (--exit-code) or an explicit request must not pass on a missing database.
      required: opts.scannersExplicit || opts.exitCode !== undefined,
      log: note,
    });
    // The image's verdict, before this run's filters, for enforcement points (admission).
    if (IMAGE_SOURCES.has(result.target.sourceKind)) writeScanVerdict(opts.cacheDir, result);
    applyPolicy(result, opts, note);
  }
  if (result.secrets) applySecretAllowList(result.secrets, opts.project.secrets, opts.project.file ?? 'stockade.yaml');
  // One pass over the ignore file for every rule-based finding (its expiry notes print once).
  suppressRuleFindings([...(result.misconfigurations ?? []), ...(result.secrets ?? [])], opts, note);
  if (result.misconfigurations) result.misconfigurations = result.misconfigurations.filter((f) => opts.severity.includes(f.severity));
  if (result.secrets) result.secrets = result.secrets.filter((f) => opts.severity.includes(f.severity));
  await emitResult(result, { ...(opts.format ? { format: opts.format } : {}), ...(opts.output ? { output: opts.output } : {}) });
  if (!opts.quiet) for (const w of result.warnings) process.stderr.write(`stockade: warning: ${w.input}: ${w.message}\n`);
  const remaining = [...(result.vulnerabilities ?? []), ...(result.misconfigurations ?? []), ...(result.secrets ?? [])].filter((f) => !f.suppressed);
  if (opts.exitCode !== undefined && opts.exitCode !== 0 && remaining.length > 0) process.exitCode = opts.exitCode;
  else if (result.warnings.some((w) => w.incomplete)) process.exitCode = SCAN_INCOMPLETE_EXIT;
}

/**
 * The ignore file names rule ids too (`SK-K8S-0101 exp:2026-12-31 # reason`, or an
 * `id:` entry in the YAML form): a matching, unexpired rule without a package
 * selector suppresses those configuration or secret findings — reported, never dropped.
 */
function suppressRuleFindings(findings: Array<ConfigFinding | SecretFinding>, opts: ScanPolicyOptions, note: (line: string) => void): void {
  const file = opts.ignorefile ?? (existsSync('.stockadeignore') ? '.stockadeignore' : undefined);
  if (!file || findings.length === 0) return;
  const today = new Date();
  const rules = loadIgnoreFile(file).rules.filter((r) => !r.packages && /^SK-/i.test(r.id));
  for (const f of findings) {
    if (f.suppressed) continue;
    const rule = rules.find((r) => r.id.toUpperCase() === f.ruleId);
    if (!rule) continue;
    if (rule.expires && isExpired(rule.expires, today)) {
      note(`${file}:${rule.line}: ignore rule for ${rule.id} expired on ${rule.expires}; no longer suppressing`);
      continue;
    }
    f.suppressed = { kind: 'ignorefile', source: `${file}:${rule.line}`, ...(rule.reason ? { justification: rule.reason } : {}), ...(rule.expires ? { expires: rule.expires } : {}) };
  }
}

function applyPolicy(result: ScanResult, opts: ScanPolicyOptions, note: (line: string) => void): void {
  if (!result.vulnerabilities) return;
  const byId = new Map<string, Package>(result.packages.map((p) => [p.id, p]));
  let findings = result.vulnerabilities;
  const ignorefile = opts.ignorefile ?? (existsSync('.stockadeignore') ? '.stockadeignore' : undefined);
  if (ignorefile) {
    const applied = applyIgnores(findings, byId, loadIgnoreFile(ignorefile), new Date());
    findings = applied.findings;
    for (const n of applied.expiredNotes) note(n);
  }
  if (opts.vex?.length) findings = applyVex(findings, byId, opts.vex.map((f) => loadVex(f)), { image: result.target });
  if (opts.ignoreUnfixed) findings = findings.filter((f) => f.status === 'fixed');
  findings = findings.filter((f) => opts.severity.includes(f.severity.level));
  result.vulnerabilities = findings;
}
