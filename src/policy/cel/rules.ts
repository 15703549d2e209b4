/**
 * CEL policies beyond ValidatingAdmissionPolicy, and the bridges to the rest of Stockade:
 *
 *  - `stockade.yaml` section `policies`: simple custom rules, one CEL expression each,
 *    evaluated the way a VAP validation is (same environment, same budget; an evaluation
 *    error fails closed). Schema: PoliciesConfigSchema below.
 *  - `stockade config manifests/ --policy DIR_OR_FILE`: checkManifests() runs the loaded
 *    VAPs and custom rules over every Kubernetes object of the run and returns
 *    ConfigFinding-shaped violations (SARIF ruleId = the VAP's metadata.name).
 *  - The admission webhook: createCelPolicyHook() is an AdmissionPolicyHook.
 *
 * Severity of a VAP finding comes from what its binding does with a failure: Deny -> HIGH,
 * Warn -> MEDIUM, Audit -> LOW (the strongest action wins); configuration and evaluation
 * errors under failurePolicy Fail are denials, so HIGH.
 */
import type { ConfigFinding, ScanWarning, SeverityLevel } from '../../core/types.js';
import type { SourcePosition } from '../../checks/rule.js';
import type { LocatedDocument } from '../../checks/kubernetes/segmentation/index.js';
import { findPodTemplates } from '../../checks/kubernetes/workload.js';
import type { AdmissionPolicyHook, PolicyAction, PolicyFinding, PolicyInput } from '../../enforce/admission/policy-hooks.js';
import type { EnforcementMode } from '../../enforce/modes.js';
import { CostBudget, withBudget } from './budget.js';
import { compileExpression, createEnvironment, isDiagnostic, type CompiledExpression, type VariableDeclaration } from './environment.js';
import { splitApiVersion } from './kinds.js';
import { toCelValue } from './values.js';
import {
  evaluatePolicies,
  formatDiagnostic,
  type AdmissionAttributes,
  type AdmissionVerdict,
  type LoadedPolicies,
  type Operation,
  type PolicyDiagnostic,
  type ValidationAction,
} from './vap.js';

// ---- stockade.yaml `policies` -------------------------------------------------------------------

import { PolicyRuleSchema, PoliciesConfigSchema, type PolicyRuleConfig } from './schema.js';
export { PolicyRuleSchema, PoliciesConfigSchema, type PolicyRuleConfig };

export interface CompiledRule {
  config: PolicyRuleConfig;
  severity: SeverityLevel;
  expression?: CompiledExpression;
  messageExpression?: CompiledExpression;
  /** Set when the expression does not compile: the rule then fails closed. */
  compileError?: string;
}

const RULE_VARIABLES: readonly VariableDeclaration[] = [
  { name: 'object', type: 'dyn' },
  { name: 'oldObject', type: 'dyn' },
  { name: 'namespaceObject', type: 'dyn' },
  { name: 'podSpec', type: 'dyn' },
  { name: 'request', type: 'kubernetes.AdmissionRequest' },
];

/** Where the rules came from, to locate compile errors (a parseYamlFile document's position()). */
export interface RuleSource {
  file: string;
  position?: (path: ReadonlyArray<string | number>) => SourcePosition | undefined;
}

/**
 * Validates and compiles `policies`. Invalid entries are reported (one line each) and
 * skipped; an expression that does not compile keeps its rule, which then fails closed.
 */
export function compileCustomRules(value: unknown, source: RuleSource = { file: 'stockade.yaml' }): { rules: CompiledRule[]; diagnostics: PolicyDiagnostic[] } {
  const diagnostics: PolicyDiagnostic[] = [];
  const rules: CompiledRule[] = [];
  if (value === undefined || value === null) return { rules, diagnostics };
  const where = (path: Array<string | number>): { line?: number; column?: number } => {
    const p = source.position?.(['policies', ...path]);
    return p ? { line: p.line, column: p.column } : {};
  };
  if (!Array.isArray(value)) {
    diagnostics.push({ severity: 'error', file: source.file, ...where([]), field: 'policies', message: 'must be a list of rules' });
    return { rules, diagnostics };
  }
  const env = createEnvironment(RULE_VARIABLES);
  const ids = new Set<string>();
  value.forEach((raw, i) => {
    const parsed = PolicyRuleSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = [i, ...((issue?.path ?? []) as Array<string | number>)];
      diagnostics.push({ severity: 'error', file: source.file, ...where(path), field: `policies${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`, message: issue?.message ?? 'invalid rule' });
      return;
    }
    const config = parsed.data;
    const label = `policy ${JSON.stringify(config.id)}`;
    if (ids.has(config.id)) {
      diagnostics.push({ severity: 'error', file: source.file, ...where([i, 'id']), object: label, message: 'duplicate id' });
      return;
    }
    ids.add(config.id);
    const rule: CompiledRule = { config, severity: config.severity ?? 'MEDIUM' };
    const compiled = compileExpression(env, config.expression, 'bool');
    if (isDiagnostic(compiled)) {
      rule.compileError = `compilation error: ${compiled.message}`;
      diagnostics.push({ severity: 'error', file: source.file, ...where([i, 'expression']), object: label, field: 'expression', expressionLine: compiled.line, expressionColumn: compiled.column, message: rule.compileError });
    } else {
      rule.expression = compiled;
    }
    if (config.messageExpression !== undefined) {
      const m = compileExpression(env, config.messageExpression, 'string');
      if (isDiagnostic(m)) diagnostics.push({ severity: 'error', file: source.file, ...where([i, 'messageExpression']), object: label, field: 'messageExpression', expressionLine: m.line, expressionColumn: m.column, message: `compilation error: ${m.message}` });
      else rule.messageExpression = m;
    }
    rules.push(rule);
  });
  return { rules, diagnostics };
}

function kindMatches(kinds: readonly string[] | undefined, object: Record<string, unknown>): boolean {
  if (!kinds || kinds.length === 0) return true;
  const kind = typeof object['kind'] === 'string' ? object['kind'] : '';
  const { group } = splitApiVersion(typeof object['apiVersion'] === 'string' ? object['apiVersion'] : '');
  return kinds.some((k) => k === '*' || k === kind || k === `${group}/${kind}`);
}

export interface RuleViolationResult {
  rule: CompiledRule;
  message: string;
  /** The expression failed to evaluate (or to compile): the rule fails closed. */
  error: boolean;
}

/** Evaluates the custom rules against one object (CREATE unless `attrs.operation` says otherwise). */
export function evaluateCustomRules(rules: readonly CompiledRule[], object: unknown, attrs: Pick<AdmissionAttributes, 'operation' | 'oldObject' | 'namespaceLabels' | 'userInfo' | 'namespace'> = {}): RuleViolationResult[] {
  const obj = object !== null && typeof object === 'object' && !Array.isArray(object) ? (object as Record<string, unknown>) : undefined;
  if (!obj) return [];
  const applicable = rules.filter((r) => r.config.mode !== 'off' && kindMatches(r.config.kinds, obj));
  if (applicable.length === 0) return [];
  const meta = (obj['metadata'] ?? {}) as Record<string, unknown>;
  const namespace = attrs.namespace ?? (typeof meta['namespace'] === 'string' ? meta['namespace'] : '');
  const podSpec = findPodTemplates(obj)[0]?.podSpec ?? null;
  const labels = { ...(attrs.namespaceLabels ?? {}), ...(namespace ? { 'kubernetes.io/metadata.name': namespace } : {}) };
  const { group, version } = splitApiVersion(typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '');
  const activation: Record<string, unknown> = {
    object: toCelValue(obj),
    oldObject: attrs.oldObject ? toCelValue(attrs.oldObject, 'oldObject') : null,
    namespaceObject: namespace ? toCelValue({ metadata: { name: namespace, labels } }, 'namespaceObject') : null,
    podSpec: podSpec ? toCelValue(podSpec, 'podSpec') : null,
    request: toCelValue({
      kind: { group, version, kind: typeof obj['kind'] === 'string' ? obj['kind'] : '' },
      operation: attrs.operation ?? 'CREATE',
      ...(typeof meta['name'] === 'string' ? { name: meta['name'] } : {}),
      ...(namespace ? { namespace } : {}),
      userInfo: attrs.userInfo ?? { username: 'stockade:offline', groups: ['system:authenticated'] },
      dryRun: false,
    }),
  };
  const budget = new CostBudget();
  const out: RuleViolationResult[] = [];
  for (const rule of applicable) {
    if (rule.compileError || !rule.expression) {
      out.push({ rule, message: rule.compileError ?? 'rule did not compile', error: true });
      continue;
    }
    budget.beginCall();
    let result: unknown;
    try {
      result = withBudget(budget, () => (rule.expression as CompiledExpression).evaluate(activation));
    } catch (e) {
      out.push({ rule, message: `expression '${rule.config.expression}' resulted in error: ${(e as Error).message}`, error: true });
      continue;
    }
    if (result === true) continue;
    let message = '';
    if (rule.messageExpression) {
      budget.beginCall();
      try {
        const m = withBudget(budget, () => (rule.messageExpression as CompiledExpression).evaluate(activation));
        if (typeof m === 'string' && !m.includes('\n')) message = m.trim();
      } catch {
        // fall back to the static message, as the API server does
      }
    }
    if (message === '') message = rule.config.message?.trim() || `failed expression: ${rule.config.expression.trim()}`;
    out.push({ rule, message, error: false });
  }
  return out;
}

// ---- findings -------------------------------------------------------------------------------------

/** Severity of a VAP violation from the binding's actions: Deny HIGH, Warn MEDIUM, Audit LOW. */
export function severityForActions(actions: readonly ValidationAction[]): SeverityLevel {
  if (actions.includes('Deny')) return 'HIGH';
  if (actions.includes('Warn')) return 'MEDIUM';
  return 'LOW';
}

const VAP_REMEDIATION =
  "Change the object so that the policy's validation passes (or fix the policy, binding or parameters if the message reports a configuration or evaluation error). The ValidatingAdmissionPolicy is the same one the cluster enforces at admission.";

/** Where a finding goes: the object's file, line and resource name. */
export interface FindingLocation {
  file: string;
  line?: number;
  column?: number;
  resource?: string;
}

/** One ConfigFinding per violation (validation, evaluation error or misconfiguration) in a verdict. */
export function verdictToFindings(verdict: AdmissionVerdict, at: FindingLocation): ConfigFinding[] {
  const findings: ConfigFinding[] = [];
  for (const r of verdict.results) {
    for (const v of r.violations) {
      const where = r.binding ? ` (binding ${r.binding}${r.param ? `, params ${r.param.namespace ? `${r.param.namespace}/` : ''}${r.param.name}` : ''})` : '';
      const kind = v.cause === 'validation' ? '' : v.cause === 'error' ? 'evaluation error, failurePolicy Fail: ' : 'misconfigured, failurePolicy Fail: ';
      const f: ConfigFinding = {
        ruleId: r.policy,
        title: `ValidatingAdmissionPolicy ${r.policy}`,
        severity: severityForActions(v.actions),
        frameworks: [],
        file: at.file,
        message: `${kind}${v.message}${where}; ${v.actions.join('+')}`,
        remediation: VAP_REMEDIATION,
      };
      if (at.line !== undefined) f.line = at.line;
      if (at.column !== undefined) f.column = at.column;
      if (at.resource) f.resource = at.resource;
      findings.push(f);
    }
  }
  return findings;
}

export function ruleResultsToFindings(results: readonly RuleViolationResult[], at: FindingLocation): ConfigFinding[] {
  return results.map((r) => {
    const f: ConfigFinding = {
      ruleId: r.rule.config.id,
      title: r.rule.config.title,
      severity: r.error ? 'HIGH' : r.rule.severity,
      frameworks: [],
      file: at.file,
      message: r.message,
      remediation: r.rule.config.remediation ?? 'Change the object so that the stockade.yaml policy expression holds.',
    };
    if (at.line !== undefined) f.line = at.line;
    if (at.column !== undefined) f.column = at.column;
    if (at.resource) f.resource = at.resource;
    return f;
  });
}

function resourceName(obj: Record<string, unknown>): string | undefined {
  const kind = typeof obj['kind'] === 'string' ? obj['kind'] : undefined;
  const name = (obj['metadata'] as Record<string, unknown> | undefined)?.['name'];
  return kind ? `${kind}/${typeof name === 'string' ? name : '(unnamed)'}` : undefined;
}

const POLICY_KINDS = new Set(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);

export interface CheckManifestsOptions {
  /** Custom rules from stockade.yaml `policies`. */
  rules?: readonly CompiledRule[];
  operation?: Operation;
  /** Namespace for namespaced objects that name none (kubectl's default: `default`). */
  defaultNamespace?: string;
}

/**
 * `stockade config manifests/ --policy …`: every Kubernetes object of the run checked
 * against the loaded VAPs (as a CREATE) and the custom rules. Namespace labels come from
 * Namespace objects among the manifests and the policy files. Load diagnostics of the
 * policies are returned as warnings (errors mark the run incomplete).
 */
export function checkManifests(docs: readonly LocatedDocument[], loaded: LoadedPolicies, options: CheckManifestsOptions = {}): { findings: ConfigFinding[]; warnings: ScanWarning[] } {
  const findings: ConfigFinding[] = [];
  const warnings: ScanWarning[] = loaded.diagnostics.map((d) => ({ input: d.file, message: formatDiagnostic(d), ...(d.severity === 'error' ? { incomplete: true } : {}) }));
  const objects: Array<{ obj: Record<string, unknown>; doc: LocatedDocument; path: Array<string | number> }> = [];
  for (const doc of docs) {
    const root = doc.object as Record<string, unknown> | null;
    if (!root || typeof root !== 'object' || Array.isArray(root)) continue;
    if (typeof root['kind'] === 'string' && root['kind'].endsWith('List') && Array.isArray(root['items'])) {
      (root['items'] as unknown[]).forEach((item, i) => {
        if (item && typeof item === 'object' && !Array.isArray(item)) objects.push({ obj: item as Record<string, unknown>, doc, path: ['items', i] });
      });
    } else {
      objects.push({ obj: root, doc, path: [] });
    }
  }
  const namespaceLabels = new Map(loaded.namespaces);
  for (const { obj } of objects) {
    // CustomResourceDefinitions among the manifests tell which custom kinds are cluster-scoped.
    if (typeof obj['apiVersion'] === 'string' && obj['apiVersion'].startsWith('apiextensions.k8s.io/') && obj['kind'] === 'CustomResourceDefinition') loaded.kinds.addCustomResourceDefinition(obj);
    if (obj['apiVersion'] === 'v1' && obj['kind'] === 'Namespace') {
      const meta = (obj['metadata'] ?? {}) as Record<string, unknown>;
      if (typeof meta['name'] === 'string') {
        const labels = (meta['labels'] ?? {}) as Record<string, unknown>;
        namespaceLabels.set(meta['name'], Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<string, string>);
      }
    }
  }
  for (const { obj, doc, path } of objects) {
    if (typeof obj['kind'] !== 'string' || typeof obj['apiVersion'] !== 'string') continue;
    if (POLICY_KINDS.has(obj['kind'])) continue;
    const pos = doc.position(path);
    const at: FindingLocation = { file: doc.file, ...(pos ? { line: pos.line, column: pos.column } : {}) };
    const res = resourceName(obj);
    if (res) at.resource = res;
    const meta = (obj['metadata'] ?? {}) as Record<string, unknown>;
    const ns = typeof meta['namespace'] === 'string' && meta['namespace'] !== '' ? meta['namespace'] : loaded.kinds.namespaced(splitApiVersion(obj['apiVersion']).group, obj['kind']) ? (options.defaultNamespace ?? 'default') : '';
    const attrs: AdmissionAttributes = { operation: options.operation ?? 'CREATE', ...(options.defaultNamespace ? { defaultNamespace: options.defaultNamespace } : {}) };
    const labels = ns ? namespaceLabels.get(ns) : undefined;
    if (labels) attrs.namespaceLabels = labels;
    try {
      if (loaded.policies.length > 0) findings.push(...verdictToFindings(evaluatePolicies(obj, attrs, loaded), at));
      if (options.rules && options.rules.length > 0) {
        findings.push(...ruleResultsToFindings(evaluateCustomRules(options.rules, obj, { operation: attrs.operation ?? 'CREATE', ...(labels ? { namespaceLabels: labels } : {}), ...(ns ? { namespace: ns } : {}) }), at));
      }
    } catch (e) {
      warnings.push({ input: doc.file, message: `policy evaluation failed for ${res ?? 'an object'}: ${(e as Error).message.split('\n')[0]}`, incomplete: true });
    }
  }
  return { findings, warnings };
}

// ---- admission webhook hook -------------------------------------------------------------------------

const ACTION_NAMES: Readonly<Record<ValidationAction, PolicyAction>> = { Deny: 'deny', Warn: 'warn', Audit: 'audit' };
const MODE_ACTIONS: Readonly<Record<Exclude<EnforcementMode, 'off'>, PolicyAction>> = { deny: 'deny', warn: 'warn', audit: 'audit' };

/** Turns a verdict and custom-rule results into the webhook's PolicyFindings. */
export function toPolicyFindings(verdict: AdmissionVerdict, ruleResults: readonly RuleViolationResult[] = []): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  for (const r of verdict.results) {
    for (const v of r.violations) {
      out.push({
        ruleId: r.policy,
        severity: severityForActions(v.actions),
        reason: r.binding ? `${v.message} (binding ${r.binding})` : v.message,
        groups: ['vap', 'cel'],
        actions: v.actions.map((a) => ACTION_NAMES[a]),
      });
    }
  }
  for (const r of ruleResults) {
    const f: PolicyFinding = { ruleId: r.rule.config.id, severity: r.error ? 'HIGH' : r.rule.severity, reason: r.message, groups: ['cel'] };
    const mode = r.rule.config.mode;
    if (mode && mode !== 'off') f.actions = [MODE_ACTIONS[mode]];
    out.push(f);
  }
  return out;
}

/**
 * The webhook's hook for CEL policies: VAPs (with their bindings' validationActions) and
 * custom rules, evaluated for each AdmissionReview request.
 */
export function createCelPolicyHook(loaded: LoadedPolicies, rules: readonly CompiledRule[] = []): AdmissionPolicyHook {
  return {
    id: 'cel-policies',
    evaluate(input: PolicyInput): PolicyFinding[] {
      const req = input.request;
      const attrs: AdmissionAttributes = {
        operation: req.operation,
        kind: req.kind,
        resource: req.resource,
        ...(req.subResource ? { subResource: req.subResource } : {}),
        ...(req.name !== undefined ? { name: req.name } : {}),
        namespace: req.namespace ?? '',
        ...(req.oldObject !== undefined && req.oldObject !== null ? { oldObject: req.oldObject } : {}),
        ...(input.namespaceLabels ? { namespaceLabels: input.namespaceLabels } : {}),
        userInfo: {
          ...(req.userInfo?.username !== undefined ? { username: req.userInfo.username } : {}),
          ...(req.userInfo?.uid !== undefined ? { uid: req.userInfo.uid } : {}),
          ...(req.userInfo?.groups ? { groups: req.userInfo.groups } : {}),
        },
        dryRun: req.dryRun === true,
        ...(req.options !== undefined ? { options: req.options } : {}),
      };
      const verdict = loaded.policies.length > 0 ? evaluatePolicies(input.object, attrs, loaded) : { allowed: true, warnings: [], auditAnnotations: {}, results: [] };
      const ruleResults =
        rules.length > 0
          ? evaluateCustomRules(rules, input.object, {
              operation: req.operation,
              ...(attrs.oldObject !== undefined ? { oldObject: attrs.oldObject } : {}),
              ...(attrs.namespaceLabels ? { namespaceLabels: attrs.namespaceLabels } : {}),
              ...(attrs.userInfo ? { userInfo: attrs.userInfo } : {}),
              ...(req.namespace ? { namespace: req.namespace } : {}),
            })
          : [];
      return toPolicyFindings(verdict, ruleResults);
    },
  };
}
