/** Containers without CPU/memory requests and limits. */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { asObject, containersOf, quoted } from '../pss/check.js';
import { checkPodTemplates, type PodFinding } from './common.js';

const WANTED = [
  ['requests', 'cpu'],
  ['requests', 'memory'],
  ['limits', 'cpu'],
  ['limits', 'memory'],
] as const;

export const resourceLimitsRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0001',
  kind: 'kubernetes',
  title: 'Container without CPU/memory requests and limits',
  severity: 'MEDIUM',
  description:
    'A container with no memory limit can exhaust the node and get neighbours OOM-killed; with no CPU limit it can starve them; without requests the scheduler cannot place it sensibly. ' +
    'Limits are enforced by the kernel through cgroups only when they are set. This rule reads the manifest alone: defaults a namespace LimitRange would inject are out of scope, so a namespace with a LimitRange may make a finding moot.',
  remediation: 'Set resources.requests.cpu, resources.requests.memory, resources.limits.cpu and resources.limits.memory on every container and init container (or enforce defaults with a LimitRange and a ResourceQuota in the namespace).',
  references: [
    'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/',
    'https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF',
  ],
  frameworks: ['nist-800-190:4.4.2', 'nsa-k8s:resource-policies', 'stride:D'],
  check(doc) {
    return checkPodTemplates(doc, (template) => {
      const findings: PodFinding[] = [];
      for (const visited of containersOf(template.podSpec)) {
        // Ephemeral containers may not set resources at all: nothing to ask of them.
        if (visited.path[1] === 'ephemeralContainers') continue;
        const resources = asObject(visited.container.resources);
        const missing = WANTED.filter(([group, name]) => asObject(resources?.[group])?.[name] === undefined).map(([g, n]) => `${g}.${n}`);
        if (missing.length === 0) continue;
        findings.push({
          reason: `container ${JSON.stringify(visited.name)} sets no resources ${quoted(missing)}`,
          podPath: resources ? [...visited.path, 'resources'] : visited.path,
        });
      }
      return findings;
    });
  },
};
