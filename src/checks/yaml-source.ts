/**
 * YAML (and JSON, which is YAML) configuration files parsed for rules: every document
 * of a multi-document file as plain data, plus a way back from a field path to the
 * line and column it was written at, so findings land on the right line in editors
 * and in GitHub code scanning. Alias expansion is bounded (alias bombs), duplicate
 * keys are reported, and a document that does not parse is an error for that
 * document only.
 */
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import type { SourcePosition } from './rule.js';

export type FieldPath = ReadonlyArray<string | number>;

export interface YamlDocument {
  /** 0-based index of the document in the file. */
  index: number;
  /** The document as plain data (null for an empty document). */
  value: unknown;
  /** Position of the value at `path` (or of the nearest parent that exists). */
  position(path: FieldPath): SourcePosition | undefined;
}

export interface YamlFile {
  documents: YamlDocument[];
  /** One line each: parse errors (the document is skipped) and warnings (duplicate keys). */
  errors: string[];
  warnings: string[];
}

/** Aliases a configuration file has any use for; far below what a bomb needs. */
export const MAX_YAML_ALIASES = 200;

function positionOf(node: Node | undefined, lines: LineCounter): SourcePosition | undefined {
  const range = node?.range;
  if (!range) return undefined;
  const start = lines.linePos(range[0]);
  const end = lines.linePos(range[1]);
  return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
}

function nodeAt(doc: Document, path: FieldPath): { node: Node | undefined; keyNode: Node | undefined } {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value === step : p.key === step));
      if (!pair) return { node: undefined, keyNode };
      keyNode = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
      keyNode = undefined;
    } else {
      return { node: undefined, keyNode };
    }
  }
  return { node: node as Node | undefined, keyNode };
}

export function parseYamlFile(text: string): YamlFile {
  const lines = new LineCounter();
  const errors: string[] = [];
  const warnings: string[] = [];
  const documents: YamlDocument[] = [];
  let docs: Document.Parsed[];
  try {
    // logLevel 'error': the library would otherwise print its own warnings to stderr.
    docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, logLevel: 'error' }) as Document.Parsed[];
  } catch (e) {
    return { documents, errors: [`not valid YAML: ${(e as Error).message.split('\n')[0]}`], warnings };
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  docs.forEach((doc, index) => {
    const dup = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY');
    const real = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
    for (const e of dup) {
      const p = lines.linePos(e.pos[0]);
      warnings.push(`document ${index + 1}, line ${p.line}: duplicate key (the last one wins, as Kubernetes and Compose read it)`);
    }
    if (real.length > 0) {
      const e = real[0];
      const p = e ? lines.linePos(e.pos[0]) : { line: 0, col: 0 };
      errors.push(`document ${index + 1}, line ${p.line}, column ${p.col}: ${e?.message.split('\n')[0] ?? 'invalid YAML'}`);
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (e) {
      errors.push(`document ${index + 1}: ${(e as Error).message.split('\n')[0]} (alias expansion is limited to ${MAX_YAML_ALIASES})`);
      return;
    }
    documents.push({
      index,
      value,
      position(path) {
        for (let n = path.length; n >= 0; n--) {
          const { node, keyNode } = nodeAt(doc, path.slice(0, n));
          // For a mapping value, point at its key: that is the line a person reads.
          const pos = positionOf(keyNode ?? node, lines);
          if (pos) return pos;
        }
        return undefined;
      },
    });
  });
  return { documents, errors, warnings };
}
