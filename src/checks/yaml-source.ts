/**
 * YAML (and JSON, which is YAML) configuration files parsed for rules: every document
 * of a multi-document file as plain data, plus a way back from a field path to the
 * line and column it was written at, so findings land on the right line in editors
 * and in GitHub code scanning. Alias expansion is bounded (alias bombs), duplicate
 * keys are reported, and a document that does not parse is an error for that
 * document only.
 *
 * Two parsers, one answer. Clean documents (no anchors or aliases, no duplicate keys,
 * no unusual tags: nearly every manifest) go through js-yaml's event stream, which is
 * about ten times faster than a full syntax tree; positions are recovered from the
 * events on demand. Anything else is parsed by the `yaml` library, whose syntax tree
 * reports duplicate keys and bad documents with their position and counts expanded
 * aliases. Both use the YAML 1.2 core schema plus merge keys (`<<`), which is how
 * Kubernetes (go-yaml) and Compose read them; yaml-source.test checks they agree.
 *
 * The file is cut at document markers (`---` at the start of a line: YAML forbids that
 * sequence inside any scalar) and parsed a batch of documents at a time, so a large
 * file never holds more than one batch of parser state; positions of a batch are
 * re-derived when asked for after it has been dropped.
 */
import { CORE_SCHEMA, EVENT_ID, SCALAR_STYLE, constructFromEvents, getScalarValue, mergeTag, parseEvents, type Event } from 'js-yaml';
import { parseDocument, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
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

/** Documents parsed as they are read; `errors` and `warnings` are complete once `documents` is exhausted. */
export interface YamlStream {
  documents: Iterable<YamlDocument>;
  errors: string[];
  warnings: string[];
}

/** Aliases a configuration file has any use for; far below what a bomb needs. */
export const MAX_YAML_ALIASES = 200;

/**
 * Text parsed in one go by the fast path: js-yaml costs about 6 ms a call beyond its
 * linear work (measured: 256 KiB batches are 45% slower than one call), while a
 * batch's events take about 16 times its size in memory.
 */
const BATCH_CHARS = 4 * 1024 * 1024;
const SCHEMA = CORE_SCHEMA.withTags(mergeTag);

/** Offsets of line starts, for offset -> 1-based line and column. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  at(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] as number) + 1 };
  }
  range(start: number, end: number): SourcePosition {
    const s = this.at(start);
    const e = this.at(end);
    return { line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
  }
}

/** [start, end) of each piece of text between document markers; the marker line starts its piece. */
export function splitDocuments(text: string): Array<[number, number]> {
  const chunks: Array<[number, number]> = [];
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  let start = 0;
  for (let m = marker.exec(text); m !== null; m = marker.exec(text)) {
    if (m.index > start) chunks.push([start, m.index]);
    start = m.index;
  }
  if (start < text.length || chunks.length === 0) chunks.push([start, text.length]);
  return chunks;
}

// ---- fast path: js-yaml events -------------------------------------------------------

/** Index just past the node that starts at `i`. */
function skipNode(events: readonly Event[], i: number): number {
  const type = events[i]?.type;
  if (type !== EVENT_ID.MAPPING && type !== EVENT_ID.SEQUENCE) return i + 1;
  let depth = 0;
  for (let j = i; j < events.length; j++) {
    const t = (events[j] as Event).type;
    if (t === EVENT_ID.MAPPING || t === EVENT_ID.SEQUENCE) depth++;
    else if (t === EVENT_ID.POP && --depth === 0) return j + 1;
  }
  return events.length;
}

/** Source range of the node at `i` (collections: from their start to the end of their last scalar). */
function rangeOf(events: readonly Event[], i: number): [number, number] | undefined {
  const e = events[i];
  if (e?.type === EVENT_ID.SCALAR) {
    if (e.valueStart < 0) return undefined;
    // Quoted scalars: the event covers the text between the quotes; people (and the yaml library) point at the quote.
    const quoted = e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED ? 1 : 0;
    return [e.valueStart - quoted, e.valueEnd + quoted];
  }
  if (e?.type !== EVENT_ID.MAPPING && e?.type !== EVENT_ID.SEQUENCE) return undefined;
  let end = e.start;
  const stop = skipNode(events, i);
  for (let j = i + 1; j < stop; j++) {
    const inner = events[j] as Event;
    if (inner.type === EVENT_ID.SCALAR && inner.valueEnd > end) end = inner.valueEnd;
  }
  return [e.start, end];
}

/** Event index of the value at `path` and of the key that names it, or undefined when absent. */
function eventAt(events: readonly Event[], source: string, root: number, path: FieldPath): { node: number; key?: number } | undefined {
  let node = root;
  let key: number | undefined;
  for (const step of path) {
    const e = events[node];
    if (e?.type === EVENT_ID.MAPPING) {
      const wanted = String(step);
      let found = false;
      for (let k = node + 1; k < events.length && (events[k] as Event).type !== EVENT_ID.POP; ) {
        const value = skipNode(events, k);
        const ke = events[k] as Event;
        if (ke.type === EVENT_ID.SCALAR && getScalarValue(source, ke) === wanted) {
          key = k;
          node = value;
          found = true;
          break;
        }
        k = skipNode(events, value);
      }
      if (!found) return undefined;
    } else if (e?.type === EVENT_ID.SEQUENCE && typeof step === 'number') {
      let k = node + 1;
      for (let n = 0; n < step && k < events.length && (events[k] as Event).type !== EVENT_ID.POP; n++) k = skipNode(events, k);
      if (k >= events.length || (events[k] as Event).type === EVENT_ID.POP) return undefined;
      node = k;
      key = undefined;
    } else {
      return undefined;
    }
  }
  return key === undefined ? { node } : { node, key };
}

/** A batch parsed by the fast path: where it is, and the first event of each of its documents. */
interface Batch {
  start: number;
  end: number;
  /** Event index of each document's root node. */
  roots: number[];
}

/** Events of the most recently used batch; rules ask for positions document by document, in order. */
let cachedEvents: { text: string; batch: Batch; events: Event[] } | undefined;

function eventsOf(text: string, batch: Batch): Event[] {
  if (cachedEvents?.text === text && cachedEvents.batch === batch) return cachedEvents.events;
  const events = parseEvents(text.slice(batch.start, batch.end), {});
  cachedEvents = { text, batch, events };
  return events;
}

/** Parses a batch with js-yaml, or returns undefined when it needs the careful path. */
function fastParse(text: string, start: number, end: number): { batch: Batch; values: unknown[] } | undefined {
  const source = text.slice(start, end);
  let events: Event[];
  let values: unknown[];
  try {
    events = parseEvents(source, {});
    for (const e of events) {
      if (e.type === EVENT_ID.ALIAS || ('anchorStart' in e && e.anchorStart >= 0)) return undefined;
    }
    values = constructFromEvents(events, { source, schema: SCHEMA });
  } catch {
    return undefined; // syntax error, duplicate key, unknown tag, too deep: the careful path says which
  }
  const roots: number[] = [];
  for (let i = 0; i < events.length; i++) if ((events[i] as Event).type === EVENT_ID.DOCUMENT) roots.push(i + 1);
  if (roots.length !== values.length) return undefined;
  const batch = { start, end, roots };
  cachedEvents = { text, batch, events };
  return { batch, values };
}

// ---- careful path: the yaml library --------------------------------------------------

function nodeAt(doc: Document, path: FieldPath): { node: Node | undefined; keyNode: Node | undefined } {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) === String(step) : p.key === step));
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

// ---- the file ---------------------------------------------------------------------------

/** Every document of a file at once. */
export function parseYamlFile(text: string): YamlFile {
  const stream = streamYamlFile(text);
  const documents = [...stream.documents];
  return { documents, errors: stream.errors, warnings: stream.warnings };
}

/**
 * Documents one batch at a time: checking each batch before parsing the next keeps the
 * batch's events at hand for positions and bounds memory on very large files.
 */
export function streamYamlFile(text: string): YamlStream {
  const errors: string[] = [];
  const warnings: string[] = [];
  return { documents: yamlDocuments(text, errors, warnings), errors, warnings };
}

function* yamlDocuments(text: string, errors: string[], warnings: string[]): Generator<YamlDocument> {
  const lines = new LineIndex(text);
  let documents: YamlDocument[] = [];
  let index = 0;

  const positionFrom = (candidates: (n: number) => [number, number] | undefined, path: FieldPath): SourcePosition | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const r = candidates(n);
      if (r) return lines.range(r[0], r[1]);
    }
    return undefined;
  };

  const addFast = (parsed: NonNullable<ReturnType<typeof fastParse>>): void => {
    const { batch, values } = parsed;
    values.forEach((value, i) => {
      const root = batch.roots[i] as number;
      documents.push({
        index: index++,
        value,
        position(path) {
          const events = eventsOf(text, batch);
          const source = text.slice(batch.start, batch.end);
          return positionFrom((n) => {
            const at = eventAt(events, source, root, path.slice(0, n));
            if (!at) return undefined;
            // For a mapping value, point at its key: that is the line a person reads.
            const r = rangeOf(events, at.key ?? at.node) ?? rangeOf(events, at.node);
            return r ? [r[0] + batch.start, r[1] + batch.start] : undefined;
          }, path);
        },
      });
    });
  };

  const addCareful = (start: number, end: number): void => {
    const doc = parseDocument(text.slice(start, end), { uniqueKeys: true, prettyErrors: false, logLevel: 'error', merge: true });
    const number = ++index;
    const where = (offset: number): string => {
      const p = lines.at(start + offset);
      return `line ${p.line}, column ${p.column}`;
    };
    for (const e of doc.errors.filter((x) => x.code === 'DUPLICATE_KEY')) {
      warnings.push(`document ${number}, line ${lines.at(start + e.pos[0]).line}: duplicate key (the last one wins, as Kubernetes and Compose read it)`);
    }
    const real = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
    if (real.length > 0) {
      const e = real[0];
      errors.push(`document ${number}, ${e ? where(e.pos[0]) : 'line 0'}: ${e?.message.split('\n')[0] ?? 'invalid YAML'}`);
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (e) {
      errors.push(`document ${number}: ${(e as Error).message.split('\n')[0]} (alias expansion is limited to ${MAX_YAML_ALIASES})`);
      return;
    }
    documents.push({
      index: number - 1,
      value,
      position(path) {
        return positionFrom((n) => {
          const { node, keyNode } = nodeAt(doc, path.slice(0, n));
          const range = (keyNode ?? node)?.range;
          return range ? [range[0] + start, range[1] + start] : undefined;
        }, path);
      },
    });
  };

  const chunks = splitDocuments(text);
  for (let c = 0; c < chunks.length; ) {
    // Gather whole documents up to the batch size (at least one).
    let last = c;
    while (last + 1 < chunks.length && (chunks[last + 1] as [number, number])[1] - (chunks[c] as [number, number])[0] <= BATCH_CHARS) last++;
    const start = (chunks[c] as [number, number])[0];
    const end = (chunks[last] as [number, number])[1];
    const whole = fastParse(text, start, end);
    if (whole) {
      addFast(whole);
    } else {
      // Something in this batch needs care: take its documents one at a time.
      for (let k = c; k <= last; k++) {
        const [s, e] = chunks[k] as [number, number];
        const one = fastParse(text, s, e);
        if (one) addFast(one);
        else addCareful(s, e);
      }
    }
    c = last + 1;
    yield* documents;
    documents = [];
  }
}
