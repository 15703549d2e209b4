/**
 * CEL policies for a run: ValidatingAdmissionPolicy files given with `--policy` and the
 * custom rules in stockade.yaml (`policies`). Loaded only when there are some: the CEL
 * machinery costs nothing to a run without policies.
 */
import type { ProjectConfig } from '../config/project-config.js';
import type { ConfigRunOptions } from '../checks/run-config.js';
import type { AdmissionPolicyHook } from '../enforce/admission/policy-hooks.js';

async function loadAll(paths: readonly string[], project: ProjectConfig) {
  const vap = await import('../policy/cel/vap.js');
  const rules = await import('../policy/cel/rules.js');
  const loaded = paths.length > 0 ? await vap.loadPolicyFiles(paths) : vap.loadPolicyTexts([]);
  const compiled = rules.compileCustomRules(project.policies, { file: project.file ?? 'stockade.yaml' });
  const problems = compiled.diagnostics.map((d) => ({ input: d.file, message: vap.formatDiagnostic(d), incomplete: true }));
  return { vap, rules, loaded, compiled, problems };
}

export async function celPolicyCheck(paths: readonly string[], project: ProjectConfig): Promise<ConfigRunOptions['policyCheck']> {
  if (paths.length === 0 && !project.policies?.length) return undefined;
  const { rules, loaded, compiled, problems } = await loadAll(paths, project);
  return (docs) => {
    const checked = rules.checkManifests(docs, loaded, { rules: compiled.rules });
    return { findings: checked.findings, warnings: [...problems, ...checked.warnings] };
  };
}

/** The admission webhook's hook for the same policies; problems are returned for the start-up log. */
export async function celAdmissionHook(paths: readonly string[], project: ProjectConfig): Promise<{ hook: AdmissionPolicyHook; problems: string[] } | undefined> {
  if (paths.length === 0 && !project.policies?.length) return undefined;
  const { vap, rules, loaded, compiled } = await loadAll(paths, project);
  return { hook: rules.createCelPolicyHook(loaded, compiled.rules), problems: [...loaded.diagnostics, ...compiled.diagnostics].map((d) => vap.formatDiagnostic(d)) };
}
