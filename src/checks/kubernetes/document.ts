/**
 * The document Kubernetes rules check: one object from a (multi-document) YAML or
 * JSON file, plus the way back from a field path to its line and column.
 */
import { parseYamlFile, type FieldPath } from '../yaml-source.js';
import type { SourcePosition } from '../rule.js';

export interface KubernetesDocument {
  /** The object as plain data (a `List` is one document; rules expand its items). */
  object: unknown;
  position(path: FieldPath): SourcePosition | undefined;
}

export interface KubernetesFile {
  documents: KubernetesDocument[];
  errors: string[];
  warnings: string[];
}

/** Parses every document of a Kubernetes manifest; empty documents are dropped. */
export function parseKubernetesFile(text: string): KubernetesFile {
  const parsed = parseYamlFile(text);
  const documents = parsed.documents
    .filter((doc) => doc.value !== null && doc.value !== undefined)
    .map((doc) => ({ object: doc.value, position: (path: FieldPath) => doc.position(path) }));
  return { documents, errors: parsed.errors, warnings: parsed.warnings };
}
