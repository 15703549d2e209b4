/**
 * Extension points of the admission webhook, for policy sources that live elsewhere:
 *
 *  - `AdmissionPolicyHook`: validations beyond the built-in rules. CEL policies
 *    (`stockade.yaml` `policies`, Kubernetes ValidatingAdmissionPolicy + bindings, issue 8)
 *    plug in HERE: one hook that compiles the policies at load time and evaluates them per
 *    request, returning a finding per failed validation. A finding names its rule id (a
 *    VAP's `metadata.name`), and either carries the binding's `validationActions` or
 *    leaves the mode to `stockade.yaml` `enforcement` (modeFor), like every other rule.
 *  - `TrustFactsProvider`: what the trust policy needs beyond an image reference (its
 *    build time, its verified signature), gathered by the registry and signature code.
 *    Without one, requirements that need facts (maxImageAge, signatures) fail closed.
 *
 * The webhook itself holds no rule logic: it translates the AdmissionReview into these
 * calls and their findings back into the response.
 */
import type { SeverityLevel } from '../../core/types.js';
import type { TrustFacts } from '../../trust/policy.js';
import type { AdmissionRequest } from './review.js';
import type { Labels } from './namespace-labels.js';

export interface PolicyInput {
  request: AdmissionRequest;
  /** The object under review (apiVersion/kind/metadata.namespace filled from the request when absent). */
  object: Readonly<Record<string, unknown>>;
  oldObject?: unknown;
  /** The namespace's labels as this replica knows them (see namespace-labels.ts). */
  namespaceLabels: Labels | undefined;
  now: Date;
}

/** A VAP binding's `validationActions`, lower-cased. */
export type PolicyAction = 'deny' | 'warn' | 'audit';

export interface PolicyFinding {
  /** Stable id: the policy's `metadata.name` for a VAP, a rule id otherwise. */
  ruleId: string;
  /** Default mode comes from this severity via modeFor when `actions` is absent. */
  severity: SeverityLevel;
  /** One line: what was violated (a VAP's message or messageExpression result). */
  reason: string;
  /** Groups `stockade.yaml` `enforcement` may name (`cel`, `vap`). */
  groups?: readonly string[];
  /** When given (a binding's validationActions), used as is instead of modeFor. */
  actions?: readonly PolicyAction[];
}

export interface AdmissionPolicyHook {
  readonly id: string;
  /** Called for every judged object. May be synchronous. Throwing fails the request closed. */
  evaluate(input: PolicyInput): PolicyFinding[] | Promise<PolicyFinding[]>;
}

/** Facts for one image reference (age, signature); cached by the provider, keyed by digest. */
export type TrustFactsProvider = (image: string) => TrustFacts | Promise<TrustFacts>;

/** The hooks a server starts with: none built in yet. CEL policies are added here. */
export const BUILT_IN_POLICY_HOOKS: readonly AdmissionPolicyHook[] = [];
