/**
 * Builds the scanner rule for one Pod Security Standards check: it runs the check's
 * latest variant on every pod template in a document and reports one violation per
 * offending field, placed on that field's line.
 */
import type { Rule, RuleMeta, RuleContext, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { containerNameAt, documentPath, findPodTemplates } from '../workload.js';
import type { PssCheck, PssVersion } from './check.js';

/**
 * The newest Kubernetes minor any check has a variant for. pod-security-admission
 * evaluates every later version like this one; evaluate.test checks the two agree.
 */
export const LATEST_PSS_VERSION: PssVersion = { major: 1, minor: 37 };

export interface PssRule extends Rule<KubernetesDocument> {
  readonly pss: PssCheck;
}

export function pssRule(check: PssCheck, meta: Omit<RuleMeta, 'frameworks'> & { frameworks: RuleMeta['frameworks'] }): PssRule {
  return {
    ...meta,
    kind: 'kubernetes',
    pss: check,
    check(doc: KubernetesDocument, context?: RuleContext): RuleViolation[] {
      if (context?.pssChecks && !context.pssChecks.has(check.id)) return [];
      const violations: RuleViolation[] = [];
      for (const template of findPodTemplates(doc.object)) {
        const result = check.evaluate(template.podMetadata, template.podSpec, context?.pssVersion ?? LATEST_PSS_VERSION);
        if (result.allowed) continue;
        const owner = `${template.kind}/${template.name || '(unnamed)'}`;
        const reason = `${result.reason ?? check.id}: ${result.detail ?? ''}`.trim();
        const paths = result.paths && result.paths.length > 0 ? result.paths : [['spec']];
        for (const podPath of paths) {
          const container = containerNameAt(template, podPath);
          const violation: RuleViolation = {
            reason,
            resource: container !== undefined ? `${owner} container ${container}` : owner,
          };
          const position = doc.position(documentPath(template, podPath));
          if (position) violation.position = position;
          violations.push(violation);
        }
      }
      return violations;
    },
  };
}
