/**
 * Segmentation rules that one document decides: NetworkPolicies that allow everything,
 * Istio PeerAuthentication that is not STRICT, and high-tier workloads without a
 * sandboxed runtime class.
 */
import type { Rule, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { findPodTemplates } from '../workload.js';
import { TIER_LABEL } from './tier-separation.js';

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export const networkPolicyAllowAllRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0203',
  kind: 'kubernetes',
  title: 'NetworkPolicy allows all traffic',
  severity: 'MEDIUM',
  description: 'An ingress or egress rule with no peers (`- {}`) allows traffic from or to everywhere, undoing the segmentation the policy appears to provide.',
  remediation: 'List the peers (podSelector, namespaceSelector, ipBlock) and ports each rule should allow.',
  references: ['https://kubernetes.io/docs/concepts/services-networking/network-policies/'],
  frameworks: ['nist-800-190:4.3.3', 'nsa-k8s:network-separation', 'stride:I'],
  check(doc) {
    if (rec(doc.object)['kind'] !== 'NetworkPolicy') return [];
    const spec = rec(rec(doc.object)['spec']);
    const out: RuleViolation[] = [];
    for (const direction of ['ingress', 'egress'] as const) {
      const rules = Array.isArray(spec[direction]) ? (spec[direction] as unknown[]) : [];
      rules.forEach((r, i) => {
        const peers = rec(r)[direction === 'ingress' ? 'from' : 'to'];
        const ports = rec(r)['ports'];
        if ((peers === undefined || (Array.isArray(peers) && peers.length === 0)) && (ports === undefined || (Array.isArray(ports) && ports.length === 0))) {
          const v: RuleViolation = { reason: `${direction} rule ${i} has no peers and no ports: it allows all ${direction} traffic`, resource: `NetworkPolicy/${String(rec(rec(doc.object)['metadata'])['name'] ?? '')}` };
          const pos = doc.position(['spec', direction, i]);
          if (pos) v.position = pos;
          out.push(v);
        }
      });
    }
    return out;
  },
};

export const istioMtlsStrictRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0204',
  kind: 'kubernetes',
  title: 'Istio PeerAuthentication does not require mutual TLS',
  severity: 'MEDIUM',
  description: 'A PeerAuthentication with mode PERMISSIVE or DISABLE lets workloads accept plaintext traffic, so traffic between services can be read or forged by anything on the network path.',
  remediation: 'Set `spec.mtls.mode: STRICT` (after checking every client has a sidecar), mesh-wide in the root namespace or per namespace.',
  references: ['https://istio.io/latest/docs/reference/config/security/peer_authentication/'],
  frameworks: ['nist-800-190:4.3.3', 'stride:I'],
  check(doc) {
    if (rec(doc.object)['kind'] !== 'PeerAuthentication' || !String(rec(doc.object)['apiVersion'] ?? '').startsWith('security.istio.io/')) return [];
    const mode = rec(rec(rec(doc.object)['spec'])['mtls'])['mode'];
    if (mode === 'STRICT') return [];
    const v: RuleViolation = { reason: mode === undefined ? 'no mtls mode set (inherits, PERMISSIVE by default)' : `mtls mode is ${String(mode)}`, resource: `PeerAuthentication/${String(rec(rec(doc.object)['metadata'])['name'] ?? '')}` };
    const pos = doc.position(['spec', 'mtls', 'mode']);
    if (pos) v.position = pos;
    return [v];
  },
};

const HIGH_TIERS = new Set(['high', 'restricted', 'sensitive', 'critical', 'confidential']);
const SANDBOX_RUNTIMES = /^(gvisor|runsc|kata|kata-.*|kata.*)$/i;

export const highTierSandboxRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0205',
  kind: 'kubernetes',
  title: 'High-sensitivity workload without a sandboxed runtime',
  severity: 'MEDIUM',
  description: 'A workload labelled as a high sensitivity tier runs on the shared host kernel. A sandboxed runtime (gVisor, Kata Containers) puts a second boundary between it and the node.',
  remediation: 'Install a sandboxed RuntimeClass (gVisor `runsc` or Kata) and set `runtimeClassName` on the pod template.',
  references: ['https://kubernetes.io/docs/concepts/containers/runtime-class/'],
  frameworks: ['nist-800-190:4.5.1', 'stride:E'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const t of findPodTemplates(doc.object)) {
      const labels = rec(t.podMetadata['labels'] ?? rec(rec(doc.object)['metadata'])['labels']);
      const tier = labels[TIER_LABEL];
      if (typeof tier !== 'string' || !HIGH_TIERS.has(tier.toLowerCase())) continue;
      const rc = t.podSpec['runtimeClassName'];
      if (typeof rc === 'string' && SANDBOX_RUNTIMES.test(rc)) continue;
      const v: RuleViolation = { reason: `tier ${tier} but runtimeClassName is ${typeof rc === 'string' ? rc : 'not set'}`, resource: `${t.kind}/${t.name || '(unnamed)'}` };
      const pos = doc.position([...t.specPath]);
      if (pos) v.position = pos;
      out.push(v);
    }
    return out;
  },
};
