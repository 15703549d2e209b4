/**
 * The contract of a configuration rule: metadata (the single source for docs, SARIF
 * rule descriptors and framework reports) plus a pure check over one typed document.
 * One rule, one file; every rule registered in checks/index.ts.
 */
import type { SeverityLevel } from '../core/types.js';
import type { TrustPolicy } from '../config/project-config.js';

/** Frameworks a rule can cite, as `<framework>:<control>`. */
export const FRAMEWORKS = {
  'nist-800-190': 'NIST SP 800-190 countermeasure section (e.g. nist-800-190:4.4.3)',
  'cis-docker': 'CIS Docker Benchmark recommendation (e.g. cis-docker:4.1)',
  'cis-k8s': 'CIS Kubernetes Benchmark recommendation (e.g. cis-k8s:5.2.2)',
  pss: 'Kubernetes Pod Security Standards check id as pod-security-admission names it (e.g. pss:runAsNonRoot)',
  'pss-level': 'Pod Security Standards level: pss-level:baseline or pss-level:restricted',
  'nsa-k8s': 'NSA/CISA Kubernetes Hardening Guidance section',
  stride: 'STRIDE threat: stride:S, T, R, I, D or E',
} as const;

export type Framework = keyof typeof FRAMEWORKS;
export type FrameworkRef = `${Framework}:${string}`;

/** The documents rules look at. */
export type DocumentKind = 'dockerfile' | 'image-config' | 'kubernetes' | 'compose' | 'daemon-json';

/** Where in a file a finding is: 1-based line and column, as editors and SARIF count. */
export interface SourcePosition {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

/** What a check says about one thing it looked at (pod-security-admission's CheckResult, plus where). */
export interface RuleViolation {
  /** One line a person can act on: what is wrong, naming the field and value. */
  reason: string;
  /** More detail when useful (which containers, which values). */
  detail?: string;
  /** The resource inside the file (`Deployment/web`, `service api`, `stage build`). */
  resource?: string;
  position?: SourcePosition;
}

export interface RuleMeta {
  /** Stable id: SK-K8S-0001, SK-DF-0001, SK-COMPOSE-0001, SK-DAEMON-0001, SK-IMG-0001. */
  readonly id: string;
  readonly title: string;
  readonly severity: SeverityLevel;
  readonly description: string;
  readonly remediation: string;
  readonly references: readonly string[];
  readonly frameworks: readonly FrameworkRef[];
}

/** Settings a run passes to every rule (most rules ignore them). */
export interface RuleContext {
  /** Pod Security Standards version to judge against (`--pss-version`); latest when absent. */
  pssVersion?: { major: number; minor: number };
  /**
   * The Pod Security Standards checks pod-security-admission runs at the chosen level
   * and version (`--pss-level`): at baseline no restricted check, at restricted no
   * baseline check a restricted one replaces. All PSS rules run when absent.
   */
  pssChecks?: ReadonlySet<string>;
  /** The trust policy from stockade.yaml (`trust`): rules about where images may come from. */
  trust?: TrustPolicy;
}

export interface Rule<Doc> extends RuleMeta {
  readonly kind: DocumentKind;
  /** Pure: the same document and context always give the same violations. */
  check(doc: Doc, context?: RuleContext): RuleViolation[];
}

export function isFrameworkRef(ref: string): ref is FrameworkRef {
  const colon = ref.indexOf(':');
  if (colon <= 0 || colon === ref.length - 1) return false;
  const framework = ref.slice(0, colon);
  if (!(framework in FRAMEWORKS)) return false;
  if (framework === 'stride') return /^[STRIDE]$/.test(ref.slice(colon + 1));
  if (framework === 'pss-level') return ['baseline', 'restricted'].includes(ref.slice(colon + 1));
  return true;
}
