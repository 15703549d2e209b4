/**
 * Finds the pod template(s) inside one Kubernetes object, with the field paths that
 * lead to them so findings can be placed on the right line. `List` objects (and the
 * `<Kind>List` shapes `kubectl get -o yaml` writes) are expanded item by item.
 */
import type { FieldPath } from '../yaml-source.js';
import { asArray, asObject, asString, type PlainObject } from './pss/check.js';

export interface PodTemplate {
  /** Kind and name of the object holding the template (`Deployment`, `web`). */
  kind: string;
  name: string;
  podSpec: PlainObject;
  podMetadata: PlainObject;
  /** Path from the document root to the pod spec. */
  specPath: FieldPath;
  /** Path from the document root to the pod metadata (it may be absent in the document). */
  metadataPath: FieldPath;
}

/** Where the pod template sits, per kind: path to the object holding `metadata` and `spec`. */
const TEMPLATE_HOLDER: Readonly<Record<string, FieldPath>> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  PodTemplate: ['template'],
  // OpenShift's DeploymentConfig (apps.openshift.io/v1) holds an ordinary pod template.
  DeploymentConfig: ['spec', 'template'],
};

/**
 * Custom resources that hold a pod template but whose kind alone is ambiguous (a
 * Knative `Service` is not a core `Service`), keyed by API group and kind. Knative
 * turns each into a Deployment of these pods, so their template is what runs.
 * See knative.dev/docs/serving/ (Service, Configuration, Revision) and
 * knative.dev/docs/eventing/custom-event-source/containersource/reference/ (spec.template
 * "in the shape of Deployment.spec.template").
 */
const GROUP_TEMPLATE_HOLDER: Readonly<Record<string, FieldPath>> = {
  'serving.knative.dev/Service': ['spec', 'template'],
  'serving.knative.dev/Configuration': ['spec', 'template'],
  // A Revision's spec is the pod spec itself (RevisionSpec inlines PodSpec), as in a Pod.
  'serving.knative.dev/Revision': [],
  'sources.knative.dev/ContainerSource': ['spec', 'template'],
};

/** `apps/v1` -> `apps`; the core group (`v1`) is ''. */
function apiGroup(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** table[key], ignoring inherited keys: a manifest's `kind: constructor` must find nothing. */
function own(table: Readonly<Record<string, FieldPath>>, key: string): FieldPath | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** Where the pod template of an object sits, if its kind holds one. */
function templateHolder(obj: PlainObject): FieldPath | undefined {
  const kind = asString(obj.kind);
  return own(GROUP_TEMPLATE_HOLDER, `${apiGroup(asString(obj.apiVersion))}/${kind}`) ?? own(TEMPLATE_HOLDER, kind);
}

/** Lists inside lists are legal but rare; this bounds the walk. */
const MAX_LIST_DEPTH = 4;

function valueAt(root: unknown, path: FieldPath): unknown {
  let node = root;
  for (const step of path) {
    if (typeof step === 'number') node = asArray(node)[step];
    else node = asObject(node)?.[step];
    if (node === undefined) return undefined;
  }
  return node;
}

function isList(obj: PlainObject): boolean {
  const kind = asString(obj.kind);
  return kind.endsWith('List') && Array.isArray(obj.items);
}

/** Every pod template in `object` (none for kinds that hold no pods). */
export function findPodTemplates(object: unknown): PodTemplate[] {
  const out: PodTemplate[] = [];
  collect(object, [], 0, out);
  return out;
}

function collect(object: unknown, base: FieldPath, depth: number, out: PodTemplate[]): void {
  const obj = asObject(object);
  if (!obj) return;
  if (isList(obj)) {
    if (depth >= MAX_LIST_DEPTH) return;
    asArray(obj.items).forEach((item, index) => collect(item, [...base, 'items', index], depth + 1, out));
    return;
  }
  const kind = asString(obj.kind);
  const holderPath = templateHolder(obj);
  if (!holderPath) return;
  const holder = asObject(valueAt(obj, holderPath));
  const podSpec = asObject(holder?.spec);
  if (!podSpec) return;
  out.push({
    kind,
    name: asString(asObject(obj.metadata)?.name),
    podSpec,
    podMetadata: asObject(holder?.metadata) ?? {},
    specPath: [...base, ...holderPath, 'spec'],
    metadataPath: [...base, ...holderPath, 'metadata'],
  });
}

/**
 * Turns a path the checks report (relative to the pod: `spec...` or `metadata...`)
 * into a path from the document root.
 */
export function documentPath(template: PodTemplate, podPath: FieldPath): FieldPath {
  const [head, ...rest] = podPath;
  if (head === 'metadata') return [...template.metadataPath, ...rest];
  if (head === 'spec') return [...template.specPath, ...rest];
  return template.specPath;
}

/** The container a pod-relative path lies in, if any. */
export function containerNameAt(template: PodTemplate, podPath: FieldPath): string | undefined {
  const [head, list, index] = podPath;
  if (head !== 'spec' || typeof list !== 'string' || typeof index !== 'number') return undefined;
  if (list !== 'containers' && list !== 'initContainers' && list !== 'ephemeralContainers') return undefined;
  const container = asObject(asArray(template.podSpec[list])[index]);
  return container ? asString(container.name) : undefined;
}
