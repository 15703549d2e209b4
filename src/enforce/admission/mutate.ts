/**
 * The optional defaulting endpoint (`/mutate`, off unless `--enable-mutation`): a JSON
 * Patch that only adds what is absent and cannot break a pod the API server would
 * otherwise accept:
 *
 *  - the pod's `securityContext.seccompProfile: {type: RuntimeDefault}`, unless the pod
 *    is a Windows pod (the field is refused there) or still carries the deprecated
 *    `seccomp.security.alpha.kubernetes.io/pod` annotation (the API server requires the
 *    field and the annotation to agree);
 *  - each container's and init container's `securityContext.allowPrivilegeEscalation:
 *    false`, unless the container is privileged or adds CAP_SYS_ADMIN (the API server
 *    refuses `false` with either) or the pod is a Windows pod.
 *
 * Only on CREATE: a pod's spec is immutable, so a patch on UPDATE would make the update
 * fail, and patching a workload's template on UPDATE would roll its pods out. Ephemeral
 * containers are never touched. Existing values, including explicit `true`, are kept:
 * the validating webhook judges them.
 */
import { asArray, asObject, asString } from '../../checks/kubernetes/pss/check.js';
import { findPodTemplates } from '../../checks/kubernetes/index.js';
import type { FieldPath } from '../../checks/yaml-source.js';
import { classify } from './judge.js';
import type { AdmissionRequest, AdmissionResponse } from './review.js';

export interface JsonPatchOperation {
  op: 'add';
  path: string;
  value: unknown;
}

/** RFC 6901: `~` -> `~0`, `/` -> `~1`. */
export function jsonPointer(path: FieldPath): string {
  return path.map((step) => `/${String(step).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function addsSysAdmin(securityContext: Readonly<Record<string, unknown>> | undefined): boolean {
  const add = asArray(asObject(securityContext?.['capabilities'])?.['add']);
  return add.some((c) => c === 'SYS_ADMIN' || c === 'CAP_SYS_ADMIN');
}

const absent = (v: unknown): boolean => v === undefined || v === null;

/** The safe defaults for one object, as JSON Patch operations against the object. */
export function safeDefaults(object: unknown): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  for (const template of findPodTemplates(object)) {
    const spec = template.podSpec;
    if (asString(asObject(spec['os'])?.['name']) === 'windows') continue;
    const annotations = asObject(template.podMetadata['annotations']) ?? {};
    const podSc = asObject(spec['securityContext']);
    if (absent(podSc?.['seccompProfile']) && annotations['seccomp.security.alpha.kubernetes.io/pod'] === undefined) {
      if (!podSc) ops.push({ op: 'add', path: jsonPointer([...template.specPath, 'securityContext']), value: { seccompProfile: { type: 'RuntimeDefault' } } });
      else ops.push({ op: 'add', path: jsonPointer([...template.specPath, 'securityContext', 'seccompProfile']), value: { type: 'RuntimeDefault' } });
    }
    for (const list of ['initContainers', 'containers']) {
      const containers = spec[list];
      if (!Array.isArray(containers)) continue;
      containers.forEach((item, index) => {
        const container = asObject(item);
        if (!container) return;
        const sc = asObject(container['securityContext']);
        if (!absent(sc?.['allowPrivilegeEscalation']) || sc?.['privileged'] === true || addsSysAdmin(sc)) return;
        const at = [...template.specPath, list, index, 'securityContext'];
        if (!sc) ops.push({ op: 'add', path: jsonPointer(at), value: { allowPrivilegeEscalation: false } });
        else ops.push({ op: 'add', path: jsonPointer([...at, 'allowPrivilegeEscalation']), value: false });
      });
    }
  }
  return ops;
}

/** The /mutate answer: always allowed (judging is /validate's job), with a patch when something was added. */
export function mutate(request: AdmissionRequest): { response: AdmissionResponse; operations: JsonPatchOperation[] } {
  const response: AdmissionResponse = { uid: request.uid, allowed: true };
  const cls = classify(request.kind);
  if (request.operation !== 'CREATE' || (request.subResource ?? '') !== '' || (cls !== 'pod' && cls !== 'template')) return { response, operations: [] };
  const object = asObject(request.object);
  if (!object) return { response, operations: [] };
  // Templates are located by the object's own kind; the request's kind is authoritative.
  const operations = safeDefaults({ ...object, kind: request.kind.kind, apiVersion: request.kind.group ? `${request.kind.group}/${request.kind.version}` : request.kind.version });
  if (operations.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(operations)).toString('base64');
  }
  return { response, operations };
}
