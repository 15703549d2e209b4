/**
 * Kubernetes manifests: YAML or JSON, several documents per file, `List` kinds
 * expanded. Each object becomes one document `{ object, position }` for the
 * Kubernetes rules, with positions mapped back into the file.
 */
import type { DocumentAdapter, ParsedDocuments } from '../adapter.js';
import type { AnyRule } from '../index.js';
import type { SourcePosition } from '../rule.js';
import { parseYamlFile, type FieldPath } from '../yaml-source.js';

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

export function parseKubernetes(text: string): ParsedDocuments {
  const file = parseYamlFile(text);
  const documents: KubernetesDocument[] = [];
  for (const d of file.documents) {
    if (!isKubernetesObject(d.value)) continue;
    const value = d.value;
    if (value['kind'] === 'List' || (typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(value['items']))) {
      const items = Array.isArray(value['items']) ? value['items'] : [];
      items.forEach((item, i) => {
        if (isKubernetesObject(item)) documents.push({ object: item, position: (path) => d.position(['items', i, ...path]) });
      });
    } else {
      documents.push({ object: value, position: (path) => d.position(path) });
    }
  }
  return { documents, errors: file.errors, warnings: file.warnings };
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
