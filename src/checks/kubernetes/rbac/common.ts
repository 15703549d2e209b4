/**
 * RBAC objects as rules see them: each PolicyRule of a Role/ClusterRole with its path,
 * and each binding with its subjects. RBAC matching is exact and case-sensitive, so
 * values are compared as written.
 */
import type { RuleViolation } from '../../rule.js';
import type { FieldPath } from '../../yaml-source.js';
import type { KubernetesDocument } from '../document.js';
import { asArray, asObject, asString, type PlainObject } from '../pss/check.js';
import { objectsOf, placed, resourceName, type PlacedObject } from '../hardening/common.js';

export interface PlacedPolicyRule {
  role: PlacedObject;
  /** `ClusterRole/argocd-server` */
  roleName: string;
  verbs: string[];
  resources: string[];
  apiGroups: string[];
  nonResourceURLs: string[];
  /** Path from the document root to the rule. */
  path: FieldPath;
}

function strings(value: unknown): string[] {
  return asArray(value).filter((item): item is string => typeof item === 'string');
}

export function policyRules(root: unknown): PlacedPolicyRule[] {
  const out: PlacedPolicyRule[] = [];
  for (const role of objectsOf(root)) {
    if (role.kind !== 'Role' && role.kind !== 'ClusterRole') continue;
    asArray(role.object.rules).forEach((item, index) => {
      const rule = asObject(item);
      if (!rule) return;
      out.push({
        role,
        roleName: resourceName(role.kind, role.name),
        verbs: strings(rule.verbs),
        resources: strings(rule.resources),
        apiGroups: strings(rule.apiGroups),
        nonResourceURLs: strings(rule.nonResourceURLs),
        path: [...role.path, 'rules', index],
      });
    });
  }
  return out;
}

/** Does the rule grant `verb` on `resource` in the core ("") API group? `*` counts. */
export function grantsVerb(rule: PlacedPolicyRule, verbs: readonly string[]): string[] {
  if (rule.verbs.includes('*')) return ['*'];
  return rule.verbs.filter((verb) => verbs.includes(verb));
}

/** Resources of `wanted` named explicitly (a `*` resource is the wildcard rule's business). */
export function namedResources(rule: PlacedPolicyRule, wanted: readonly string[], groups: readonly string[]): string[] {
  if (!rule.apiGroups.some((group) => group === '*' || groups.includes(group))) return [];
  return rule.resources.filter((resource) => wanted.includes(resource));
}

export interface PlacedSubject {
  kind: string;
  name: string;
  namespace: string;
  index: number;
}

export interface PlacedBinding {
  binding: PlacedObject;
  bindingName: string;
  roleRef: PlainObject | undefined;
  subjects: PlacedSubject[];
}

export function bindings(root: unknown): PlacedBinding[] {
  const out: PlacedBinding[] = [];
  for (const binding of objectsOf(root)) {
    if (binding.kind !== 'RoleBinding' && binding.kind !== 'ClusterRoleBinding') continue;
    const subjects: PlacedSubject[] = [];
    asArray(binding.object.subjects).forEach((item, index) => {
      const subject = asObject(item);
      if (subject) subjects.push({ kind: asString(subject.kind), name: asString(subject.name), namespace: asString(subject.namespace), index });
    });
    out.push({ binding, bindingName: resourceName(binding.kind, binding.name), roleRef: asObject(binding.object.roleRef), subjects });
  }
  return out;
}

export function describeSubject(subject: PlacedSubject): string {
  const where = subject.namespace !== '' ? `${subject.namespace}/` : '';
  return `${subject.kind || 'subject'} ${where}${subject.name}`;
}

/** A check reporting each binding subject whose name is one of `names`. */
export function subjectNamedCheck(names: readonly string[]) {
  return (doc: KubernetesDocument): RuleViolation[] => {
    const violations: RuleViolation[] = [];
    for (const binding of bindings(doc.object)) {
      const role = `${asString(binding.roleRef?.kind) || 'role'} ${asString(binding.roleRef?.name) || '(unnamed)'}`;
      for (const subject of binding.subjects) {
        if (!names.includes(subject.name)) continue;
        violations.push(
          placed(doc, [...binding.binding.path, 'subjects', subject.index, 'name'], {
            reason: `${binding.bindingName} grants ${role} to ${describeSubject(subject)}`,
            resource: binding.bindingName,
          }),
        );
      }
    }
    return violations;
  };
}
