/** The `policies` section of stockade.yaml, apart from the CEL machinery so reading settings stays cheap. */
import { z } from 'zod';

/**
 * One custom rule:
 *
 * ```yaml
 * policies:
 *   - id: registry-only                 # the finding's ruleId (unique)
 *     title: Images come from our registry
 *     severity: HIGH                    # CRITICAL | HIGH | MEDIUM | LOW (default MEDIUM)
 *     kinds: [Pod, Deployment, apps/StatefulSet]   # Kind or group/Kind; all kinds when absent
 *     expression: >-
 *       podSpec == null || podSpec.containers.all(c, c.image.startsWith('registry.example.com/'))
 *     message: every image must come from registry.example.com
 *     messageExpression: "'image ' + podSpec.containers[0].image + ' is not allowed'"   # optional
 *     mode: deny                        # deny | warn | audit | off (default: enforcement config)
 * ```
 *
 * Expressions see `object`, `oldObject`, `request`, `namespaceObject` (as in a VAP) and
 * `podSpec`: the pod spec of a Pod or of any workload's pod template, null otherwise.
 */
export const PolicyRuleSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'use letters, digits, . _ : - (at most 128)'),
    title: z.string().min(1),
    severity: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']).optional(),
    kinds: z.array(z.string().min(1)).optional(),
    expression: z.string().min(1),
    message: z.string().optional(),
    messageExpression: z.string().optional(),
    mode: z.enum(['deny', 'warn', 'audit', 'off']).optional(),
    description: z.string().optional(),
    remediation: z.string().optional(),
  })
  .strict();

export const PoliciesConfigSchema = z.array(PolicyRuleSchema);
export type PolicyRuleConfig = z.infer<typeof PolicyRuleSchema>;
