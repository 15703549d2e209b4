/** PSS restricted: volumes limited to the sources that cannot reach the node or outside storage directly. */
import { ALLOWED, asArray, asObject, asString, definePssCheck, denied, isSet, plural, quoted, sortedUnique, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const ALLOWED_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'] as const;

/** Named in the order pod-security-admission names the first one it finds. */
const KNOWN_RESTRICTED = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder',
  'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
] as const;

const restrictedVolumesV1Dot0: PodCheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const types: string[] = [];
  const paths: FieldPath[] = [];
  asArray(spec.volumes).forEach((item, index) => {
    const volume = asObject(item) ?? {};
    if (ALLOWED_SOURCES.some((source) => isSet(volume[source]))) return;
    const type = KNOWN_RESTRICTED.find((source) => isSet(volume[source]));
    // The API server defaults a volume with no source to emptyDir before admission sees it.
    if (type === undefined) return;
    bad.push(asString(volume.name));
    types.push(type);
    paths.push(['spec', 'volumes', index, type]);
  });
  if (bad.length === 0) return ALLOWED;
  const list = sortedUnique(types);
  return denied(
    'restricted volume types',
    `${plural(bad.length, 'volume', 'volumes')} ${quoted(bad)} ${plural(bad.length, 'uses', 'use')} restricted ${plural(list.length, 'type', 'types')} ${quoted(list)}`,
    paths,
  );
};

export const restrictedVolumes = definePssCheck('restrictedVolumes', 'restricted', [
  { since: v(1, 0), check: restrictedVolumesV1Dot0, overrides: ['hostPathVolumes'] },
]);

export const restrictedVolumesRule = pssRule(restrictedVolumes, {
  id: 'SK-K8S-0119',
  title: 'Restricted volume type',
  severity: 'MEDIUM',
  description:
    'Inline volume sources other than configMap, secret, downwardAPI, emptyDir, projected, csi, ephemeral, image and persistentVolumeClaim let the pod mount node paths or network storage directly, bypassing the cluster storage controls.',
  remediation: 'Use a PersistentVolumeClaim (the cluster admin provisions the volume) or one of the allowed ephemeral sources instead of the inline volume.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:restrictedVolumes', 'pss-level:restricted', 'cis-k8s:5.2.12', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:T'],
});
