/**
 * Namespace labels without calling the API server. The PodSecurity plugin reads each
 * namespace's labels from the API; this webhook is deliberately offline (no service
 * account token, no RBAC, no API round trip in the admission path), so it learns them
 * from two places:
 *
 *  1. a file (`--namespace-labels`), re-read on SIGHUP (and every `--reload-every`
 *     seconds when the file is a mounted ConfigMap), in any of these shapes:
 *       - a mapping `namespace: {label: value, ...}`;
 *       - `kubectl get namespaces -o yaml|json` (a `List`/`NamespaceList` of Namespaces);
 *       - Namespace objects, one per YAML document;
 *  2. the AdmissionReview itself when the object is a Namespace (CREATE/UPDATE, not a
 *     dry run, and allowed): the labels it carries replace what this replica knew, until
 *     the file changes and names that namespace again. A Namespace DELETE forgets them.
 *
 * What each replica learns from reviews is its own: replicas that did not see the
 * namespace write keep the file's labels. The file is the source that all replicas share.
 * A namespace known from neither source gets the PodSecurityConfiguration defaults, as
 * a namespace without labels does in the plugin.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { StockadeError } from '../../core/errors.js';
import { parseYamlFile } from '../../checks/yaml-source.js';

export type Labels = Readonly<Record<string, string>>;

const MAX_FILE_BYTES = 32 * 1024 * 1024;
const labelsSchema = z.record(z.string(), z.string());
const mappingSchema = z.record(z.string().min(1), labelsSchema.nullable());
const namespaceSchema = z.object({
  kind: z.literal('Namespace'),
  metadata: z.object({ name: z.string().min(1), labels: labelsSchema.nullable().optional() }),
});

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(file: string, where: string, error: z.ZodError): never {
  const issue = error.issues[0];
  const path = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
  throw new StockadeError('usage', file, `${where}${path}: ${issue?.message ?? 'invalid'}`);
}

/** Parses the namespace-labels file (any of the shapes above) into namespace -> labels. */
export function parseNamespaceLabels(text: string, file: string): Map<string, Labels> {
  const yaml = parseYamlFile(text);
  if (yaml.errors.length > 0) throw new StockadeError('usage', file, yaml.errors[0] as string);
  const out = new Map<string, Labels>();
  const addNamespace = (value: unknown, where: string): void => {
    const ns = namespaceSchema.safeParse(value);
    if (!ns.success) fail(file, where, ns.error);
    out.set(ns.data.metadata.name, Object.freeze({ ...(ns.data.metadata.labels ?? {}) }));
  };
  for (const doc of yaml.documents) {
    const value = doc.value;
    if (value === null || value === undefined) continue;
    const where = `document ${doc.index + 1}`;
    if (isObject(value) && typeof value['kind'] === 'string') {
      const kind = value['kind'];
      if (kind === 'Namespace') addNamespace(value, where);
      else if ((kind === 'List' || kind === 'NamespaceList') && Array.isArray(value['items'])) value['items'].forEach((item, i) => addNamespace(item, `${where}.items.${i}`));
      else throw new StockadeError('usage', file, `${where}: expected Namespaces, a List of them, or a mapping namespace -> labels; found kind ${kind}`);
      continue;
    }
    const mapping = mappingSchema.safeParse(value);
    if (!mapping.success) fail(file, where, mapping.error);
    for (const [name, labels] of Object.entries(mapping.data)) out.set(name, Object.freeze({ ...(labels ?? {}) }));
  }
  return out;
}

/** The file's labels and a digest of its bytes (a reload of unchanged bytes changes nothing). */
export async function loadNamespaceLabels(file: string): Promise<{ labels: Map<string, Labels>; digest: string }> {
  const st = await stat(file).catch(() => undefined);
  if (!st) throw new StockadeError('not_found', file, 'namespace labels file not found');
  if (!st.isFile()) throw new StockadeError('usage', file, 'not a regular file');
  if (st.size > MAX_FILE_BYTES) throw new StockadeError('usage', file, `larger than ${MAX_FILE_BYTES} bytes`);
  const bytes = await readFile(file);
  return { labels: parseNamespaceLabels(bytes.toString('utf8'), file), digest: createHash('sha256').update(bytes).digest('hex') };
}

export type LabelSource = 'file' | 'review' | 'unknown';

/** What this replica knows about namespace labels: the file's, overlaid by what reviews taught it. */
export class NamespaceDirectory {
  private fromFile: ReadonlyMap<string, Labels>;
  private fileDigest: string | undefined;
  private readonly learned = new Map<string, Labels>();

  constructor(fromFile: ReadonlyMap<string, Labels> = new Map()) {
    this.fromFile = fromFile;
  }

  labelsOf(namespace: string): { labels: Labels | undefined; source: LabelSource } {
    const learned = this.learned.get(namespace);
    if (learned) return { labels: learned, source: 'review' };
    const file = this.fromFile.get(namespace);
    if (file) return { labels: file, source: 'file' };
    return { labels: undefined, source: 'unknown' };
  }

  /**
   * A newer file: it overrides what reviews taught about the namespaces it names. The same
   * bytes again (a periodic re-read) change nothing, so what reviews taught is not undone by
   * a file nobody edited.
   */
  replaceFile(fromFile: ReadonlyMap<string, Labels>, digest?: string): void {
    if (digest !== undefined && digest === this.fileDigest) return;
    this.fileDigest = digest;
    this.fromFile = fromFile;
    for (const name of fromFile.keys()) this.learned.delete(name);
  }

  learn(namespace: string, labels: Labels): void {
    this.learned.set(namespace, Object.freeze({ ...labels }));
  }

  forget(namespace: string): void {
    this.learned.delete(namespace);
  }

  get size(): { file: number; learned: number } {
    return { file: this.fromFile.size, learned: this.learned.size };
  }
}
