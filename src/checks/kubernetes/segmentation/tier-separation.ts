/**
 * Sensitivity tiers (SP 800-190 4.3.5 / 4.5): workloads labelled `stockade.dev/tier`
 * with different values must not be able to share nodes. Two workloads of different
 * tiers with no node placement that tells them apart (nodeSelector, required node
 * affinity, tolerations) can be scheduled side by side.
 */
import type { RuleViolation } from '../../rule.js';
import { findPodTemplates } from '../workload.js';
import type { LocatedDocument, SetRule } from './network-policy-coverage.js';

export const TIER_LABEL = 'stockade.dev/tier';

function placement(podSpec: Record<string, unknown>): string {
  const selector = JSON.stringify(podSpec['nodeSelector'] ?? {});
  const affinity = JSON.stringify(((podSpec['affinity'] as Record<string, unknown> | undefined)?.['nodeAffinity'] as Record<string, unknown> | undefined)?.['requiredDuringSchedulingIgnoredDuringExecution'] ?? {});
  const tolerations = JSON.stringify(podSpec['tolerations'] ?? []);
  return `${selector}|${affinity}|${tolerations}`;
}

export const tierSeparationRule: SetRule = {
  id: 'SK-K8S-0202',
  kind: 'kubernetes',
  title: 'Workloads of different sensitivity tiers can share nodes',
  severity: 'MEDIUM',
  description:
    'Workloads labelled with different `stockade.dev/tier` values have the same node placement (no nodeSelector, required node affinity or tolerations that separate them), so the scheduler may put them on one node. Containers share the node\'s kernel: a breakout from the less sensitive workload reaches the more sensitive one.',
  remediation: 'Give each tier its own node pool: label and taint the nodes per tier, and set a matching nodeSelector (or required node affinity) and toleration on each workload.',
  references: ['https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/'],
  frameworks: ['nist-800-190:4.3.5', 'nsa-k8s:pod-security', 'stride:E'],
  checkAll(docs) {
    const items: Array<{ tier: string; place: string; name: string; file: string; doc: LocatedDocument }> = [];
    for (const d of docs) {
      for (const t of findPodTemplates(d.object)) {
        const meta = (typeof d.object === 'object' && d.object !== null ? (d.object as Record<string, unknown>)['metadata'] : undefined) as Record<string, unknown> | undefined;
        const labels = ((t.podMetadata['labels'] ?? meta?.['labels']) ?? {}) as Record<string, unknown>;
        const tier = labels[TIER_LABEL];
        if (typeof tier !== 'string') continue;
        items.push({ tier, place: placement(t.podSpec), name: `${t.kind}/${t.name || '(unnamed)'}`, file: d.file, doc: d });
      }
    }
    // Per placement, the first workload of each tier: workloads can only share nodes within one placement.
    const tiersByPlace = new Map<string, Map<string, (typeof items)[number]>>();
    for (const it of items) {
      const tiers = tiersByPlace.get(it.place) ?? new Map<string, (typeof items)[number]>();
      if (!tiers.has(it.tier)) tiers.set(it.tier, it);
      tiersByPlace.set(it.place, tiers);
    }
    const out: Array<RuleViolation & { file: string }> = [];
    for (const a of items) {
      let other: (typeof items)[number] | undefined;
      for (const [tier, first] of tiersByPlace.get(a.place) ?? []) {
        if (tier !== a.tier) {
          other = first;
          break;
        }
      }
      if (!other) continue;
      const v: RuleViolation & { file: string } = { reason: `${a.name} (tier ${a.tier}) can be scheduled on the same nodes as ${other.name} (tier ${other.tier})`, resource: a.name, file: a.file };
      const pos = a.doc.position(['metadata', 'name']);
      if (pos) v.position = pos;
      out.push(v);
    }
    return out;
  },
};
