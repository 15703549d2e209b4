/** Segmentation and sensitivity-tier rules. Set rules see every Kubernetes document of a run. */
import { networkPolicyCoverageRule, type SetRule } from './network-policy-coverage.js';
import { highTierSandboxRule, istioMtlsStrictRule, networkPolicyAllowAllRule } from './per-document.js';
import { tierSeparationRule } from './tier-separation.js';
import { effectiveAccessRule } from '../rbac/effective-access.js';

export type { LocatedDocument, SetRule } from './network-policy-coverage.js';
export const SEGMENTATION_RULES = [networkPolicyAllowAllRule, istioMtlsStrictRule, highTierSandboxRule] as const;
/** Rules over the whole run: segmentation, tiers, and RBAC effective access (who gets what). */
export const KUBERNETES_SET_RULES: readonly SetRule[] = [networkPolicyCoverageRule, tierSeparationRule, effectiveAccessRule];
