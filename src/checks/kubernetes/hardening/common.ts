/**
 * Shared plumbing for the hardening and RBAC rules: every top-level object of a
 * document (a `List` expanded, depth-bounded) with its path, and a way to turn
 * pod-relative findings into placed, named violations.
 */
import type { RuleViolation } from '../../rule.js';
import type { FieldPath } from '../../yaml-source.js';
import type { KubernetesDocument } from '../document.js';
import { asArray, asObject, asString, type PlainObject } from '../pss/check.js';
import { containerNameAt, documentPath, findPodTemplates, type PodTemplate } from '../workload.js';

export interface PlacedObject {
  object: PlainObject;
  kind: string;
  name: string;
  /** Path from the document root to this object. */
  path: FieldPath;
}

/** Lists inside lists are legal but rare; this bounds the walk (as workload.ts does). */
const MAX_LIST_DEPTH = 4;

/** Every object in the document: the object itself, or each item of a `*List`. */
export function objectsOf(root: unknown): PlacedObject[] {
  const out: PlacedObject[] = [];
  const visit = (value: unknown, path: FieldPath, depth: number): void => {
    const obj = asObject(value);
    if (!obj) return;
    const kind = asString(obj.kind);
    if (kind.endsWith('List') && Array.isArray(obj.items)) {
      if (depth >= MAX_LIST_DEPTH) return;
      asArray(obj.items).forEach((item, index) => visit(item, [...path, 'items', index], depth + 1));
      return;
    }
    out.push({ object: obj, kind, name: asString(asObject(obj.metadata)?.name), path });
  };
  visit(root, [], 0);
  return out;
}

export function resourceName(kind: string, name: string): string {
  return `${kind || '(no kind)'}/${name || '(unnamed)'}`;
}

/** A finding inside a pod template; `podPath` starts with `spec` or `metadata`. */
export interface PodFinding {
  reason: string;
  detail?: string;
  podPath: FieldPath;
}

/** Runs `inspect` on every pod template and places its findings on their lines. */
export function checkPodTemplates(doc: KubernetesDocument, inspect: (template: PodTemplate) => PodFinding[]): RuleViolation[] {
  const violations: RuleViolation[] = [];
  for (const template of findPodTemplates(doc.object)) {
    const owner = resourceName(template.kind, template.name);
    for (const finding of inspect(template)) {
      const container = containerNameAt(template, finding.podPath);
      const violation: RuleViolation = {
        reason: finding.reason,
        resource: container !== undefined ? `${owner} container ${container}` : owner,
      };
      if (finding.detail !== undefined) violation.detail = finding.detail;
      const position = doc.position(documentPath(template, finding.podPath));
      if (position) violation.position = position;
      violations.push(violation);
    }
  }
  return violations;
}

/** Places a violation on `path` (from the document root). */
export function placed(doc: KubernetesDocument, path: FieldPath, violation: RuleViolation): RuleViolation {
  const position = doc.position(path);
  return position ? { ...violation, position } : violation;
}
