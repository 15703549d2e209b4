/**
 * `stockade config PATH...`: walk files and directories, let each adapter claim the
 * files it understands, run that kind's rules, and turn violations into located
 * findings. A file that cannot be read or parsed is an error for that file only;
 * the rest are still checked and the run is marked incomplete.
 */
import { lstat, open, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ConfigFinding, ScanResult, ScanWarning, SecretFinding } from '../core/types.js';
import { TOOL_VERSION } from '../core/version.js';
import type { DocumentAdapter } from './adapter.js';
import type { AnyRule } from './index.js';
import type { RuleContext, RuleViolation } from './rule.js';
import type { LocatedDocument, SetRule } from './kubernetes/segmentation/index.js';
import type { KubernetesDocument } from './kubernetes/document.js';
import { inlineSuppressions } from './suppress.js';

export interface ConfigRunOptions {
  adapters: readonly DocumentAdapter[];
  /** Larger files are skipped with a warning rather than parsed (memory). */
  maxFileBytes: number;
  context?: RuleContext;
  /** Rules over every Kubernetes document of the run together (segmentation, tiers). */
  setRules?: readonly SetRule[];
  /** Also look for credentials in each configuration file's text (Dockerfile ENV/ARG/RUN, manifests, Compose). */
  scanSecrets?: (file: string, text: string) => SecretFinding[];
  /** Policies over all Kubernetes documents (CEL rules, ValidatingAdmissionPolicies): their findings and load problems. */
  policyCheck?: (docs: readonly LocatedDocument[]) => { findings: ConfigFinding[]; warnings: ScanWarning[] };
}

/** Directories that hold dependencies or VCS data, not a team's configuration. */
const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn', 'vendor', '.terraform']);
const MAX_WALK_DEPTH = 32;

async function listFiles(paths: string[], warnings: ScanWarning[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string, depth: number, top: boolean): Promise<void> => {
    const st = await lstat(p).catch(() => undefined);
    if (!st) {
      warnings.push({ input: p, message: 'no such file or directory', incomplete: true });
      return;
    }
    if (st.isSymbolicLink() && !top) return; // never follow links out of the tree
    if (st.isDirectory() || (top && st.isSymbolicLink())) {
      if (depth > MAX_WALK_DEPTH) return;
      const names = await readdir(p).catch(() => [] as string[]);
      for (const n of names.sort()) if (!SKIP_DIRS.has(n)) await walk(join(p, n), depth + 1, false);
      return;
    }
    if (st.isFile()) out.push(p);
  };
  for (const p of paths) await walk(p, 0, true);
  return out;
}

async function readText(file: string, max: number): Promise<{ text?: string; skip?: string }> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size > max) return { skip: `${size} bytes is over the ${max}-byte limit for configuration files; not checked` };
    const bytes = await fh.readFile();
    if (bytes.subarray(0, 8192).includes(0)) return { skip: 'binary' };
    return { text: bytes.toString('utf8') };
  } finally {
    await fh.close();
  }
}

function toFinding(rule: AnyRule, v: RuleViolation, file: string): ConfigFinding {
  const f: ConfigFinding = {
    ruleId: rule.id,
    title: rule.title,
    severity: rule.severity,
    frameworks: rule.frameworks,
    file,
    message: v.reason + (v.detail ? ` (${v.detail})` : ''),
    remediation: rule.remediation,
  };
  if (v.position) {
    f.line = v.position.line;
    f.column = v.position.column;
  }
  if (v.resource) f.resource = v.resource;
  return f;
}

export async function runConfigChecks(paths: string[], options: ConfigRunOptions): Promise<ScanResult> {
  const warnings: ScanWarning[] = [];
  const findings: ConfigFinding[] = [];
  const secrets: SecretFinding[] = [];
  const kubernetesDocs: LocatedDocument[] = [];
  const suppressionsByFile = new Map<string, ReturnType<typeof inlineSuppressions>>();
  for (const file of await listFiles(paths, warnings)) {
    const name = basename(file);
    const byName = options.adapters.map((a) => ({ a, claim: a.claimsName(name) })).filter((x) => x.claim !== 'no');
    if (byName.length === 0) continue;
    let read: { text?: string; skip?: string };
    try {
      read = await readText(file, options.maxFileBytes);
    } catch (e) {
      warnings.push({ input: file, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, incomplete: true });
      continue;
    }
    if (read.skip) {
      if (read.skip !== 'binary') warnings.push({ input: file, message: read.skip, incomplete: true });
      continue;
    }
    const text = read.text ?? '';
    const adapter = byName.find((x) => x.claim === 'yes')?.a ?? byName.find((x) => x.a.claimsContent?.(text))?.a;
    if (!adapter) continue;
    const parsed = adapter.parse(text, file);
    const suppressions = inlineSuppressions(text);
    suppressionsByFile.set(file, suppressions);
    if (options.scanSecrets) {
      for (const s of options.scanSecrets(file, text)) {
        const inline = suppressions.lookup(s.ruleId, s.line);
        if (inline) s.suppressed = { kind: 'inline', source: `${file}:${inline.line}`, ...(inline.reason ? { justification: inline.reason } : {}) };
        secrets.push(s);
      }
    }
    for (const doc of parsed.documents) {
      if (adapter.kind === 'kubernetes') kubernetesDocs.push({ ...(doc as KubernetesDocument), file });
      for (const rule of adapter.rules) {
        let violations: RuleViolation[];
        try {
          violations = rule.check(doc as never, options.context);
        } catch (e) {
          warnings.push({ input: file, message: `rule ${rule.id} failed: ${(e as Error).message}`, incomplete: true });
          continue;
        }
        for (const v of violations) {
          const finding = toFinding(rule, v, file);
          const s = suppressions.lookup(rule.id, finding.line);
          if (s) finding.suppressed = { kind: 'inline', source: `${file}:${s.line}`, ...(s.reason ? { justification: s.reason } : {}) };
          findings.push(finding);
        }
      }
    }
    // Complete only now: documents may be parsed as they are iterated.
    for (const e of parsed.errors) warnings.push({ input: file, message: e, incomplete: true });
    for (const w of parsed.warnings) warnings.push({ input: file, message: w });
  }
  for (const rule of options.setRules ?? []) {
    let violations: Array<RuleViolation & { file: string }>;
    try {
      violations = rule.checkAll(kubernetesDocs);
    } catch (e) {
      warnings.push({ input: paths.join(' '), message: `rule ${rule.id} failed: ${(e as Error).message}`, incomplete: true });
      continue;
    }
    for (const v of violations) {
      const finding = toFinding(rule as unknown as AnyRule, v, v.file);
      const s = suppressionsByFile.get(v.file)?.lookup(rule.id, finding.line);
      if (s) finding.suppressed = { kind: 'inline', source: `${v.file}:${s.line}`, ...(s.reason ? { justification: s.reason } : {}) };
      findings.push(finding);
    }
  }
  if (options.policyCheck) {
    const checked = options.policyCheck(kubernetesDocs);
    warnings.push(...checked.warnings);
    for (const finding of checked.findings) {
      const s = suppressionsByFile.get(finding.file)?.lookup(finding.ruleId, finding.line);
      if (s) finding.suppressed = { kind: 'inline', source: `${finding.file}:${s.line}`, ...(s.reason ? { justification: s.reason } : {}) };
      findings.push(finding);
    }
  }
  findings.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.ruleId.localeCompare(b.ruleId));
  return {
    schemaVersion: 1,
    tool: { name: 'stockade', version: TOOL_VERSION },
    createdAt: new Date().toISOString(),
    target: { name: paths.join(' '), sourceKind: 'config', repoTags: [], repoDigests: [], layers: [] },
    packages: [],
    misconfigurations: findings,
    ...(options.scanSecrets ? { secrets } : {}),
    warnings,
  };
}
