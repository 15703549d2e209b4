/**
 * One AdmissionRequest -> one AdmissionResponse. This file only translates: it finds
 * the object and its pod template, asks the same rule engine `stockade config` runs, the
 * Pod Security verdict (checks/kubernetes), the trust policy (trust/policy.ts) and the
 * policy hooks (CEL, later) for their findings, asks `modeFor` (enforce/modes.ts) what to
 * do with each, and writes the answer. No rule logic lives here.
 *
 * What is judged, and how:
 *  - Pods (and their `ephemeralcontainers` subresource) and every kind holding a pod
 *    template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob,
 *    ReplicationController, PodTemplate): Pod Security at the namespace's level, the
 *    built-in hardening rules, the trust policy on every image, the policy hooks.
 *  - RBAC objects (Role, ClusterRole, RoleBinding, ClusterRoleBinding): the per-document
 *    RBAC rules and the policy hooks.
 *  - Namespaces: their pod-security labels are validated as the PodSecurity plugin does
 *    (invalid labels refused on create, and on update when they change), and remembered
 *    for later decisions (see namespace-labels.ts).
 *  - Any other kind: the policy hooks only; with none, allowed (the plugin also judges
 *    pods and templates only). Other subresources (status, scale, binding...) and
 *    DELETE/CONNECT are allowed.
 *
 * Modes. Pod Security checks follow the namespace's `enforce`/`audit`/`warn` levels, not
 * `stockade.yaml` `enforcement` (a namespace's PSS labels are its owner's statement of
 * what may run there); only an `enforcement.exceptions` entry naming a PSS rule (by id,
 * prefix or the group `pss`) lifts that check for the subjects it matches. Every other
 * finding gets its mode from modeFor: deny -> refused with the rule in status.message,
 * warn -> `warnings`, audit -> `auditAnnotations`, off -> nothing (an exception is
 * recorded as an audit annotation). Groups modeFor understands: pss, hardening, rbac,
 * segmentation, trust, and whatever a hook declares.
 *
 * Where this departs from the PodSecurity plugin (documented in the server's --help):
 * a workload whose template violates the `enforce` level is refused (the plugin only warns
 * and lets its pods be refused later); `--pss-templates warn` restores the plugin's way.
 * Updates that change nothing the checks look at (PSA's "insignificant pod update":
 * metadata-only pod updates; workload updates that leave the template as it was) are not
 * re-judged, so tightening a namespace never blocks relabelling what already runs.
 */
import { ADAPTERS, type AnyRule } from '../../checks/index.js';
import { KUBERNETES_RULES, evaluatePodSecurity, findPodTemplates, type PodTemplate, type PssVerdict } from '../../checks/kubernetes/index.js';
import { HARDENING_RULES } from '../../checks/kubernetes/hardening/index.js';
import { RBAC_RULES } from '../../checks/kubernetes/rbac/index.js';
import { SEGMENTATION_RULES } from '../../checks/kubernetes/segmentation/index.js';
import { asArray, asObject, asString, containersOf } from '../../checks/kubernetes/pss/check.js';
import type { PssFailure } from '../../checks/kubernetes/pss/evaluate.js';
import type { KubernetesDocument } from '../../checks/kubernetes/document.js';
import type { RuleContext, RuleViolation } from '../../checks/rule.js';
import type { ProjectConfig, TrustPolicy } from '../../config/project-config.js';
import type { SeverityLevel } from '../../core/types.js';
import { evaluateTrust } from '../../trust/policy.js';
import { modeFor, type EnforcementMode, type EnforcementSubject, type ModeDecision } from '../modes.js';
import type { Labels, NamespaceDirectory } from './namespace-labels.js';
import {
  formatLabelError,
  formatLevelVersion,
  isFullyPrivileged,
  policyToEvaluate,
  podSecurityLabelsChanged,
  type LevelVersion,
  type NamespacePolicy,
  type PodSecurityConfiguration,
} from './pod-security-policy.js';
import type { AdmissionPolicyHook, PolicyFinding, TrustFactsProvider } from './policy-hooks.js';
import { annotationKey, type AdmissionRequest, type AdmissionResponse } from './review.js';

// ---- what is judged -----------------------------------------------------------------------

export type ObjectClass = 'pod' | 'template' | 'rbac' | 'namespace' | 'other';

/** By `group/Kind` of the request (after the API server's conversion for matchPolicy Equivalent). */
const CLASSES: Readonly<Record<string, ObjectClass>> = {
  '/Pod': 'pod',
  '/PodTemplate': 'template',
  '/ReplicationController': 'template',
  'apps/Deployment': 'template',
  'apps/StatefulSet': 'template',
  'apps/DaemonSet': 'template',
  'apps/ReplicaSet': 'template',
  'batch/Job': 'template',
  'batch/CronJob': 'template',
  'rbac.authorization.k8s.io/Role': 'rbac',
  'rbac.authorization.k8s.io/ClusterRole': 'rbac',
  'rbac.authorization.k8s.io/RoleBinding': 'rbac',
  'rbac.authorization.k8s.io/ClusterRoleBinding': 'rbac',
  '/Namespace': 'namespace',
};

export function classify(kind: { group: string; kind: string }): ObjectClass {
  const key = `${kind.group}/${kind.kind}`;
  return Object.prototype.hasOwnProperty.call(CLASSES, key) ? (CLASSES[key] as ObjectClass) : 'other';
}

// ---- the rules, from the same lists `stockade config` uses ----------------------------------

const kubernetesAdapter = ADAPTERS.find((a) => a.kind === 'kubernetes');
if (!kubernetesAdapter) throw new Error('no Kubernetes adapter registered in checks/index.ts');

const PSS_RULE_BY_CHECK = new Map(KUBERNETES_RULES.map((rule) => [rule.pss.id as string, rule]));
const PSS_RULE_IDS = new Set(KUBERNETES_RULES.map((rule) => rule.id));

/** Every per-document Kubernetes rule except the PSS ones (those follow the namespace's level). */
export const ADMISSION_RULES: readonly AnyRule[] = kubernetesAdapter.rules.filter((rule) => !PSS_RULE_IDS.has(rule.id));

const RULE_GROUPS = new Map<string, readonly string[]>([
  ...KUBERNETES_RULES.map((r) => [r.id, ['pss']] as const),
  ...HARDENING_RULES.map((r) => [r.id, ['hardening']] as const),
  ...RBAC_RULES.map((r) => [r.id, ['rbac']] as const),
  ...SEGMENTATION_RULES.map((r) => [r.id, ['segmentation']] as const),
]);

/** Trust requirements beyond the registry list (that one is rule SK-K8S-0029, run with the others). */
const TRUST_SEVERITY: SeverityLevel = 'HIGH';
const TRUST_GROUPS = ['trust'] as const;

/** The rule id a PSS check is reported under (`privileged` -> SK-K8S-0101). */
export function pssRuleId(checkId: string): string {
  return PSS_RULE_BY_CHECK.get(checkId)?.id ?? `pss.${checkId}`;
}

// ---- settings and results -----------------------------------------------------------------

export type TemplateMode = 'deny' | 'warn';

export interface JudgeSettings {
  project: ProjectConfig;
  podSecurity: PodSecurityConfiguration;
  namespaces: NamespaceDirectory;
  /** Workloads whose template fails the enforce level: refused (deny) or, as PSA, warned. */
  templates: TemplateMode;
  hooks: readonly AdmissionPolicyHook[];
  trustFacts?: TrustFactsProvider;
}

export type DecisionOutcome = 'deny' | 'warn' | 'audit' | 'exception';

/** One rule's effect on one request (for metrics and the decision log). */
export interface RuleDecision {
  ruleId: string;
  outcome: DecisionOutcome;
  source: 'pss' | 'rule' | 'trust' | 'policy' | 'namespace';
}

export interface Judgement {
  response: AdmissionResponse;
  /** Whether any check ran; when not, why (`kind`, `subresource`, `operation`, `unchanged`). */
  judged: boolean;
  skipped?: string;
  kind: string;
  namespace: string;
  name: string;
  decisions: RuleDecision[];
  /** What the caller should remember, if the request is real (not a dry run) and allowed. */
  namespaceEffect?: { learn: string; labels: Labels } | { forget: string };
}

// ---- helpers over plain data ------------------------------------------------------------

function stringLabels(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asObject(value) ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Structural equality of parsed JSON (the body's depth is already bounded). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], bb[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** PSA's isSignificantPodUpdate: only image changes, seccomp annotations and new ephemeral containers count. */
function significantPodUpdate(pod: Record<string, unknown>, old: unknown): boolean {
  const oldPod = asObject(old);
  if (!oldPod) return true;
  const spec = asObject(pod['spec']) ?? {};
  const oldSpec = asObject(oldPod['spec']) ?? {};
  const ann = asObject(asObject(pod['metadata'])?.['annotations']) ?? {};
  const oldAnn = asObject(asObject(oldPod['metadata'])?.['annotations']) ?? {};
  const significant = (c: unknown, o: unknown): boolean => {
    const co = asObject(c) ?? {};
    const oo = asObject(o) ?? {};
    if (asString(co['image']) !== asString(oo['image'])) return true;
    const key = `container.seccomp.security.alpha.kubernetes.io/${asString(co['name'])}`;
    return ann[key] !== oldAnn[key];
  };
  for (const list of ['containers', 'initContainers']) {
    const a = asArray(spec[list]);
    const b = asArray(oldSpec[list]);
    if (a.length !== b.length) return true;
    for (let i = 0; i < a.length; i++) if (significant(a[i], b[i])) return true;
  }
  const oldEphemeral = asArray(oldSpec['ephemeralContainers']);
  for (const c of asArray(spec['ephemeralContainers'])) {
    const name = asString(asObject(c)?.['name']);
    const o = oldEphemeral.find((x) => asString(asObject(x)?.['name']) === name);
    if (o === undefined || significant(c, o)) return true;
  }
  return false;
}

function templatesUnchanged(object: Record<string, unknown>, old: unknown): boolean {
  const now = findPodTemplates(object);
  const before = findPodTemplates(old);
  if (now.length !== before.length || now.length === 0) return false;
  return now.every((t, i) => {
    const b = before[i] as PodTemplate;
    return jsonEqual(t.podSpec, b.podSpec) && jsonEqual(t.podMetadata, b.podMetadata);
  });
}

function imagesOf(templates: readonly PodTemplate[]): string[] {
  const images = new Set<string>();
  for (const t of templates) for (const c of containersOf(t.podSpec)) {
    const image = asString(c.container['image']);
    if (image !== '') images.add(image);
  }
  return [...images];
}

/** The object as the rules should read it: kind and apiVersion from the request (authoritative), namespace filled. */
function normalise(object: Record<string, unknown>, request: AdmissionRequest): Record<string, unknown> {
  const { group, version, kind } = request.kind;
  const out: Record<string, unknown> = { ...object, apiVersion: group ? `${group}/${version}` : version, kind };
  const meta = asObject(object['metadata']);
  if (request.namespace && typeof meta?.['namespace'] !== 'string') out['metadata'] = { ...(meta ?? {}), namespace: request.namespace };
  return out;
}

// ---- the answer under construction ------------------------------------------------------

const MAX_MESSAGE_CHARS = 16 * 1024;
const MAX_WARNINGS = 50;
/** The API server may truncate long warnings anyway; annotations end up in every audit event. */
const MAX_WARNING_CHARS = 1024;
const MAX_ANNOTATION_CHARS = 4 * 1024;

function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}... (truncated)` : text;
}

class Answer {
  readonly denials: string[] = [];
  readonly warnings: string[] = [];
  readonly annotations: Record<string, string> = {};
  readonly decisions: RuleDecision[] = [];
  private readonly seen = new Set<string>();

  record(ruleId: string, outcome: DecisionOutcome, source: RuleDecision['source']): void {
    const key = `${ruleId}\u0000${outcome}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.decisions.push({ ruleId, outcome, source });
  }

  annotate(key: string, value: string): void {
    const k = annotationKey(key);
    this.annotations[k] = this.annotations[k] === undefined ? value : `${this.annotations[k]}; ${value}`;
  }

  /** One finding with its mode: the outcome of modeFor, or a hook's explicit actions. */
  apply(ruleId: string, text: string, modes: readonly EnforcementMode[], source: RuleDecision['source'], exception?: ModeDecision['exception']): void {
    if (exception) {
      if (this.seen.has(`${ruleId}\u0000exception`)) return;
      this.annotate(`exception-${ruleId}`, `${exception.reason} (until ${exception.expires})`);
      this.record(ruleId, 'exception', source);
      return;
    }
    for (const mode of modes) {
      const line = `${ruleId}: ${text}`;
      if (mode === 'deny') this.denials.includes(line) || this.denials.push(line);
      else if (mode === 'warn') this.warnings.includes(line) || this.warnings.push(line);
      else if (mode === 'audit') this.annotate(ruleId, text);
      else continue;
      this.record(ruleId, mode, source);
    }
  }

  response(uid: string): AdmissionResponse {
    const response: AdmissionResponse = { uid, allowed: this.denials.length === 0 };
    if (!response.allowed) {
      response.status = { status: 'Failure', code: 403, reason: 'Forbidden', message: cap(this.denials.join('; '), MAX_MESSAGE_CHARS) };
    }
    if (this.warnings.length > 0) {
      const warnings = this.warnings.map((w) => cap(w, MAX_WARNING_CHARS));
      response.warnings = warnings.length > MAX_WARNINGS ? [...warnings.slice(0, MAX_WARNINGS - 1), `... and ${warnings.length - MAX_WARNINGS + 1} more warnings`] : warnings;
    }
    const keys = Object.keys(this.annotations);
    if (keys.length > 0) response.auditAnnotations = Object.fromEntries(keys.map((k) => [k, cap(this.annotations[k] as string, MAX_ANNOTATION_CHARS)]));
    return response;
  }
}

// ---- Pod Security, as the PodSecurity plugin evaluates it -------------------------------

/** PSA's ForbiddenDetail, each reason followed by the rule id it is reported under. */
function forbiddenDetail(failures: readonly PssFailure[]): string {
  return failures.map((f) => `${f.reason}${f.detail ? ` (${f.detail})` : ''} [${pssRuleId(f.id)}]`).join(', ');
}

interface PssContext {
  request: AdmissionRequest;
  settings: JudgeSettings;
  subject: EnforcementSubject;
  now: Date;
  answer: Answer;
  enforce: boolean;
}

function podSecurity(templates: readonly PodTemplate[], ctx: PssContext): void {
  const { request, settings, answer } = ctx;
  const ex = settings.podSecurity.exemptions;
  const namespace = request.namespace ?? '';
  if (ex.namespaces.has(namespace)) return answer.annotate('pss-exempt', 'namespace');
  if (ex.usernames.has(request.userInfo?.username ?? '')) return answer.annotate('pss-exempt', 'user');
  const { labels } = settings.namespaces.labelsOf(namespace);
  const { policy, errors } = policyToEvaluate(labels, settings.podSecurity.defaults);
  if (errors.length === 0 && isFullyPrivileged(policy)) return;
  if (errors.length > 0) answer.annotate('pss-error', `Failed to parse policy: ${errors.map(formatLabelError).join('; ')}`);
  const many = templates.length > 1;
  for (const template of templates) {
    const runtimeClass = asString(template.podSpec['runtimeClassName']);
    if (runtimeClass !== '' && ex.runtimeClasses.has(runtimeClass)) {
      answer.annotate('pss-exempt', 'runtimeClass');
      continue;
    }
    evaluateTemplate(template, policy, many ? `${template.kind}/${template.name || '(unnamed)'}: ` : '', ctx);
  }
}

function evaluateTemplate(template: PodTemplate, policy: NamespacePolicy, prefix: string, ctx: PssContext): void {
  const { settings, answer } = ctx;
  const verdicts = new Map<string, PssVerdict>();
  const exceptions = new Map<string, ModeDecision['exception'] | null>();
  const exceptionFor = (ruleId: string): ModeDecision['exception'] | undefined => {
    let e = exceptions.get(ruleId);
    if (e === undefined) {
      const rule = KUBERNETES_RULES.find((r) => r.id === ruleId);
      e = modeFor(ruleId, rule?.severity ?? 'HIGH', settings.project.enforcement, ctx.subject, ctx.now, ['pss']).exception ?? null;
      exceptions.set(ruleId, e);
    }
    return e ?? undefined;
  };
  /** The failures at one level:version, minus those an enforcement exception lifts. */
  const failuresAt = (lv: LevelVersion): PssFailure[] => {
    if (lv.level === 'privileged') return [];
    const key = formatLevelVersion(lv);
    let verdict = verdicts.get(key);
    if (!verdict) {
      verdict = evaluatePodSecurity(template.podMetadata, template.podSpec, lv.level, lv.version);
      verdicts.set(key, verdict);
    }
    return verdict.failures.filter((f) => {
      const ruleId = pssRuleId(f.id);
      const e = exceptionFor(ruleId);
      if (!e) return true;
      answer.apply(ruleId, '', [], 'pss', e);
      return false;
    });
  };
  let denied = false;
  if (ctx.enforce) {
    answer.annotate('pss-enforce-policy', formatLevelVersion(policy.enforce));
    const failures = failuresAt(policy.enforce);
    if (failures.length > 0) {
      denied = true;
      answer.denials.push(`${prefix}violates PodSecurity "${formatLevelVersion(policy.enforce)}": ${forbiddenDetail(failures)}`);
      for (const f of failures) answer.record(pssRuleId(f.id), 'deny', 'pss');
    }
  }
  const audit = failuresAt(policy.audit);
  if (audit.length > 0) {
    answer.annotate('pss-audit-violations', `${prefix}would violate PodSecurity "${formatLevelVersion(policy.audit)}": ${forbiddenDetail(audit)}`);
    for (const f of audit) answer.record(pssRuleId(f.id), 'audit', 'pss');
  }
  // As PSA: no warning on a request the enforce level already refuses.
  if (!denied) {
    const warn = failuresAt(policy.warn);
    if (warn.length > 0) {
      answer.warnings.push(`${prefix}would violate PodSecurity "${formatLevelVersion(policy.warn)}": ${forbiddenDetail(warn)}`);
      for (const f of warn) answer.record(pssRuleId(f.id), 'warn', 'pss');
    }
  }
}

// ---- Namespaces -----------------------------------------------------------------------------

function judgeNamespace(request: AdmissionRequest, settings: JudgeSettings, base: Omit<Judgement, 'response' | 'decisions' | 'judged'>): Judgement {
  const name = base.name;
  if (request.operation === 'DELETE') {
    return { ...base, judged: false, skipped: 'operation', decisions: [], response: { uid: request.uid, allowed: true }, namespaceEffect: { forget: name } };
  }
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') {
    return { ...base, judged: false, skipped: 'operation', decisions: [], response: { uid: request.uid, allowed: true } };
  }
  const labels = stringLabels(asObject(asObject(request.object)?.['metadata'])?.['labels']);
  const { errors } = policyToEvaluate(labels, settings.podSecurity.defaults);
  const oldLabels = stringLabels(asObject(asObject(request.oldObject)?.['metadata'])?.['labels']);
  const mustBeValid = request.operation === 'CREATE' || podSecurityLabelsChanged(labels, oldLabels);
  if (errors.length > 0 && mustBeValid) {
    const details = errors.map((e) => `metadata.labels[${e.label}]: Invalid value: ${JSON.stringify(e.value)}: ${e.message}`);
    return {
      ...base,
      judged: true,
      decisions: [{ ruleId: 'pss.namespace-labels', outcome: 'deny', source: 'namespace' }],
      response: { uid: request.uid, allowed: false, status: { status: 'Failure', code: 422, reason: 'Invalid', message: `Namespace ${JSON.stringify(name)} is invalid: ${details.join(', ')}` } },
    };
  }
  return { ...base, judged: true, decisions: [], response: { uid: request.uid, allowed: true }, namespaceEffect: { learn: name, labels } };
}

// ---- the request ----------------------------------------------------------------------------

function trustBeyondRegistries(trust: TrustPolicy | undefined): TrustPolicy | undefined {
  if (!trust) return undefined;
  const { registries: _registries, ...rest } = trust;
  const needed = rest.requireDigest === true || (rest.forbiddenTags?.length ?? 0) > 0 || rest.maxImageAge !== undefined || (rest.signatures?.length ?? 0) > 0;
  return needed ? rest : undefined;
}

/** Thrown when a rule or hook fails: the server answers per `--on-error` (deny by default). */
export class JudgeError extends Error {
  constructor(readonly source: string, cause: unknown) {
    super(`${source} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'JudgeError';
  }
}

export async function judge(request: AdmissionRequest, settings: JudgeSettings, now: Date = new Date()): Promise<Judgement> {
  const cls = classify(request.kind);
  const objectMeta = asObject(asObject(request.object)?.['metadata']);
  const base = {
    kind: request.kind.kind,
    namespace: request.namespace ?? '',
    name: request.name || asString(objectMeta?.['name']) || asString(objectMeta?.['generateName']),
  };
  const allow = (skipped: string): Judgement => ({ ...base, judged: false, skipped, decisions: [], response: { uid: request.uid, allowed: true } });

  if (cls === 'namespace') return judgeNamespace(request, settings, base);
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allow('operation');
  const sub = request.subResource ?? '';
  if (sub !== '' && !(cls === 'pod' && sub === 'ephemeralcontainers')) return allow('subresource');
  if (cls === 'other' && settings.hooks.length === 0) return allow('kind');

  const raw = asObject(request.object);
  if (!raw) {
    return { ...base, judged: false, skipped: 'object', decisions: [], response: { uid: request.uid, allowed: false, status: { status: 'Failure', code: 400, reason: 'BadRequest', message: `${request.operation} of ${request.kind.kind} carries no object to judge` } } };
  }
  const object = normalise(raw as Record<string, unknown>, request);
  const answer = new Answer();
  const templates = cls === 'pod' || cls === 'template' ? findPodTemplates(object) : [];
  const images = imagesOf(templates);
  const subject: EnforcementSubject = { namespace: base.namespace, labels: stringLabels(asObject(object['metadata'])?.['labels']), images };
  if (request.userInfo?.username) subject.user = request.userInfo.username;

  let builtIns = cls !== 'other';
  if (builtIns && request.operation === 'UPDATE') {
    if (cls === 'pod' && sub === '' && !significantPodUpdate(object, request.oldObject)) builtIns = false;
    if (cls === 'template' && templatesUnchanged(object, request.oldObject)) builtIns = false;
  }

  if (builtIns) {
    // 1. Pod Security at the namespace's levels.
    if (templates.length > 0) {
      podSecurity(templates, { request, settings, subject, now, answer, enforce: cls === 'pod' || settings.templates === 'deny' });
    }
    // 2. The same per-document rules `stockade config` runs (minus PSS, above).
    const context: RuleContext = {};
    if (settings.project.trust) context.trust = settings.project.trust;
    const doc: KubernetesDocument = { object, position: () => undefined };
    for (const rule of ADMISSION_RULES) {
      let violations: RuleViolation[];
      try {
        violations = rule.check(doc as never, context);
      } catch (e) {
        throw new JudgeError(`rule ${rule.id}`, e);
      }
      if (violations.length === 0) continue;
      const decision = modeFor(rule.id, rule.severity, settings.project.enforcement, subject, now, RULE_GROUPS.get(rule.id) ?? []);
      for (const v of violations) answer.apply(rule.id, v.reason + (v.detail ? ` (${v.detail})` : ''), [decision.mode], 'rule', decision.exception);
    }
    // 3. The trust policy on every image (registries are SK-K8S-0029's, run above).
    const trust = trustBeyondRegistries(settings.project.trust);
    if (trust) {
      const registriesRuleRan = settings.project.trust?.registries !== undefined;
      for (const image of images) {
        let facts;
        try {
          facts = settings.trustFacts ? await settings.trustFacts(image) : {};
        } catch (e) {
          throw new JudgeError(`trust facts for ${image}`, e);
        }
        for (const r of evaluateTrust(image, trust, { now, ...facts })) {
          if (r.ok || (r.requirement === 'reference' && registriesRuleRan)) continue;
          const ruleId = `trust.${r.requirement}`;
          const decision = modeFor(ruleId, TRUST_SEVERITY, settings.project.enforcement, { ...subject, images: [image] }, now, TRUST_GROUPS);
          answer.apply(ruleId, `image ${JSON.stringify(image)}: ${r.message}`, [decision.mode], 'trust', decision.exception);
        }
      }
    }
  }

  // 4. Policy hooks (CEL policies plug in here) see every object the webhook is sent.
  for (const hook of settings.hooks) {
    let findings: PolicyFinding[];
    try {
      findings = await hook.evaluate({ request, object, oldObject: request.oldObject, namespaceLabels: settings.namespaces.labelsOf(base.namespace).labels, now });
    } catch (e) {
      throw new JudgeError(`policy hook ${hook.id}`, e);
    }
    for (const f of findings) {
      if (f.actions) answer.apply(f.ruleId, f.reason, f.actions, 'policy');
      else {
        const decision = modeFor(f.ruleId, f.severity, settings.project.enforcement, subject, now, f.groups ?? []);
        answer.apply(f.ruleId, f.reason, [decision.mode], 'policy', decision.exception);
      }
    }
  }

  const judged = builtIns || settings.hooks.length > 0;
  return { ...base, judged, ...(judged ? {} : { skipped: 'unchanged' }), decisions: answer.decisions, response: answer.response(request.uid) };
}
