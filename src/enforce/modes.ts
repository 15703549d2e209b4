/**
 * What an enforcement point does with a finding: deny the request, let it through with
 * a warning, record it for audit only, or ignore it. One function decides, for the
 * admission webhook, the Docker authorization plugin and `config`-time previews alike,
 * from `stockade.yaml` (section `enforcement`); the rules themselves stay in checks/.
 */
import picomatch from 'picomatch';
import type { EnforcementConfig } from '../config/project-config.js';
import type { SeverityLevel } from '../core/types.js';
import { selectorMatches } from '../checks/kubernetes/segmentation/labels.js';
import { tryParseImageReference } from '../registry/reference.js';
import { repositoryMatches } from '../trust/policy.js';

export type EnforcementMode = 'deny' | 'warn' | 'audit' | 'off';

export const DEFAULT_SEVERITY_MODES: Readonly<Record<SeverityLevel, EnforcementMode>> = {
  CRITICAL: 'deny',
  HIGH: 'deny',
  MEDIUM: 'warn',
  LOW: 'audit',
  UNKNOWN: 'audit',
};

/** What the request is about, as far as exceptions care. */
export interface EnforcementSubject {
  namespace?: string;
  labels?: Record<string, string>;
  images?: readonly string[];
  user?: string;
}

export interface ModeDecision {
  mode: EnforcementMode;
  /** Set when an exception turned the rule off: its reason and expiry, for the audit trail. */
  exception?: { reason: string; expires: string };
}

/** `SK-K8S-0101` matches itself, `SK-K8S-01*` and `*`; a plain word (`pss`) matches ids tagged with it by the caller. */
function ruleMatches(pattern: string, ruleId: string, groups: readonly string[]): boolean {
  if (pattern === ruleId || groups.includes(pattern)) return true;
  return pattern.endsWith('*') && ruleId.startsWith(pattern.slice(0, -1));
}

/** True while the exception's day has not passed (it applies through the whole expiry day, UTC). */
export function exceptionActive(expires: string, now: Date): boolean {
  return now.getTime() < Date.parse(`${expires}T00:00:00Z`) + 24 * 3_600_000;
}

function exceptionApplies(e: NonNullable<EnforcementConfig['exceptions']>[number], ruleId: string, groups: readonly string[], subject: EnforcementSubject, now: Date): boolean {
  if (!exceptionActive(e.expires, now)) return false;
  if (e.rules && !e.rules.some((p) => ruleMatches(p, ruleId, groups))) return false;
  if (e.namespaces && !(subject.namespace !== undefined && e.namespaces.some((n) => picomatch.isMatch(subject.namespace as string, n)))) return false;
  if (e.selector && !selectorMatches(e.selector, subject.labels ?? {})) return false;
  if (e.users && !(subject.user !== undefined && e.users.includes(subject.user))) return false;
  if (e.images) {
    // Every image of the subject must be covered: one exempt image does not exempt its neighbours.
    const images = subject.images ?? [];
    if (images.length === 0) return false;
    for (const image of images) {
      const ref = tryParseImageReference(image);
      if (!ref || !repositoryMatches(ref, e.images)) return false;
    }
  }
  return true;
}

/**
 * The mode for one rule on one subject: an active exception turns it off; otherwise the
 * most specific `rules` entry (exact id before a prefix or group), else the severity's mode.
 */
export function modeFor(ruleId: string, severity: SeverityLevel, config: EnforcementConfig | undefined, subject: EnforcementSubject, now = new Date(), groups: readonly string[] = []): ModeDecision {
  for (const e of config?.exceptions ?? []) {
    if (exceptionApplies(e, ruleId, groups, subject, now)) return { mode: 'off', exception: { reason: e.reason, expires: e.expires } };
  }
  const rules = config?.rules ?? {};
  if (rules[ruleId]) return { mode: rules[ruleId] as EnforcementMode };
  const matching = Object.keys(rules)
    .filter((p) => ruleMatches(p, ruleId, groups))
    .sort((a, b) => b.length - a.length);
  if (matching[0]) return { mode: rules[matching[0]] as EnforcementMode };
  return { mode: config?.severities?.[severity] ?? DEFAULT_SEVERITY_MODES[severity] };
}
