/**
 * Kubernetes manifests: YAML or JSON, several documents per file, `List` kinds
 * expanded. Each object becomes one document `{ object, position }` for the
 * Kubernetes rules, with positions mapped back into the file.
 */
import type { DocumentAdapter, ParsedDocuments } from '../adapter.js';
import type { AnyRule } from '../index.js';
import type { SourcePosition } from '../rule.js';
import { streamYamlFile, type FieldPath, type YamlDocument } from '../yaml-source.js';

export interface KubernetesDocument {
  object: Record<string, unknown>;
  position(path: FieldPath): SourcePosition | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isKubernetesObject(v: unknown): v is Record<string, unknown> {
  return isObject(v) && typeof v['apiVersion'] === 'string' && typeof v['kind'] === 'string';
}

/** The Kubernetes objects of one YAML document: itself, or the items of a `List` kind. */
function* objectsOf(d: YamlDocument): Generator<KubernetesDocument> {
  if (!isKubernetesObject(d.value)) return;
  const value = d.value;
  if (value['kind'] === 'List' || (typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(value['items']))) {
    const items = Array.isArray(value['items']) ? value['items'] : [];
    for (const [i, item] of items.entries()) {
      if (isKubernetesObject(item)) yield { object: item, position: (path) => d.position(['items', i, ...path]) };
    }
  } else {
    yield { object: value, position: (path) => d.position(path) };
  }
}

/** Objects are parsed as they are iterated (see streamYamlFile). */
export function parseKubernetes(text: string): ParsedDocuments {
  const file = streamYamlFile(text);
  function* documents(): Generator<KubernetesDocument> {
    for (const d of file.documents) yield* objectsOf(d);
  }
  return { documents: documents(), errors: file.errors, warnings: file.warnings };
}

export function kubernetesAdapter(rules: readonly AnyRule[]): DocumentAdapter {
  return {
    kind: 'kubernetes',
    claimsName: (name) => (/\.(ya?ml|json)$/i.test(name) ? 'maybe' : 'no'),
    // Cheap content test; the parse decides for real (objects without apiVersion/kind are ignored).
    claimsContent: (text) => text.includes('apiVersion') && text.includes('kind'),
    parse: (text) => parseKubernetes(text),
    rules,
  };
}
