/**
 * Kubernetes ValidatingAdmissionPolicy, offline. Loads policies
 * (`admissionregistration.k8s.io/v1`, also v1beta1/v1alpha1), their bindings and the
 * objects bindings use as parameters from any mix of YAML/JSON files, compiles every CEL
 * expression once (errors located in the file and inside the expression), and evaluates
 * an object the way the API server's admission plugin does:
 *
 *  - a policy applies when its `matchConstraints` match (resource rules with operations,
 *    groups, versions, resources and subresources, scope, resource names; exclusions;
 *    namespace and object selectors), a binding when its `matchResources` match too;
 *  - per (policy, binding, param): `matchConditions` (any false skips; errors follow
 *    failurePolicy), `variables` (lazy, memoised, in order), `validations` (anything but
 *    true fails; message from messageExpression, else message, else "failed expression:
 *    <expr>"; reason, default Invalid), `auditAnnotations`;
 *  - params from the binding's `paramRef` (name or selector, namespace from the ref or the
 *    request, `parameterNotFoundAction`), `params` null without paramKind or paramRef;
 *  - the binding's `validationActions` decide what a failure does (Deny, Warn, Audit);
 *    evaluation errors and misconfiguration follow `failurePolicy` (Fail or Ignore);
 *  - the response is worded as the API server words it ("ValidatingAdmissionPolicy 'p'
 *    with binding 'b' denied request: …", warnings, audit annotations).
 *
 * Offline differences (documented in README.md): no API discovery (kinds map to resources
 * through kinds.ts), `matchPolicy: Equivalent` matches only the exact resource, the
 * authorizer answers from a callback, params are the objects given, not a cluster's.
 */
import { readFile, stat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, isMap, isSeq, isScalar, type Document, type Node as YamlNode, Scalar } from 'yaml';
import { StockadeError } from '../../core/errors.js';
import { selectorMatches } from '../../checks/kubernetes/segmentation/labels.js';
import { charge, CostBudget, PER_CALL_LIMIT, RUNTIME_COST_BUDGET, withBudget } from './budget.js';
import {
  Authorizer,
  OFFLINE_AUTHORIZER,
  createEnvironment,
  compileExpression,
  isDiagnostic,
  LazyVariables,
  type Authorize,
  type CelDiagnostic,
  type CompiledExpression,
  type ExpectedType,
  type VariableDeclaration,
} from './environment.js';
import { KindRegistry, splitApiVersion, type GroupVersionKind, type GroupVersionResource } from './kinds.js';
import { celTypeName, toCelValue } from './values.js';
import { LineIndex } from '../../checks/yaml-source.js';

// ---- types ------------------------------------------------------------------------------------

export type ValidationAction = 'Deny' | 'Warn' | 'Audit';
export type FailurePolicy = 'Fail' | 'Ignore';
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
export type Labels = Readonly<Record<string, string>>;

/** Where something is in a file: 1-based line and column. */
export interface FilePosition {
  file: string;
  line: number;
  column: number;
}

/** One problem found while loading: always one line when formatted. */
export interface PolicyDiagnostic {
  severity: 'error' | 'warning';
  file: string;
  line?: number;
  column?: number;
  /** `ValidatingAdmissionPolicy "name"`, `ValidatingAdmissionPolicyBinding "name"`, or absent for a file-level problem. */
  object?: string;
  /** `spec.validations[0].expression`. */
  field?: string;
  /** For compile errors: where inside the expression (1-based). */
  expressionLine?: number;
  expressionColumn?: number;
  message: string;
}

/** `file:line:col: object field: message (at line:col of the expression)`. */
export function formatDiagnostic(d: PolicyDiagnostic): string {
  const where = d.line ? `${d.file}:${d.line}:${d.column ?? 1}` : d.file;
  const what = [d.object, d.field].filter(Boolean).join(' ');
  const inExpr = d.expressionLine ? ` (at ${d.expressionLine}:${d.expressionColumn ?? 1} in the expression)` : '';
  return `${where}: ${what ? `${what}: ` : ''}${d.message}${inExpr}`.replace(/\s*\n\s*/g, ' ');
}

interface RuleWithOperations {
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  operations: string[];
  scope?: string;
  resourceNames: string[];
}

export interface MatchResources {
  namespaceSelector?: unknown;
  objectSelector?: unknown;
  resourceRules: RuleWithOperations[];
  excludeResourceRules: RuleWithOperations[];
  matchPolicy?: string;
}

/** An expression as written, compiled or with its compile error. */
export interface LoadedExpression {
  source: string;
  field: string;
  position?: FilePosition;
  compiled?: CompiledExpression;
  /** `compilation error: …` (the API server evaluates such an expression to this error). */
  error?: string;
}

export interface LoadedValidation {
  expression: LoadedExpression;
  message?: string;
  messageExpression?: LoadedExpression;
  reason?: string;
}

export interface LoadedPolicy {
  name: string;
  apiVersion: string;
  position: FilePosition;
  failurePolicy: FailurePolicy;
  paramKind?: { apiVersion: string; kind: string };
  matchConstraints?: MatchResources;
  matchConditions: Array<{ name: string; expression: LoadedExpression }>;
  variables: Array<{ name: string; expression: LoadedExpression }>;
  validations: LoadedValidation[];
  auditAnnotations: Array<{ key: string; valueExpression: LoadedExpression }>;
  /** Set when the policy itself cannot work (the API server's "failed to configure policy"). */
  configurationError?: string;
}

export interface LoadedBinding {
  name: string;
  position: FilePosition;
  policyName: string;
  validationActions: ValidationAction[];
  paramRef?: { name?: string; namespace?: string; selector?: unknown; parameterNotFoundAction: 'Allow' | 'Deny' };
  matchResources?: MatchResources;
}

export interface ParamObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  labels: Labels;
  value: unknown;
  position: FilePosition;
}

export interface LoadedPolicies {
  policies: LoadedPolicy[];
  bindings: LoadedBinding[];
  /** Every other object: candidates for `paramKind`. */
  params: ParamObject[];
  /** Labels of Namespace objects found among the inputs. */
  namespaces: Map<string, Labels>;
  kinds: KindRegistry;
  diagnostics: PolicyDiagnostic[];
}

// ---- YAML with positions -----------------------------------------------------------------------

export const MAX_POLICY_FILE_BYTES = 8 * 1024 * 1024;
const MAX_ALIASES = 200;
const MAX_DOCUMENTS = 10_000;


interface LocatedValue {
  value: unknown;
  file: string;
  /** Position of the node at a path (value node; for a missing path, the nearest parent). */
  at(path: ReadonlyArray<string | number>): FilePosition;
  /** Maps an offset inside a string scalar's value to its position in the file. */
  inString(path: ReadonlyArray<string | number>, offset: number): FilePosition;
}

function nodeAt(doc: Document, path: ReadonlyArray<string | number>): YamlNode | undefined {
  let node: unknown = doc.contents;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) === String(step) : false));
      if (!pair) return undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
    } else {
      return undefined;
    }
  }
  return (node ?? undefined) as YamlNode | undefined;
}

/**
 * Aligns a string scalar's value with its source text: literal blocks map line by line,
 * plain and quoted scalars character by character (folded line breaks and escapes
 * included). Best effort: a character it cannot place maps to the last one it could.
 */
function scalarOffsets(text: string, node: Scalar): (offset: number) => number {
  const range = node.range;
  const value = typeof node.value === 'string' ? node.value : '';
  if (!range) return () => 0;
  const [start, end] = range;
  let j = start;
  if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) j = start + 1;
  else if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
    const nl = text.indexOf('\n', start);
    j = nl < 0 ? end : nl + 1;
  }
  const map: number[] = [];
  const double = node.type === Scalar.QUOTE_DOUBLE;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    let k = j;
    let found = -1;
    while (k < end && k < j + 512) {
      const s = text[k];
      if (double && s === '\\' && (text[k + 1] === '\n' || text[k + 1] === '\r')) {
        // An escaped line break joins the lines: no character of the value comes from it.
        k += text[k + 1] === '\r' && text[k + 2] === '\n' ? 3 : 2;
        while (text[k] === ' ' || text[k] === '\t') k++;
        continue;
      }
      if (double && s === '\\' && c !== '\\') {
        found = k;
        const e = text[k + 1];
        k += e === 'x' ? 4 : e === 'u' ? 6 : e === 'U' ? 10 : 2;
        break;
      }
      if (s === c || ((c === ' ' || c === '\n') && (s === '\n' || s === '\r'))) {
        found = k;
        k++;
        break;
      }
      k++;
    }
    if (found < 0) {
      map.push(map.length > 0 ? (map[map.length - 1] as number) : j);
      continue;
    }
    map.push(found);
    j = k;
  }
  return (offset) => (offset < map.length ? (map[offset] as number) : map.length > 0 ? (map[map.length - 1] as number) + 1 : start);
}

function locatedDocuments(text: string, file: string, diagnostics: PolicyDiagnostic[]): LocatedValue[] {
  const lines = new LineIndex(text);
  const out: LocatedValue[] = [];
  let docs: Document[];
  try {
    docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, merge: true, logLevel: 'error' }) as unknown as Document[];
  } catch (e) {
    diagnostics.push({ severity: 'error', file, message: `not valid YAML: ${(e as Error).message.split('\n')[0]}` });
    return out;
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document];
  if (docs.length > MAX_DOCUMENTS) {
    diagnostics.push({ severity: 'error', file, message: `more than ${MAX_DOCUMENTS} YAML documents` });
    return out;
  }
  docs.forEach((doc, index) => {
    const errors = doc.errors ?? [];
    for (const e of errors.filter((x) => x.code === 'DUPLICATE_KEY')) {
      const p = lines.at(e.pos[0]);
      diagnostics.push({ severity: 'warning', file, line: p.line, column: p.column, message: `document ${index + 1}: duplicate key (the last one wins, as Kubernetes reads it)` });
    }
    const real = errors.filter((x) => x.code !== 'DUPLICATE_KEY');
    if (real.length > 0) {
      const e = real[0] as (typeof real)[number];
      const p = lines.at(e.pos[0]);
      const msg = /Maximum call stack/.test(e.message) ? 'nests too deeply' : e.message.split('\n')[0];
      diagnostics.push({ severity: 'error', file, line: p.line, column: p.column, message: `document ${index + 1}: ${msg}` });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      const msg = e instanceof RangeError ? 'nests too deeply' : `${(e as Error).message.split('\n')[0]} (alias expansion is limited to ${MAX_ALIASES})`;
      diagnostics.push({ severity: 'error', file, message: `document ${index + 1}: ${msg}` });
      return;
    }
    if (value === null || value === undefined) return;
    const posOf = (offset: number): FilePosition => ({ file, ...lines.at(offset) });
    out.push({
      value,
      file,
      at(path) {
        for (let n = path.length; n >= 0; n--) {
          const node = nodeAt(doc, path.slice(0, n));
          if (node?.range) return posOf(node.range[0]);
        }
        return { file, line: 1, column: 1 };
      },
      inString(path, offset) {
        const node = nodeAt(doc, path);
        if (!node || !isScalar(node)) return this.at(path);
        return posOf(scalarOffsets(text, node)(offset));
      },
    });
  });
  return out;
}

// ---- schema checks ---------------------------------------------------------------------------------

const VAP_API_VERSIONS = new Set(['admissionregistration.k8s.io/v1', 'admissionregistration.k8s.io/v1beta1', 'admissionregistration.k8s.io/v1alpha1']);
const REASONS = new Set(['Unauthorized', 'Forbidden', 'Invalid', 'RequestEntityTooLarge']);
const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const OPERATIONS = new Set(['*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

class SpecError extends Error {
  constructor(
    readonly path: ReadonlyArray<string | number>,
    message: string,
  ) {
    super(message);
  }
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function fieldName(path: ReadonlyArray<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function optString(v: unknown, path: Array<string | number>): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new SpecError(path, `must be a string, got ${Array.isArray(v) ? 'a list' : typeof v}`);
  return v;
}

function reqString(v: unknown, path: Array<string | number>): string {
  const s = optString(v, path);
  if (s === undefined || s === '') throw new SpecError(path, 'required value');
  return s;
}

function stringList(v: unknown, path: Array<string | number>): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new SpecError(path, 'must be a list of strings');
  return v.map((x, i) => {
    if (typeof x !== 'string') throw new SpecError([...path, i], 'must be a string');
    return x;
  });
}

function objList(v: unknown, path: Array<string | number>): Array<Record<string, unknown>> {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new SpecError(path, 'must be a list');
  return v.map((x, i) => {
    const r = asRecord(x);
    if (!r) throw new SpecError([...path, i], 'must be an object');
    return r;
  });
}

function parseSelector(v: unknown, path: Array<string | number>): unknown {
  if (v === undefined || v === null) return undefined;
  const r = asRecord(v);
  if (!r) throw new SpecError(path, 'must be a label selector (matchLabels / matchExpressions)');
  objList(r['matchExpressions'], [...path, 'matchExpressions']).forEach((e, i) => {
    const op = e['operator'];
    if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') throw new SpecError([...path, 'matchExpressions', i, 'operator'], `unsupported operator ${JSON.stringify(op)} (In, NotIn, Exists, DoesNotExist)`);
    const values = stringList(e['values'], [...path, 'matchExpressions', i, 'values']);
    if ((op === 'In' || op === 'NotIn') && values.length === 0) throw new SpecError([...path, 'matchExpressions', i, 'values'], `must be specified when operator is ${op}`);
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) throw new SpecError([...path, 'matchExpressions', i, 'values'], `may not be specified when operator is ${op}`);
  });
  return r;
}

function parseRules(v: unknown, path: Array<string | number>): RuleWithOperations[] {
  return objList(v, path).map((r, i) => {
    const p = [...path, i];
    const operations = stringList(r['operations'], [...p, 'operations']);
    for (const [k, op] of operations.entries()) if (!OPERATIONS.has(op)) throw new SpecError([...p, 'operations', k], `unsupported value ${JSON.stringify(op)}`);
    const rule: RuleWithOperations = {
      apiGroups: stringList(r['apiGroups'], [...p, 'apiGroups']),
      apiVersions: stringList(r['apiVersions'], [...p, 'apiVersions']),
      resources: stringList(r['resources'], [...p, 'resources']),
      operations,
      resourceNames: stringList(r['resourceNames'], [...p, 'resourceNames']),
    };
    const scope = optString(r['scope'], [...p, 'scope']);
    if (scope !== undefined) {
      if (scope !== '*' && scope !== 'Cluster' && scope !== 'Namespaced') throw new SpecError([...p, 'scope'], `unsupported value ${JSON.stringify(scope)}`);
      rule.scope = scope;
    }
    return rule;
  });
}

function parseMatchResources(v: unknown, path: Array<string | number>): MatchResources | undefined {
  if (v === undefined || v === null) return undefined;
  const r = asRecord(v);
  if (!r) throw new SpecError(path, 'must be an object');
  const m: MatchResources = {
    resourceRules: parseRules(r['resourceRules'], [...path, 'resourceRules']),
    excludeResourceRules: parseRules(r['excludeResourceRules'], [...path, 'excludeResourceRules']),
  };
  const ns = parseSelector(r['namespaceSelector'], [...path, 'namespaceSelector']);
  if (ns !== undefined) m.namespaceSelector = ns;
  const os = parseSelector(r['objectSelector'], [...path, 'objectSelector']);
  if (os !== undefined) m.objectSelector = os;
  const mp = optString(r['matchPolicy'], [...path, 'matchPolicy']);
  if (mp !== undefined) {
    if (mp !== 'Exact' && mp !== 'Equivalent') throw new SpecError([...path, 'matchPolicy'], `unsupported value ${JSON.stringify(mp)}`);
    m.matchPolicy = mp;
  }
  return m;
}

// ---- environments per policy ------------------------------------------------------------------------

const VAP_VARIABLES: readonly VariableDeclaration[] = [
  { name: 'object', type: 'dyn' },
  { name: 'oldObject', type: 'dyn' },
  { name: 'params', type: 'dyn' },
  { name: 'namespaceObject', type: 'dyn' },
  { name: 'request', type: 'kubernetes.AdmissionRequest' },
  { name: 'authorizer', type: 'kubernetes.authorization.Authorizer' },
];

/** Types usable as a composition variable's field type without runtime surprises. */
function fieldType(resultType: string): string {
  if (/^(bool|int|uint|double|string|bytes|kubernetes\.(Quantity|URL|Semver)|net\.(IP|CIDR))$/.test(resultType)) return resultType;
  return 'dyn';
}

interface Compiler {
  compile(source: unknown, field: string, expect: ExpectedType, located: LocatedValue, path: Array<string | number>, composition?: VariableDeclaration[]): LoadedExpression;
}

// ---- loading --------------------------------------------------------------------------------------------

function objectLabel(kind: string, name: string | undefined): string {
  return `${kind} ${JSON.stringify(name ?? '(unnamed)')}`;
}

function loadPolicy(located: LocatedValue, obj: Record<string, unknown>, diagnostics: PolicyDiagnostic[]): LoadedPolicy | undefined {
  const meta = asRecord(obj['metadata']) ?? {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : undefined;
  const label = objectLabel('ValidatingAdmissionPolicy', name);
  const report = (severity: 'error' | 'warning', path: Array<string | number>, message: string, extra: Partial<PolicyDiagnostic> = {}): void => {
    const at = located.at(path);
    diagnostics.push({ severity, file: located.file, line: at.line, column: at.column, object: label, ...(path.length ? { field: fieldName(path) } : {}), message, ...extra });
  };
  if (!name) {
    report('error', ['metadata', 'name'], 'metadata.name is required');
    return undefined;
  }
  const spec = asRecord(obj['spec']);
  if (!spec) {
    report('error', ['spec'], 'spec is required');
    return undefined;
  }
  try {
    const failure = optString(spec['failurePolicy'], ['spec', 'failurePolicy']) ?? 'Fail';
    if (failure !== 'Fail' && failure !== 'Ignore') throw new SpecError(['spec', 'failurePolicy'], `unsupported value ${JSON.stringify(failure)} (Fail or Ignore)`);
    const policy: LoadedPolicy = {
      name,
      apiVersion: String(obj['apiVersion']),
      position: located.at([]),
      failurePolicy: failure,
      matchConditions: [],
      variables: [],
      validations: [],
      auditAnnotations: [],
    };
    const pk = asRecord(spec['paramKind']);
    if (spec['paramKind'] !== undefined && spec['paramKind'] !== null) {
      if (!pk) throw new SpecError(['spec', 'paramKind'], 'must be an object with apiVersion and kind');
      policy.paramKind = { apiVersion: reqString(pk['apiVersion'], ['spec', 'paramKind', 'apiVersion']), kind: reqString(pk['kind'], ['spec', 'paramKind', 'kind']) };
    }
    const mc = parseMatchResources(spec['matchConstraints'], ['spec', 'matchConstraints']);
    if (!mc) policy.configurationError = 'policy contained no match constraints, a required field';
    else {
      if (mc.resourceRules.length === 0) throw new SpecError(['spec', 'matchConstraints', 'resourceRules'], 'required value');
      policy.matchConstraints = mc;
    }

    // Expressions: each compiled in the environment the API server uses for it.
    const compiler = makeCompiler(diagnostics, label);
    const matchConditions = objList(spec['matchConditions'], ['spec', 'matchConditions']);
    const names = new Set<string>();
    const variablesSpec = objList(spec['variables'], ['spec', 'variables']);
    const composition: VariableDeclaration[] = [];
    variablesSpec.forEach((v, i) => {
      const path = ['spec', 'variables', i];
      const vname = reqString(v['name'], [...path, 'name']);
      if (!CEL_IDENTIFIER.test(vname)) throw new SpecError([...path, 'name'], `must be a valid CEL identifier, got ${JSON.stringify(vname)}`);
      if (names.has(vname)) throw new SpecError([...path, 'name'], `duplicate variable name ${JSON.stringify(vname)}`);
      names.add(vname);
      const expr = compiler.compile(v['expression'], fieldName([...path, 'expression']), 'any', located, [...path, 'expression'], [...composition]);
      policy.variables.push({ name: vname, expression: expr });
      composition.push({ name: vname, type: fieldType(expr.compiled?.resultType ?? 'dyn') });
    });
    const condNames = new Set<string>();
    matchConditions.forEach((c, i) => {
      const path = ['spec', 'matchConditions', i];
      const cname = reqString(c['name'], [...path, 'name']);
      if (condNames.has(cname)) throw new SpecError([...path, 'name'], `duplicate match condition name ${JSON.stringify(cname)}`);
      condNames.add(cname);
      policy.matchConditions.push({ name: cname, expression: compiler.compile(c['expression'], fieldName([...path, 'expression']), 'bool', located, [...path, 'expression'], composition) });
    });
    objList(spec['validations'], ['spec', 'validations']).forEach((v, i) => {
      const path = ['spec', 'validations', i];
      const message = optString(v['message'], [...path, 'message']);
      if (message !== undefined && /[\r\n]/.test(message)) throw new SpecError([...path, 'message'], 'message must not contain line breaks');
      const reason = optString(v['reason'], [...path, 'reason']);
      if (reason !== undefined && !REASONS.has(reason)) throw new SpecError([...path, 'reason'], `unsupported value ${JSON.stringify(reason)} (Unauthorized, Forbidden, Invalid, RequestEntityTooLarge)`);
      const source = v['expression'];
      if (typeof source === 'string' && source.includes('\n') && message === undefined && v['messageExpression'] === undefined) {
        report('warning', [...path, 'message'], 'message is required when the expression contains line breaks (the API server rejects this validation)');
      }
      const validation: LoadedValidation = { expression: compiler.compile(source, fieldName([...path, 'expression']), 'bool', located, [...path, 'expression'], composition) };
      if (message !== undefined) validation.message = message;
      if (reason !== undefined) validation.reason = reason;
      if (v['messageExpression'] !== undefined && v['messageExpression'] !== null) {
        validation.messageExpression = compiler.compile(v['messageExpression'], fieldName([...path, 'messageExpression']), 'string', located, [...path, 'messageExpression'], composition);
      }
      policy.validations.push(validation);
    });
    const keys = new Set<string>();
    objList(spec['auditAnnotations'], ['spec', 'auditAnnotations']).forEach((a, i) => {
      const path = ['spec', 'auditAnnotations', i];
      const key = reqString(a['key'], [...path, 'key']);
      if (keys.has(key)) throw new SpecError([...path, 'key'], `duplicate key ${JSON.stringify(key)}`);
      keys.add(key);
      policy.auditAnnotations.push({ key, valueExpression: compiler.compile(a['valueExpression'], fieldName([...path, 'valueExpression']), 'string|null', located, [...path, 'valueExpression'], composition) });
    });
    if (policy.validations.length === 0 && policy.auditAnnotations.length === 0) {
      throw new SpecError(['spec'], 'at least one of validations or auditAnnotations is required');
    }
    return policy;
  } catch (e) {
    if (e instanceof SpecError) {
      report('error', [...e.path], e.message);
      return undefined;
    }
    throw e;
  }
}

function makeCompiler(diagnostics: PolicyDiagnostic[], label: string): Compiler {
  const envCache = new Map<number, ReturnType<typeof createEnvironment>>();
  return {
    compile(source, field, expect, located, path, composition = []) {
      const position = located.at(path);
      if (typeof source !== 'string' || source.trim() === '') {
        throw new SpecError(path, 'required value (a CEL expression)');
      }
      let env = envCache.get(composition.length);
      if (!env) {
        env = createEnvironment(VAP_VARIABLES, composition);
        envCache.set(composition.length, env);
      }
      const result = compileExpression(env, source, expect);
      if (isDiagnostic(result)) {
        const d: CelDiagnostic = result;
        const inFile = located.inString(path, d.start);
        diagnostics.push({
          severity: 'error',
          file: located.file,
          line: inFile.line,
          column: inFile.column,
          object: label,
          field,
          expressionLine: d.line,
          expressionColumn: d.column,
          message: `compilation error: ${d.message}`,
        });
        return { source, field, position, error: `compilation error: ${d.message}` };
      }
      return { source, field, position, compiled: result };
    },
  };
}

function loadBinding(located: LocatedValue, obj: Record<string, unknown>, diagnostics: PolicyDiagnostic[]): LoadedBinding | undefined {
  const meta = asRecord(obj['metadata']) ?? {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : undefined;
  const label = objectLabel('ValidatingAdmissionPolicyBinding', name);
  const report = (path: Array<string | number>, message: string): void => {
    const at = located.at(path);
    diagnostics.push({ severity: 'error', file: located.file, line: at.line, column: at.column, object: label, ...(path.length ? { field: fieldName(path) } : {}), message });
  };
  if (!name) {
    report(['metadata', 'name'], 'metadata.name is required');
    return undefined;
  }
  const spec = asRecord(obj['spec']);
  if (!spec) {
    report(['spec'], 'spec is required');
    return undefined;
  }
  try {
    const policyName = reqString(spec['policyName'], ['spec', 'policyName']);
    const actions = stringList(spec['validationActions'], ['spec', 'validationActions']);
    if (actions.length === 0) throw new SpecError(['spec', 'validationActions'], 'required value (Deny, Warn and/or Audit)');
    const seen = new Set<string>();
    actions.forEach((a, i) => {
      if (a !== 'Deny' && a !== 'Warn' && a !== 'Audit') throw new SpecError(['spec', 'validationActions', i], `unsupported value ${JSON.stringify(a)} (Deny, Warn, Audit)`);
      if (seen.has(a)) throw new SpecError(['spec', 'validationActions', i], `duplicate value ${JSON.stringify(a)}`);
      seen.add(a);
    });
    if (seen.has('Deny') && seen.has('Warn')) throw new SpecError(['spec', 'validationActions'], 'Deny and Warn may not be used together');
    const binding: LoadedBinding = { name, position: located.at([]), policyName, validationActions: actions as ValidationAction[] };
    if (spec['paramRef'] !== undefined && spec['paramRef'] !== null) {
      const pr = asRecord(spec['paramRef']);
      if (!pr) throw new SpecError(['spec', 'paramRef'], 'must be an object');
      const refName = optString(pr['name'], ['spec', 'paramRef', 'name']);
      const selector = parseSelector(pr['selector'], ['spec', 'paramRef', 'selector']);
      if (refName && selector !== undefined) throw new SpecError(['spec', 'paramRef'], 'name and selector are mutually exclusive');
      if (!refName && selector === undefined) throw new SpecError(['spec', 'paramRef'], 'one of name or selector must be set');
      const action = optString(pr['parameterNotFoundAction'], ['spec', 'paramRef', 'parameterNotFoundAction']) ?? 'Deny';
      if (action !== 'Allow' && action !== 'Deny') throw new SpecError(['spec', 'paramRef', 'parameterNotFoundAction'], `unsupported value ${JSON.stringify(action)} (Allow or Deny)`);
      binding.paramRef = { parameterNotFoundAction: action };
      if (refName) binding.paramRef.name = refName;
      const ns = optString(pr['namespace'], ['spec', 'paramRef', 'namespace']);
      if (ns) binding.paramRef.namespace = ns;
      if (selector !== undefined) binding.paramRef.selector = selector;
    }
    const mr = parseMatchResources(spec['matchResources'], ['spec', 'matchResources']);
    if (mr) binding.matchResources = mr;
    return binding;
  } catch (e) {
    if (e instanceof SpecError) {
      report([...e.path], e.message);
      return undefined;
    }
    throw e;
  }
}

function labelsOf(obj: Record<string, unknown>): Record<string, string> {
  const labels = asRecord(asRecord(obj['metadata'])?.['labels']) ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

function emptyLoaded(): LoadedPolicies {
  return { policies: [], bindings: [], params: [], namespaces: new Map(), kinds: new KindRegistry(), diagnostics: [] };
}

/** Adds the documents of one file (policies, bindings, params, namespaces, CRDs) to `into`. */
export function addPolicyText(into: LoadedPolicies, file: string, text: string): void {
  if (text.length > MAX_POLICY_FILE_BYTES) {
    into.diagnostics.push({ severity: 'error', file, message: `larger than ${MAX_POLICY_FILE_BYTES} bytes; not loaded` });
    return;
  }
  for (const located of locatedDocuments(text, file, into.diagnostics)) {
    for (const item of expandList(located)) {
      const { value, at } = item;
      const obj = asRecord(value);
      if (!obj) {
        const p = at([]);
        into.diagnostics.push({ severity: 'warning', file, line: p.line, column: p.column, message: 'document is not a Kubernetes object; ignored' });
        continue;
      }
      const apiVersion = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '';
      const kind = typeof obj['kind'] === 'string' ? obj['kind'] : '';
      if (VAP_API_VERSIONS.has(apiVersion) && kind === 'ValidatingAdmissionPolicy') {
        const p = loadPolicy(item, obj, into.diagnostics);
        if (p) into.policies.push(p);
      } else if (VAP_API_VERSIONS.has(apiVersion) && kind === 'ValidatingAdmissionPolicyBinding') {
        const b = loadBinding(item, obj, into.diagnostics);
        if (b) into.bindings.push(b);
      } else if (kind !== '' && apiVersion !== '') {
        const meta = asRecord(obj['metadata']) ?? {};
        const name = typeof meta['name'] === 'string' ? meta['name'] : '';
        if (apiVersion === 'v1' && kind === 'Namespace' && name) into.namespaces.set(name, labelsOf(obj));
        if (apiVersion.startsWith('apiextensions.k8s.io/') && kind === 'CustomResourceDefinition') into.kinds.addCustomResourceDefinition(obj);
        const param: ParamObject = { apiVersion, kind, name, labels: labelsOf(obj), value: obj, position: at([]) };
        if (typeof meta['namespace'] === 'string' && meta['namespace'] !== '') param.namespace = meta['namespace'];
        into.params.push(param);
      } else {
        const p = at([]);
        into.diagnostics.push({ severity: 'warning', file, line: p.line, column: p.column, message: 'document has no apiVersion or kind; ignored' });
      }
    }
  }
}

/** A `List` (kind ending in List with items) stands for its items. */
function expandList(located: LocatedValue): LocatedValue[] {
  const obj = asRecord(located.value);
  if (obj && typeof obj['kind'] === 'string' && obj['kind'].endsWith('List') && Array.isArray(obj['items'])) {
    return (obj['items'] as unknown[]).map((value, i) => ({
      value,
      file: located.file,
      at: (path) => located.at(['items', i, ...path]),
      inString: (path, offset) => located.inString(['items', i, ...path], offset),
    }));
  }
  return [located];
}

/** Loads policies, bindings and params from texts (`file` is for messages). */
export function loadPolicyTexts(sources: ReadonlyArray<{ file: string; text: string }>): LoadedPolicies {
  const loaded = emptyLoaded();
  for (const s of sources) addPolicyText(loaded, s.file, s.text);
  finishLoading(loaded);
  return loaded;
}

const POLICY_EXTENSIONS = /\.(ya?ml|json)$/i;
const MAX_WALK_DEPTH = 16;
const MAX_POLICY_FILES = 10_000;

/** Loads every .yaml/.yml/.json file under the given files or directories. */
export async function loadPolicyFiles(paths: readonly string[]): Promise<LoadedPolicies> {
  const files: string[] = [];
  const walk = async (p: string, depth: number, explicit: boolean): Promise<void> => {
    const st = await stat(p).catch(() => undefined);
    if (!st) throw new StockadeError('not_found', p, 'no such file or directory');
    if (st.isDirectory()) {
      if (depth > MAX_WALK_DEPTH) return;
      for (const name of (await readdir(p)).sort()) {
        if (name.startsWith('.')) continue;
        await walk(join(p, name), depth + 1, false);
      }
      return;
    }
    if (st.isFile() && (explicit || POLICY_EXTENSIONS.test(p))) {
      if (files.length >= MAX_POLICY_FILES) throw new StockadeError('limit_exceeded', p, `more than ${MAX_POLICY_FILES} policy files`);
      files.push(p);
    }
  };
  for (const p of paths) await walk(p, 0, true);
  const loaded = emptyLoaded();
  for (const file of files) {
    const st = await stat(file);
    if (st.size > MAX_POLICY_FILE_BYTES) {
      loaded.diagnostics.push({ severity: 'error', file, message: `larger than ${MAX_POLICY_FILE_BYTES} bytes; not loaded` });
      continue;
    }
    addPolicyText(loaded, file, await readFile(file, 'utf8'));
  }
  finishLoading(loaded);
  return loaded;
}

/** Cross-object checks once everything is loaded; sorts for deterministic results. */
export function finishLoading(loaded: LoadedPolicies): void {
  const seen = new Map<string, LoadedPolicy>();
  for (const p of loaded.policies) {
    const prev = seen.get(p.name);
    if (prev) loaded.diagnostics.push({ severity: 'warning', file: p.position.file, line: p.position.line, column: p.position.column, object: objectLabel('ValidatingAdmissionPolicy', p.name), message: `also defined at ${prev.position.file}:${prev.position.line}; the later definition is used` });
    seen.set(p.name, p);
  }
  loaded.policies = [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
  const bindingsByName = new Map<string, LoadedBinding>();
  for (const b of loaded.bindings) bindingsByName.set(b.name, b);
  loaded.bindings = [...bindingsByName.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const b of loaded.bindings) {
    if (!seen.has(b.policyName)) {
      loaded.diagnostics.push({ severity: 'warning', file: b.position.file, line: b.position.line, column: b.position.column, object: objectLabel('ValidatingAdmissionPolicyBinding', b.name), message: `binds policy ${JSON.stringify(b.policyName)}, which is not among the loaded policies; the binding has no effect` });
    }
  }
  for (const p of loaded.policies) {
    if (!loaded.bindings.some((b) => b.policyName === p.name)) {
      loaded.diagnostics.push({ severity: 'warning', file: p.position.file, line: p.position.line, column: p.position.column, object: objectLabel('ValidatingAdmissionPolicy', p.name), message: 'no binding refers to this policy, so it has no effect' });
    }
  }
}

// ---- evaluation -----------------------------------------------------------------------------------

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The request as far as an offline evaluation knows it; the admission webhook fills it all. */
export interface AdmissionAttributes {
  operation?: Operation;
  oldObject?: unknown;
  /** Labels of the request's namespace; Namespace objects among the loaded files otherwise. */
  namespaceLabels?: Labels;
  /** The namespace object itself, when known (namespaceObject in expressions). */
  namespaceObject?: unknown;
  /** Defaults to an offline user in `system:authenticated`. */
  userInfo?: UserInfo;
  /** Request attributes the API server fills (derived from the object when absent). */
  kind?: GroupVersionKind;
  resource?: GroupVersionResource;
  subResource?: string;
  name?: string;
  namespace?: string;
  dryRun?: boolean;
  options?: unknown;
  /** Namespace for namespaced objects that name none (kubectl's default). */
  defaultNamespace?: string;
  /** Answers `authorizer` checks; offline default: no opinion (not allowed). */
  authorize?: Authorize;
  /** Cost limits; the API server's by default. */
  perCallCostLimit?: number;
  runtimeCostBudget?: number;
}

export const OFFLINE_USER: Readonly<UserInfo> = { username: 'stockade:offline', groups: ['system:authenticated'] };

/** One failed validation (or error, or misconfiguration) of a policy evaluation. */
export interface PolicyViolation {
  /** `validation` failed; `error`: evaluation error under failurePolicy Fail; `configuration`: policy/binding misconfigured under Fail. */
  cause: 'validation' | 'error' | 'configuration';
  message: string;
  reason: string;
  /** Index in spec.validations, when a validation produced it. */
  validationIndex?: number;
  expression?: string;
  /** What the binding does with it (Deny for configuration errors, which the API server always enforces). */
  actions: ValidationAction[];
}

export interface PolicyBindingResult {
  policy: string;
  binding?: string;
  param?: { name: string; namespace?: string };
  policyPosition: FilePosition;
  bindingPosition?: FilePosition;
  /** The validations ran (constraints, binding and match conditions matched). */
  evaluated: boolean;
  /** Why not, when not. */
  skipped?: string;
  violations: PolicyViolation[];
  /** Errors ignored because failurePolicy is Ignore. */
  ignoredErrors: string[];
  auditAnnotations: Record<string, string>;
  /** This policy-binding-param alone would let the request through (no Deny). */
  allowed: boolean;
  /** The warnings this one adds (API server wording). */
  warnings: string[];
}

export interface AdmissionVerdict {
  allowed: boolean;
  /** The API server's denial message (from the first denial). */
  message?: string;
  reason?: string;
  code?: number;
  warnings: string[];
  auditAnnotations: Record<string, string>;
  results: PolicyBindingResult[];
}

interface Request {
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource: string;
  name: string;
  namespace: string;
  operation: Operation;
  userInfo: UserInfo;
  object: Record<string, unknown> | null;
  oldObject: Record<string, unknown> | null;
  namespaceLabels: Labels | undefined;
  dryRun: boolean;
  options: unknown;
}

function gvkOf(obj: Record<string, unknown> | null): GroupVersionKind {
  const apiVersion = typeof obj?.['apiVersion'] === 'string' ? obj['apiVersion'] : '';
  const kind = typeof obj?.['kind'] === 'string' ? obj['kind'] : '';
  return { ...splitApiVersion(apiVersion), kind };
}

function buildRequest(object: unknown, attrs: AdmissionAttributes, loaded: LoadedPolicies): Request {
  const operation = attrs.operation ?? 'CREATE';
  const obj = asRecord(object) ?? null;
  const old = asRecord(attrs.oldObject) ?? null;
  const subject = obj ?? old;
  const kind = attrs.kind ?? gvkOf(subject);
  const resource = attrs.resource ?? loaded.kinds.resourceFor(kind);
  const meta = asRecord(subject?.['metadata']) ?? {};
  const namespaced = loaded.kinds.namespaced(kind.group, kind.kind);
  let namespace = attrs.namespace ?? (typeof meta['namespace'] === 'string' ? meta['namespace'] : '');
  if (attrs.namespace === undefined && namespace === '' && namespaced) namespace = attrs.defaultNamespace ?? 'default';
  if (!namespaced && attrs.namespace === undefined) namespace = '';
  // The API server sets the namespace attribute of a Namespace request to the namespace's own name.
  const name = attrs.name ?? (typeof meta['name'] === 'string' ? meta['name'] : '');
  if (resource.resource === 'namespaces' && resource.group === '' && attrs.namespace === undefined) namespace = name;
  let namespaceLabels = attrs.namespaceLabels;
  if (!namespaceLabels && namespace !== '') namespaceLabels = loaded.namespaces.get(namespace);
  const options =
    attrs.options ??
    (operation === 'CREATE'
      ? { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' }
      : operation === 'UPDATE'
        ? { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions' }
        : operation === 'DELETE'
          ? { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions' }
          : null);
  return {
    kind,
    resource,
    subResource: attrs.subResource ?? '',
    name,
    namespace,
    operation,
    userInfo: attrs.userInfo ?? OFFLINE_USER,
    object: operation === 'DELETE' ? null : obj,
    oldObject: operation === 'CREATE' ? null : old,
    namespaceLabels,
    dryRun: attrs.dryRun ?? false,
    options,
  };
}

/** Labels of the request's namespace, with the label every namespace carries. */
function namespaceLabelsFor(req: Request): Record<string, string> {
  const labels: Record<string, string> = { ...(req.namespaceLabels ?? {}) };
  if (req.namespace !== '') labels['kubernetes.io/metadata.name'] = req.namespace;
  return labels;
}

// rules.Matcher
function ruleMatches(rule: RuleWithOperations, req: Request): boolean {
  const any = (list: string[], v: string): boolean => list.includes('*') || list.includes(v);
  if (!any(rule.operations, req.operation)) return false;
  if (!any(rule.apiGroups, req.resource.group)) return false;
  if (!any(rule.apiVersions, req.resource.version)) return false;
  const resOk = rule.resources.some((r) => {
    const slash = r.indexOf('/');
    const res = slash < 0 ? r : r.slice(0, slash);
    const sub = slash < 0 ? '' : r.slice(slash + 1);
    return (res === '*' || res === req.resource.resource) && (sub === '*' || sub === req.subResource);
  });
  if (!resOk) return false;
  const isNamespaceResource = req.resource.resource === 'namespaces' && req.resource.group === '';
  if (rule.scope === 'Namespaced' && (isNamespaceResource || req.namespace === '')) return false;
  if (rule.scope === 'Cluster' && !(isNamespaceResource || req.namespace === '')) return false;
  return true;
}

function rulesMatch(rules: RuleWithOperations[], req: Request): boolean {
  for (const rule of rules) {
    if (!ruleMatches(rule, req)) continue;
    if (rule.resourceNames.length === 0 || rule.resourceNames.includes(req.name)) return true;
  }
  return false;
}

function selectorIsEmpty(sel: unknown): boolean {
  const r = asRecord(sel);
  if (!r) return true;
  const ml = asRecord(r['matchLabels']);
  const me = r['matchExpressions'];
  return (!ml || Object.keys(ml).length === 0) && (!Array.isArray(me) || me.length === 0);
}

/** matching.Matcher.Matches (namespace selector, object selector, exclusions, rules). */
function resourcesMatch(m: MatchResources, req: Request, allowEmptyRules: boolean): boolean {
  const isNamespaceResource = req.resource.resource === 'namespaces' && req.resource.group === '';
  if (!selectorIsEmpty(m.namespaceSelector) && !(req.namespace === '' && !isNamespaceResource)) {
    const labels = isNamespaceResource ? labelsOf(req.object ?? req.oldObject ?? {}) : namespaceLabelsFor(req);
    if (isNamespaceResource) labels['kubernetes.io/metadata.name'] = req.name;
    if (!selectorMatches(m.namespaceSelector, labels)) return false;
  }
  if (!selectorIsEmpty(m.objectSelector)) {
    const ok = [req.object, req.oldObject].some((o) => o !== null && selectorMatches(m.objectSelector, labelsOf(o)));
    if (!ok) return false;
  }
  if (rulesMatch(m.excludeResourceRules, req)) return false;
  if (m.resourceRules.length === 0) return allowEmptyRules;
  return rulesMatch(m.resourceRules, req);
}

class ConfigError extends Error {}

/** generic.CollectParams, against the loaded objects. */
function collectParams(policy: LoadedPolicy, binding: LoadedBinding, req: Request, loaded: LoadedPolicies): Array<ParamObject | null> {
  if (!policy.paramKind || !binding.paramRef) return [null];
  const ref = binding.paramRef;
  const want = splitApiVersion(policy.paramKind.apiVersion);
  const candidates = loaded.params.filter((p) => p.kind === policy.paramKind?.kind && splitApiVersion(p.apiVersion).group === want.group);
  let namespaced: boolean;
  if (loaded.kinds.known(want.group, policy.paramKind.kind)) namespaced = loaded.kinds.namespaced(want.group, policy.paramKind.kind);
  else namespaced = ref.namespace !== undefined || candidates.some((c) => c.namespace !== undefined);
  if (ref.namespace && !namespaced) throw new ConfigError('paramRef.namespace must not be provided for a cluster-scoped `paramKind`');
  let inScope = candidates;
  if (namespaced) {
    const ns = ref.namespace ?? req.namespace;
    if (!ns) throw new ConfigError('cannot use namespaced paramRef in policy binding that matches cluster-scoped resources');
    inScope = candidates.filter((c) => (c.namespace ?? 'default') === ns);
  }
  let params: ParamObject[];
  if (ref.name) params = inScope.filter((c) => c.name === ref.name).slice(-1);
  else params = inScope.filter((c) => selectorMatches(ref.selector, c.labels));
  if (params.length === 0 && ref.parameterNotFoundAction === 'Deny') throw new ConfigError('no params found for policy binding with `Deny` parameterNotFoundAction');
  return params;
}

function reasonToCode(reason: string): number {
  switch (reason) {
    case 'Forbidden':
      return 403;
    case 'Unauthorized':
      return 401;
    case 'RequestEntityTooLarge':
      return 413;
    default:
      return 422;
  }
}

const MAX_MESSAGE_EXPRESSION_BYTES = 5 * 1024;
const MAX_AUDIT_ANNOTATION_VALUE = 10 * 1024;

function requestForCel(req: Request): Record<string, unknown> {
  const r: Record<string, unknown> = {
    kind: { ...req.kind },
    resource: { ...req.resource },
    requestKind: { ...req.kind },
    requestResource: { ...req.resource },
    operation: req.operation,
    userInfo: Object.fromEntries(Object.entries(req.userInfo).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))),
    dryRun: req.dryRun,
  };
  if (req.subResource) {
    r['subResource'] = req.subResource;
    r['requestSubResource'] = req.subResource;
  }
  if (req.name) r['name'] = req.name;
  if (req.namespace) r['namespace'] = req.namespace;
  if (req.options !== null && req.options !== undefined) r['options'] = req.options;
  return r;
}

function namespaceObjectFor(req: Request, attrs: AdmissionAttributes): unknown {
  if (req.namespace === '' || (req.resource.resource === 'namespaces' && req.resource.group === '')) return null;
  if (attrs.namespaceObject) return attrs.namespaceObject;
  const labels = namespaceLabelsFor(req);
  return { metadata: { name: req.namespace, creationTimestamp: null, labels }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

const convertedParams = new WeakMap<ParamObject, unknown>();
/** A param object as CEL sees it, converted once (params are shared by every request). */
function celParam(param: ParamObject): unknown {
  if (!convertedParams.has(param)) convertedParams.set(param, toCelValue(param.value, `param ${param.kind}/${param.name}`));
  return convertedParams.get(param);
}

function resultSize(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === null) return Object.keys(v).length;
  return 0;
}

interface Invocation {
  policy: LoadedPolicy;
  binding: LoadedBinding;
  param: ParamObject | null;
}

interface EvalOutcome {
  violations: PolicyViolation[];
  ignored: string[];
  annotations: Array<{ key: string; value: string }>;
  skipped?: string;
}

function evaluateInvocation(inv: Invocation, req: Request, attrs: AdmissionAttributes, shared: { object: unknown; oldObject: unknown; request: unknown; namespaceObject: unknown }): EvalOutcome {
  const { policy, binding, param } = inv;
  const budget = new CostBudget(attrs.perCallCostLimit ?? PER_CALL_LIMIT, attrs.runtimeCostBudget ?? RUNTIME_COST_BUDGET);
  const out: EvalOutcome = { violations: [], ignored: [], annotations: [] };
  const fail = policy.failurePolicy === 'Fail';
  const errorDecision = (message: string, extra: Partial<PolicyViolation> = {}): void => {
    if (fail) out.violations.push({ cause: 'error', message, reason: 'Invalid', actions: binding.validationActions, ...extra });
    else out.ignored.push(message);
  };
  const authorizer = new Authorizer(attrs.authorize ?? OFFLINE_AUTHORIZER, req.userInfo.username ?? '', req.userInfo.groups ?? [], {
    group: req.resource.group,
    resource: req.resource.resource,
    ...(req.subResource ? { subresource: req.subResource } : {}),
    ...(req.namespace ? { namespace: req.namespace } : {}),
    ...(req.name ? { name: req.name } : {}),
  });
  const params = param ? celParam(param) : null;
  const activation: Record<string, unknown> = { ...shared, params, authorizer };
  const run = (e: LoadedExpression): { value?: unknown; error?: string } => {
    if (e.error) return { error: e.error };
    budget.beginCall();
    try {
      return { value: withBudget(budget, () => (e.compiled as CompiledExpression).evaluate(activation)) };
    } catch (err) {
      return { error: `expression '${e.source}' resulted in error: ${(err as Error).message}` };
    }
  };
  // variables: lazily evaluated, memoised (errors too), in declaration order.
  const byName = new Map(policy.variables.map((v) => [v.name, v.expression]));
  activation['variables'] = new LazyVariables((name) => {
    const expr = byName.get(name);
    if (!expr) throw new Error(`no such variable: ${name}`);
    if (expr.error) throw new Error(expr.error);
    const value = (expr.compiled as CompiledExpression).evaluate(activation);
    // Variables can build on each other (b = a + a, c = b + b, …): pay for what each holds.
    charge(1 + resultSize(value));
    return value;
  });

  // matchConditions: any false skips the policy; otherwise errors follow failurePolicy.
  if (policy.matchConditions.length > 0) {
    const errors: string[] = [];
    for (const c of policy.matchConditions) {
      const r = run(c.expression);
      if (r.error !== undefined) {
        errors.push(r.error);
        continue;
      }
      if (r.value === false) {
        out.skipped = `matchCondition ${JSON.stringify(c.name)} is false`;
        return out;
      }
      if (r.value !== true) errors.push(`expression '${c.expression.source}' resulted in error: must evaluate to bool, got '${celTypeName(r.value)}'`);
    }
    if (errors.length > 0) {
      errorDecision(errors.length === 1 ? (errors[0] as string) : `[${errors.join(', ')}]`);
      return out;
    }
  }

  for (const [i, v] of policy.validations.entries()) {
    const r = run(v.expression);
    if (r.error !== undefined) {
      errorDecision(r.error, { validationIndex: i, expression: v.expression.source });
      if (r.error.includes('running out of cost budget')) break;
      continue;
    }
    if (r.value === true) continue;
    let message = '';
    if (v.messageExpression) {
      const m = run(v.messageExpression);
      if (m.error !== undefined && /cost (limit exceeded|budget)/.test(m.error)) {
        errorDecision(`failed messageExpression: ${m.error}`, { validationIndex: i, expression: v.expression.source });
        continue;
      }
      if (m.error === undefined && typeof m.value === 'string') {
        message = m.value.trim();
        if (Buffer.byteLength(message) > MAX_MESSAGE_EXPRESSION_BYTES || message.includes('\n')) message = '';
      }
    }
    if (message === '' && v.message) message = v.message.trim();
    if (message === '') message = `failed expression: ${v.expression.source.trim()}`;
    out.violations.push({ cause: 'validation', message, reason: v.reason ?? 'Invalid', validationIndex: i, expression: v.expression.source, actions: binding.validationActions });
  }

  for (const a of policy.auditAnnotations) {
    const r = run(a.valueExpression);
    if (r.error !== undefined) {
      // Under Fail an audit annotation error denies outright, whatever the binding's actions.
      if (fail) out.violations.push({ cause: 'error', message: r.error, reason: 'Invalid', actions: ['Deny'] });
      else out.ignored.push(r.error);
      continue;
    }
    if (r.value === null) continue;
    if (typeof r.value !== 'string') {
      const msg = `valueExpression '${a.valueExpression.source}' resulted in unsupported return type: ${celTypeName(r.value)}. Return type must be either string or null.`;
      // An unsupported return type is an error for the API server whatever failurePolicy says.
      out.violations.push({ cause: 'error', message: msg, reason: 'Invalid', actions: ['Deny'] });
      continue;
    }
    const value = r.value.trim();
    if (value !== '') out.annotations.push({ key: a.key, value: value.slice(0, MAX_AUDIT_ANNOTATION_VALUE) });
  }
  return out;
}

/**
 * The verdict the API server would give for `object`: every loaded policy, binding and
 * param that applies, evaluated in name order.
 */
export function evaluatePolicies(object: unknown, attrs: AdmissionAttributes, loaded: LoadedPolicies): AdmissionVerdict {
  const req = buildRequest(object, attrs, loaded);
  const shared = {
    object: req.object ? toCelValue(req.object) : null,
    oldObject: req.oldObject ? toCelValue(req.oldObject, 'oldObject') : null,
    request: toCelValue(requestForCel(req), 'request'),
    namespaceObject: ((): unknown => {
      const ns = namespaceObjectFor(req, attrs);
      return ns ? toCelValue(ns, 'namespaceObject') : null;
    })(),
  };
  const verdict: AdmissionVerdict = { allowed: true, warnings: [], auditAnnotations: {}, results: [] };
  const denied: Array<{ policy: string; binding?: string; message: string; reason: string }> = [];
  const addAnnotation = (key: string, value: string): void => {
    if (!(key in verdict.auditAnnotations)) verdict.auditAnnotations[key] = value;
  };

  for (const policy of loaded.policies) {
    if (!policy.matchConstraints) {
      if (policy.configurationError) {
        // The API server reports a policy without constraints as a configuration error.
        const result = baseResult(policy);
        result.skipped = policy.configurationError;
        if (policy.failurePolicy === 'Fail') {
          const message = `failed to configure policy: ${policy.configurationError}`;
          result.violations.push({ cause: 'configuration', message, reason: 'Invalid', actions: ['Deny'] });
          result.allowed = false;
          denied.push({ policy: policy.name, message, reason: 'Invalid' });
        } else {
          result.ignoredErrors.push(policy.configurationError);
        }
        verdict.results.push(result);
      }
      continue;
    }
    if (!resourcesMatch(policy.matchConstraints, req, false)) continue;
    const annotations = new Map<string, string[]>();
    for (const binding of loaded.bindings) {
      if (binding.policyName !== policy.name) continue;
      if (binding.matchResources && !resourcesMatch(binding.matchResources, req, true)) continue;
      let params: Array<ParamObject | null>;
      try {
        params = collectParams(policy, binding, req, loaded);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        const result = baseResult(policy, binding);
        result.skipped = e.message;
        if (policy.failurePolicy === 'Fail') {
          const message = `failed to configure binding: ${e.message}`;
          result.violations.push({ cause: 'configuration', message, reason: 'Invalid', actions: ['Deny'] });
          result.allowed = false;
          denied.push({ policy: policy.name, binding: binding.name, message, reason: 'Invalid' });
        } else {
          result.ignoredErrors.push(e.message);
        }
        verdict.results.push(result);
        continue;
      }
      if (params.length === 0) {
        const result = baseResult(policy, binding);
        result.skipped = 'no params found (parameterNotFoundAction: Allow)';
        verdict.results.push(result);
        continue;
      }
      for (const param of params) {
        const outcome = evaluateInvocation({ policy, binding, param }, req, attrs, shared);
        const result = baseResult(policy, binding);
        if (param) result.param = { name: param.name, ...(param.namespace ? { namespace: param.namespace } : {}) };
        result.evaluated = outcome.skipped === undefined;
        if (outcome.skipped) result.skipped = outcome.skipped;
        result.violations = outcome.violations;
        result.ignoredErrors = outcome.ignored;
        for (const v of outcome.violations) {
          for (const action of v.actions) {
            if (action === 'Deny') {
              denied.push({ policy: policy.name, binding: binding.name, message: v.message, reason: v.reason });
              result.allowed = false;
            } else if (action === 'Warn') {
              const warning = `Validation failed for ValidatingAdmissionPolicy '${policy.name}' with binding '${binding.name}': ${v.message}`;
              verdict.warnings.push(warning);
              result.warnings.push(warning);
            }
            else if (action === 'Audit' && v.cause !== 'configuration') {
              addAnnotation(
                'validation.policy.admission.k8s.io/validation_failure',
                JSON.stringify([{ message: v.message, policy: policy.name, binding: binding.name, expressionIndex: v.validationIndex ?? 0, validationActions: binding.validationActions }]),
              );
            }
          }
        }
        for (const a of outcome.annotations) {
          const list = annotations.get(a.key) ?? [];
          if (!list.includes(a.value)) list.push(a.value);
          annotations.set(a.key, list);
          result.auditAnnotations[`${policy.name}/${a.key}`] = a.value;
        }
        verdict.results.push(result);
      }
    }
    for (const [key, values] of annotations) addAnnotation(`${policy.name}/${key}`, values.join(', '));
  }

  if (denied.length > 0) {
    const first = denied[0] as (typeof denied)[number];
    verdict.allowed = false;
    verdict.message = first.binding
      ? `ValidatingAdmissionPolicy '${first.policy}' with binding '${first.binding}' denied request: ${first.message}`
      : `ValidatingAdmissionPolicy '${first.policy}' denied request: ${first.message}`;
    verdict.reason = first.reason || 'Invalid';
    verdict.code = reasonToCode(verdict.reason);
  }
  return verdict;
}

function baseResult(policy: LoadedPolicy, binding?: LoadedBinding): PolicyBindingResult {
  const r: PolicyBindingResult = { policy: policy.name, policyPosition: policy.position, evaluated: false, violations: [], ignoredErrors: [], auditAnnotations: {}, allowed: true, warnings: [] };
  if (binding) {
    r.binding = binding.name;
    r.bindingPosition = binding.position;
  }
  return r;
}
