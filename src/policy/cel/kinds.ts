/**
 * What the API server knows that a manifest does not say: the resource a kind is served as
 * (`Deployment` -> `deployments` in `apps`) and whether it is namespaced. Built-in kinds
 * come from this table; CustomResourceDefinitions found among the inputs add theirs; any
 * other kind gets the RESTMapper's guess (lower case plus `s`/`es`/`ies`, as kubectl's
 * `UnsafeGuessKindToResource`) and counts as namespaced.
 */

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

interface KindInfo {
  resource: string;
  namespaced: boolean;
}

const BUILT_IN: Readonly<Record<string, KindInfo>> = {
  // core
  '/Pod': { resource: 'pods', namespaced: true },
  '/Service': { resource: 'services', namespaced: true },
  '/ConfigMap': { resource: 'configmaps', namespaced: true },
  '/Secret': { resource: 'secrets', namespaced: true },
  '/ServiceAccount': { resource: 'serviceaccounts', namespaced: true },
  '/PersistentVolumeClaim': { resource: 'persistentvolumeclaims', namespaced: true },
  '/PersistentVolume': { resource: 'persistentvolumes', namespaced: false },
  '/Namespace': { resource: 'namespaces', namespaced: false },
  '/Node': { resource: 'nodes', namespaced: false },
  '/ReplicationController': { resource: 'replicationcontrollers', namespaced: true },
  '/Endpoints': { resource: 'endpoints', namespaced: true },
  '/LimitRange': { resource: 'limitranges', namespaced: true },
  '/ResourceQuota': { resource: 'resourcequotas', namespaced: true },
  '/Event': { resource: 'events', namespaced: true },
  '/PodTemplate': { resource: 'podtemplates', namespaced: true },
  // apps, batch, autoscaling, policy
  'apps/Deployment': { resource: 'deployments', namespaced: true },
  'apps/ReplicaSet': { resource: 'replicasets', namespaced: true },
  'apps/StatefulSet': { resource: 'statefulsets', namespaced: true },
  'apps/DaemonSet': { resource: 'daemonsets', namespaced: true },
  'apps/ControllerRevision': { resource: 'controllerrevisions', namespaced: true },
  'batch/Job': { resource: 'jobs', namespaced: true },
  'batch/CronJob': { resource: 'cronjobs', namespaced: true },
  'autoscaling/HorizontalPodAutoscaler': { resource: 'horizontalpodautoscalers', namespaced: true },
  'policy/PodDisruptionBudget': { resource: 'poddisruptionbudgets', namespaced: true },
  // networking
  'networking.k8s.io/Ingress': { resource: 'ingresses', namespaced: true },
  'networking.k8s.io/IngressClass': { resource: 'ingressclasses', namespaced: false },
  'networking.k8s.io/NetworkPolicy': { resource: 'networkpolicies', namespaced: true },
  'discovery.k8s.io/EndpointSlice': { resource: 'endpointslices', namespaced: true },
  'coordination.k8s.io/Lease': { resource: 'leases', namespaced: true },
  // rbac
  'rbac.authorization.k8s.io/Role': { resource: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/RoleBinding': { resource: 'rolebindings', namespaced: true },
  'rbac.authorization.k8s.io/ClusterRole': { resource: 'clusterroles', namespaced: false },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { resource: 'clusterrolebindings', namespaced: false },
  // cluster-scoped platform kinds
  'storage.k8s.io/StorageClass': { resource: 'storageclasses', namespaced: false },
  'storage.k8s.io/CSIDriver': { resource: 'csidrivers', namespaced: false },
  'storage.k8s.io/CSINode': { resource: 'csinodes', namespaced: false },
  'storage.k8s.io/VolumeAttachment': { resource: 'volumeattachments', namespaced: false },
  'scheduling.k8s.io/PriorityClass': { resource: 'priorityclasses', namespaced: false },
  'node.k8s.io/RuntimeClass': { resource: 'runtimeclasses', namespaced: false },
  'apiextensions.k8s.io/CustomResourceDefinition': { resource: 'customresourcedefinitions', namespaced: false },
  'apiregistration.k8s.io/APIService': { resource: 'apiservices', namespaced: false },
  'certificates.k8s.io/CertificateSigningRequest': { resource: 'certificatesigningrequests', namespaced: false },
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': { resource: 'validatingwebhookconfigurations', namespaced: false },
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': { resource: 'mutatingwebhookconfigurations', namespaced: false },
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy': { resource: 'validatingadmissionpolicies', namespaced: false },
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': { resource: 'validatingadmissionpolicybindings', namespaced: false },
};

/** `apps/v1` -> group `apps`, version `v1`; `v1` -> core. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** kubectl's UnsafeGuessKindToResource. */
export function guessResource(kind: string): string {
  const singular = kind.toLowerCase();
  if (singular === '') return '';
  if (singular.endsWith('endpoints')) return singular;
  if (singular.endsWith('s')) return `${singular}es`;
  if (singular.endsWith('y')) return `${singular.slice(0, -1)}ies`;
  return `${singular}s`;
}

/** Kinds learnt from CustomResourceDefinitions: `group/Kind` -> info. */
export class KindRegistry {
  private readonly custom = new Map<string, KindInfo>();

  /** Records a CustomResourceDefinition's kind, plural and scope. */
  addCustomResourceDefinition(crd: unknown): void {
    const spec = (crd as { spec?: { group?: unknown; names?: { kind?: unknown; plural?: unknown }; scope?: unknown } })?.spec;
    if (!spec || typeof spec.group !== 'string' || typeof spec.names?.kind !== 'string') return;
    const plural = typeof spec.names.plural === 'string' && spec.names.plural !== '' ? spec.names.plural : guessResource(spec.names.kind);
    this.custom.set(`${spec.group}/${spec.names.kind}`, { resource: plural, namespaced: spec.scope !== 'Cluster' });
  }

  private info(group: string, kind: string): KindInfo | undefined {
    return this.custom.get(`${group}/${kind}`) ?? BUILT_IN[`${group}/${kind}`];
  }

  /** True when the kind is known (built in or from a CRD). */
  known(group: string, kind: string): boolean {
    return this.info(group, kind) !== undefined;
  }

  resourceFor(gvk: GroupVersionKind): GroupVersionResource {
    const info = this.info(gvk.group, gvk.kind);
    return { group: gvk.group, version: gvk.version, resource: info?.resource ?? guessResource(gvk.kind) };
  }

  /** Namespaced unless known to be cluster-scoped. */
  namespaced(group: string, kind: string): boolean {
    return this.info(group, kind)?.namespaced ?? true;
  }
}
