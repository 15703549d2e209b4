/**
 * Workloads no NetworkPolicy selects: without a policy (a default deny at least) every
 * pod accepts traffic from every other pod in the cluster. Needs the whole set of
 * manifests, so it is a set rule: it sees every Kubernetes document of the run.
 */
import type { RuleMeta, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { findPodTemplates } from '../workload.js';
import { labelsOf, namespaceOf, selectorMatches } from './labels.js';
import { pushTo } from '../../../core/multimap.js';

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export interface LocatedDocument extends KubernetesDocument {
  file: string;
}

export interface SetRule extends RuleMeta {
  readonly kind: 'kubernetes';
  checkAll(docs: readonly LocatedDocument[]): Array<RuleViolation & { file: string }>;
}

export const networkPolicyCoverageRule: SetRule = {
  id: 'SK-K8S-0201',
  kind: 'kubernetes',
  title: 'Workload not selected by any NetworkPolicy',
  severity: 'MEDIUM',
  description:
    'No NetworkPolicy in the manifests selects the pods of this workload, so (unless policies exist outside these files) they accept connections from every pod in the cluster and can reach anything. SP 800-190 asks for orchestrator traffic to be segmented so one compromised app cannot reach the rest.',
  remediation: 'Add a default-deny NetworkPolicy per namespace (`podSelector: {}` with `policyTypes: [Ingress, Egress]`) and explicit allow policies for the traffic each workload needs.',
  references: ['https://kubernetes.io/docs/concepts/services-networking/network-policies/'],
  frameworks: ['nist-800-190:4.3.3', 'cis-k8s:5.3.2', 'nsa-k8s:network-separation', 'stride:I'],
  checkAll(docs) {
    // Selectors per namespace, computed once: a fleet's manifests hold thousands of each.
    const selectorsByNamespace = new Map<string, unknown[]>();
    for (const d of docs) {
      const o = rec(d.object);
      if (o['kind'] !== 'NetworkPolicy' || !String(o['apiVersion'] ?? '').startsWith('networking.k8s.io/')) continue;
      const ns = namespaceOf(o);
      pushTo(selectorsByNamespace, ns, rec(o['spec'])['podSelector']);
    }
    const out: Array<RuleViolation & { file: string }> = [];
    for (const d of docs) {
      for (const t of findPodTemplates(d.object)) {
        const ns = namespaceOf(rec(d.object));
        const labels = labelsOf(t.podMetadata);
        const covered = (selectorsByNamespace.get(ns) ?? []).some((selector) => selectorMatches(selector, labels));
        if (covered) continue;
        const v: RuleViolation & { file: string } = { reason: `no NetworkPolicy in namespace ${ns} selects the pods of ${t.kind}/${t.name || '(unnamed)'}`, resource: `${t.kind}/${t.name || '(unnamed)'}`, file: d.file };
        const pos = d.position(['metadata', 'name']);
        if (pos) v.position = pos;
        out.push(v);
      }
    }
    return out;
  },
};
