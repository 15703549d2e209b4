/** PSS baseline: no hostPath volumes. */
import { ALLOWED, asArray, asObject, asString, definePssCheck, denied, isSet, plural, quoted, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const hostPathVolumesV1Dot0: PodCheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const paths: FieldPath[] = [];
  asArray(spec.volumes).forEach((item, index) => {
    const volume = asObject(item);
    if (volume && isSet(volume.hostPath)) {
      bad.push(asString(volume.name));
      // On the host directory itself (hostPath.path): the value a reviewer has to judge,
      // and the line SK-K8S-0009 uses for the same volume. A missing path falls back to hostPath.
      paths.push(['spec', 'volumes', index, 'hostPath', 'path']);
    }
  });
  if (bad.length === 0) return ALLOWED;
  return denied('hostPath volumes', `${plural(bad.length, 'volume', 'volumes')} ${quoted(bad)} mount a host path`, paths);
};

export const hostPathVolumes = definePssCheck('hostPathVolumes', 'baseline', [{ since: v(1, 0), check: hostPathVolumesV1Dot0 }]);

export const hostPathVolumesRule = pssRule(hostPathVolumes, {
  id: 'SK-K8S-0103',
  title: 'hostPath volume',
  severity: 'HIGH',
  description:
    "A hostPath volume exposes part of the node's filesystem to the pod: the container runtime socket, kubelet credentials or /etc are one mount away from a node takeover.",
  remediation: 'Replace hostPath volumes with emptyDir, configMap, secret, projected or a PersistentVolumeClaim; node agents that truly need the host belong in a separate, tightly controlled namespace.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:hostPathVolumes', 'pss-level:baseline', 'cis-k8s:5.2.12', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
