/** Segmentation and sensitivity-tier rules. Set rules see every Kubernetes document of a run. */
import { networkPolicyCoverageRule, type SetRule } from './network-policy-coverage.js';
import { highTierSandboxRule, istioMtlsStrictRule, networkPolicyAllowAllRule } from './per-document.js';
import { tierSeparationRule } from './tier-separation.js';

export type { LocatedDocument, SetRule } from './network-policy-coverage.js';
export const SEGMENTATION_RULES = [networkPolicyAllowAllRule, istioMtlsStrictRule, highTierSandboxRule] as const;
export const KUBERNETES_SET_RULES: readonly SetRule[] = [networkPolicyCoverageRule, tierSeparationRule];
