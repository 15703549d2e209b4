/**
 * The image pipeline: open the source, analyse each layer once (or take it from the
 * cache), merge into the inventory, and assemble the ScanResult.
 */
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import type { ConfigFinding, ImageInfo, ScanResult, ScanWarning } from '../core/types.js';
import { IMAGE_RULES, specialFiles, type ImageConfigDoc } from '../checks/image/index.js';
import { redactImageConfig } from '../checks/image/redact-config.js';
import { TOOL_VERSION } from '../core/version.js';
import { LayerCache } from '../image/layer-cache.js';
import type { LayerAnalysis } from '../image/layer-analysis.js';
import { openImage } from '../image/open-image.js';
import type { Platform } from '../image/oci.js';
import type { ImageSource, LayerSource } from '../image/source.js';
import { walkLayer, type WalkLimits } from '../image/walk-layer.js';
import { walkRootfs } from '../image/walk-rootfs.js';
import type { Extractor } from '../inventory/extractor.js';
import { EXTRACTORS, extractorFingerprint } from '../inventory/extractors/index.js';
import { mergeLayers } from '../inventory/merge.js';
import { secretExtractor } from './secret-extractor.js';
import { secretFindingsFromLayers, secretFindingsInImageConfig } from './secret-findings.js';

export interface ProgressSink {
  start(totalBytes: number, layers: number): void;
  bytes(delta: number): void;
  layerDone(cached: boolean): void;
  note(message: string): void;
  stop(): void;
}

export interface ImageScanOptions {
  cacheDir: string;
  /** Skip reading and writing the layer cache. */
  noCache?: boolean;
  platform?: Platform;
  limits: WalkLimits;
  extractors?: readonly Extractor[];
  progress?: ProgressSink;
  /** Layers analysed at once: decompression runs on libuv threads, parsing on ours. */
  concurrency?: number;
  /** Run the image-config rules (user, env secrets, history, ports, healthcheck, file modes). */
  configChecks?: boolean;
  /** Run the secret scanner over every layer's files and the image configuration. */
  secrets?: SecretScanOptions;
  /** Opens the image some other way than from a path (a registry); the default reads `input` as a layout or archive. */
  open?: () => Promise<ImageSource>;
}

export interface SecretScanOptions {
  /** Bytes read from each file; the rest is skipped with a warning. */
  maxFileBytes?: number;
  /** Also read executables in the distribution's directories (a project's `bin/` is not the distribution's). */
  systemBinaries?: boolean;
}

/** The extractor list for a run: packages always, the secret scanner when asked for. */
function extractorsFor(base: readonly Extractor[], secrets: SecretScanOptions | undefined): readonly Extractor[] {
  return secrets ? [...base, secretExtractor(secrets.maxFileBytes, secrets.systemBinaries)] : base;
}

export async function scanImage(input: string, options: ImageScanOptions): Promise<ScanResult> {
  const extractors = extractorsFor(options.extractors ?? EXTRACTORS, options.secrets);
  const source = options.open
    ? await options.open()
    : await openImage(input, {
        tempDir: join(options.cacheDir, 'tmp'),
        ...(options.platform ? { platform: options.platform } : {}),
      });
  try {
    for (const n of source.notes) options.progress?.note(n);
    const cache = options.noCache ? undefined : new LayerCache(options.cacheDir, extractorFingerprint(extractors));
    const total = source.layers.reduce((s, l) => s + (l.size ?? 0), 0);
    options.progress?.start(total, source.layers.length);
    const analyses = await mapLimit(source.layers, options.concurrency ?? 2, async (layer: LayerSource): Promise<LayerAnalysis> => {
      const hit = cache?.get(layer);
      if (hit) {
        options.progress?.bytes(layer.size ?? 0);
        options.progress?.layerDone(true);
        return hit;
      }
      const analysis = await walkLayer(layer, { extractors, limits: options.limits, onBytes: (d) => options.progress?.bytes(d) }).catch((e: unknown) => {
        // Name the image as well as the layer: the user gave us the image.
        if (e instanceof StockadeError && !e.input.startsWith(input)) throw new StockadeError(e.code, `${input}: ${e.input}`, e.message, { cause: e });
        throw e;
      });
      cache?.put(analysis);
      options.progress?.layerDone(false);
      return analysis;
    });
    options.progress?.stop();
    const inventory = mergeLayers(analyses, source.info.layers);
    // Rules see the configuration as it is; the result only ever carries it redacted.
    const shown = redactImageInfo(source.info);
    const result = buildResult(shown, inventory, []);
    if (options.configChecks) result.misconfigurations = checkImageConfig(source.info, inventory.view);
    // Findings name layers by their redacted history lines: a build argument in one is a secret too.
    if (options.secrets) result.secrets = [...secretFindingsInImageConfig(source.info), ...secretFindingsFromLayers(analyses, shown.layers)];
    return result;
  } finally {
    options.progress?.stop();
    await source.close();
  }
}

export interface RootfsScanOptions {
  extractors?: readonly Extractor[];
  skip?: string[];
  secrets?: SecretScanOptions;
}

export async function scanRootfs(dir: string, options: RootfsScanOptions = {}): Promise<ScanResult> {
  const analysis = await walkRootfs(dir, { extractors: extractorsFor(options.extractors ?? EXTRACTORS, options.secrets), ...(options.skip ? { skip: options.skip } : {}) });
  const inventory = mergeLayers([analysis], undefined);
  const info: ImageInfo = { name: dir, sourceKind: 'rootfs', repoTags: [], repoDigests: [], layers: [] };
  const result = buildResult(info, inventory, []);
  if (options.secrets) result.secrets = secretFindingsFromLayers([analysis], undefined);
  return result;
}

function redactImageInfo(info: ImageInfo): ImageInfo {
  const redacted = redactImageConfig(info);
  // Layer history lines are copied into each LayerRef too.
  const history = redacted.history ?? [];
  const producing = history.filter((h) => !h.empty_layer);
  return { ...redacted, layers: info.layers.map((l, i) => (l.createdBy && producing.length === info.layers.length ? { ...l, createdBy: producing[i]?.created_by ?? l.createdBy } : l)) };
}

function checkImageConfig(info: ImageInfo, view: ReturnType<typeof mergeLayers>['view']): ConfigFinding[] {
  const doc: ImageConfigDoc = { info, ...specialFiles(view) };
  const findings: ConfigFinding[] = [];
  for (const rule of IMAGE_RULES) {
    for (const v of rule.check(doc)) {
      const f: ConfigFinding = { ruleId: rule.id, title: rule.title, severity: rule.severity, frameworks: rule.frameworks, file: 'image config', message: v.reason + (v.detail ? ` (${v.detail})` : ''), remediation: rule.remediation };
      if (v.resource) f.resource = v.resource;
      findings.push(f);
    }
  }
  return findings;
}

function buildResult(target: ImageInfo, inventory: ReturnType<typeof mergeLayers>, extra: ScanWarning[]): ScanResult {
  return {
    schemaVersion: 1,
    tool: { name: 'stockade', version: TOOL_VERSION },
    createdAt: new Date().toISOString(),
    target,
    ...(inventory.os ? { os: inventory.os } : {}),
    packages: inventory.packages,
    warnings: [...inventory.warnings, ...extra],
  };
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order; first error wins. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed instanceof Error ? failed : new StockadeError('internal', '', String(failed));
  return out;
}
