/**
 * Turns the secret scanner's masked records into findings: which detector, where
 * (file, line, layer and the history line that made it), and whether a later layer
 * removed the file. A file deleted or replaced higher up is gone from the running
 * container but not from the image: anyone who can pull it can read the layer below.
 */
import picomatch from 'picomatch';
import type { ImageInfo, LayerRef, SecretFinding } from '../core/types.js';
import type { SecretsConfig } from '../config/project-config.js';
import type { LayerAnalysis } from '../image/layer-analysis.js';
import type { SecretRecord } from '../inventory/extractor.js';
import type { SecretDetector } from '../secrets/detector.js';
import { SECRET_DETECTORS } from '../secrets/index.js';
import { scanText } from '../secrets/scan-text.js';
import { SECRET_EXTRACTOR_ID } from './secret-extractor.js';

const DETECTORS = new Map<string, SecretDetector>(SECRET_DETECTORS.map((d) => [d.id, d]));

function finding(detector: SecretDetector, record: SecretRecord, file: string): SecretFinding {
  const f: SecretFinding = {
    ruleId: detector.id,
    title: detector.title,
    severity: detector.severity,
    frameworks: detector.frameworks,
    file,
    match: record.match,
    message: `${detector.title}: ${record.match}`,
    remediation: detector.remediation,
  };
  if (record.line > 0) {
    f.line = record.line;
    f.column = record.column;
    f.endLine = record.endLine;
    f.endColumn = record.endColumn;
  }
  return f;
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/** The first layer above `from` that deletes or replaces `path`, if any. */
function removalAbove(analyses: readonly LayerAnalysis[], from: number, path: string, entriesOf: (i: number) => Map<string, string>): { index: number; how: 'deleted' | 'overwritten' } | undefined {
  const parents = ancestors(path);
  for (let j = from + 1; j < analyses.length; j++) {
    const layer = analyses[j] as LayerAnalysis;
    if (layer.whiteouts.includes(path) || parents.some((p) => layer.whiteouts.includes(p) || layer.opaqueDirs.includes(p))) return { index: j, how: 'deleted' };
    const entries = entriesOf(j);
    if (entries.has(path)) return { index: j, how: 'overwritten' };
    // A file written where a parent directory was hides the whole directory.
    if (parents.some((p) => (entries.get(p) ?? 'd') !== 'd')) return { index: j, how: 'deleted' };
  }
  return undefined;
}

function describeLayer(ref: LayerRef | undefined, index: number): string {
  const by = ref?.createdBy ? ` (${ref.createdBy.length > 80 ? `${ref.createdBy.slice(0, 77)}...` : ref.createdBy})` : '';
  return `layer ${index + 1}${by}`;
}

/** Findings for every secret record the layer walk produced, in layer order. */
export function secretFindingsFromLayers(analyses: readonly LayerAnalysis[], layers: readonly LayerRef[] | undefined): SecretFinding[] {
  const entryCache = new Map<number, Map<string, string>>();
  const entriesOf = (i: number): Map<string, string> => {
    let m = entryCache.get(i);
    if (!m) {
      m = new Map((analyses[i] as LayerAnalysis).entries.map(([p, type]) => [p, type]));
      entryCache.set(i, m);
    }
    return m;
  };
  const out: SecretFinding[] = [];
  analyses.forEach((analysis, index) => {
    for (const record of analysis.extractions) {
      if (record.extractor !== SECRET_EXTRACTOR_ID) continue;
      for (const secret of record.result.secrets ?? []) {
        const detector = DETECTORS.get(secret.ruleId);
        if (!detector) continue; // a cache entry from another detector set (cannot happen: the fingerprint keys the cache)
        const f = finding(detector, secret, secret.member !== undefined ? `/${record.path}!/${secret.member}` : `/${record.path}`);
        const ref = layers?.[index];
        if (ref) f.layer = ref;
        if (layers) {
          const removal = removalAbove(analyses, index, record.path, entriesOf);
          if (removal) {
            const above = layers[removal.index];
            if (above) f.removedIn = { layer: above, how: removal.how };
            f.message += `: present in ${describeLayer(ref, index)}, ${removal.how} in ${describeLayer(above, removal.index)}, still pullable`;
          } else {
            f.message += ` (added in ${describeLayer(ref, index)})`;
          }
        }
        out.push(f);
      }
    }
  });
  return out;
}

/** Secrets in text that is not a file: the image's Env, Labels and build history. */
export function secretFindingsInText(file: string, text: string): SecretFinding[] {
  return scanText({ path: file, text }).map((hit) =>
    finding(hit.detector, { ruleId: hit.detector.id, line: hit.line, column: hit.column, endLine: hit.endLine, endColumn: hit.endColumn, match: hit.masked }, file),
  );
}

/** The image configuration's Env, Labels and history, each scanned as its own pseudo-file. */
export function secretFindingsInImageConfig(info: ImageInfo): SecretFinding[] {
  const config = (info.config ?? {}) as { Env?: unknown; Labels?: unknown };
  const env = Array.isArray(config.Env) ? config.Env.filter((e): e is string => typeof e === 'string') : [];
  const labels = config.Labels && typeof config.Labels === 'object' ? Object.entries(config.Labels as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`) : [];
  const history = (info.history ?? []).map((h) => h.created_by ?? '');
  return [
    ...secretFindingsInText('image config: Env', env.join('\n')),
    ...secretFindingsInText('image config: Labels', labels.join('\n')),
    ...secretFindingsInText('image config: history', history.join('\n')),
  ];
}

/** Marks findings the stockade.yaml allow-list covers as suppressed (reported, not counted). */
export function applySecretAllowList(findings: SecretFinding[], config: SecretsConfig | undefined, source: string): void {
  const rules = new Set(config?.allow?.rules ?? []);
  const paths = config?.allow?.paths ?? [];
  if (rules.size === 0 && paths.length === 0) return;
  const pathMatch = paths.length > 0 ? picomatch(paths, { dot: true }) : () => false;
  for (const f of findings) {
    if (f.suppressed) continue;
    const relative = f.file.replace(/^\/+/, '');
    if (rules.has(f.ruleId)) f.suppressed = { kind: 'allowlist', source, justification: `rule ${f.ruleId} allowed` };
    else if (pathMatch(relative) || pathMatch(f.file)) f.suppressed = { kind: 'allowlist', source, justification: 'path allowed' };
  }
}
