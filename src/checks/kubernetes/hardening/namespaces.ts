/**
 * Which objects live in a namespace. Only built-in kinds are judged: whether a custom
 * resource is namespaced is in its CustomResourceDefinition, which a manifest may not include.
 */
import { asObject, asString, type PlainObject } from '../pss/check.js';

const NAMESPACED_KINDS: ReadonlySet<string> = new Set([
  'Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'PodTemplate',
  'Service', 'ServiceAccount', 'ConfigMap', 'Secret', 'Endpoints', 'EndpointSlice', 'Ingress', 'NetworkPolicy',
  'PersistentVolumeClaim', 'Role', 'RoleBinding', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'LimitRange',
  'ResourceQuota', 'Lease',
]);

export function isNamespacedKind(kind: string): boolean {
  return NAMESPACED_KINDS.has(kind);
}

/** The namespace written in the object, or undefined when it names none. */
export function namespaceOf(object: PlainObject): string | undefined {
  const namespace = asString(asObject(object.metadata)?.namespace);
  return namespace === '' ? undefined : namespace;
}
