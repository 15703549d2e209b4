/** `stockade image`: scan a container image archive or layout. */
import { Command, InvalidArgumentError } from 'commander';
import { StockadeError } from '../../core/errors.js';
import { parsePlatform } from '../../image/oci.js';
import { DEFAULT_WALK_LIMITS } from '../../image/walk-layer.js';
import { EXTRACTORS } from '../../inventory/extractors/index.js';
import { scanImage } from '../../scan/scan-image.js';
import { completeScan } from '../complete-scan.js';
import { addRegistryOptions, addScanOptions, parseSize, resolveScanOptions } from '../options.js';
import { openRegistryImage } from '../../registry/open-registry-image.js';
import { registryOptions } from '../verify-image.js';
import { createProgress } from '../progress.js';
import { secretOptions } from '../secret-options.js';

function parseRatio(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 1) throw new InvalidArgumentError('expected a number >= 1');
  return n;
}

export function imageCommand(): Command {
  const cmd = new Command('image')
    .description('scan a container image: OCI layout or archive, docker save archive (gzip, zstd or plain layers)')
    .argument('[image]', 'image in a registry: registry[:port]/repo[:tag][@digest] (Docker Hub short names allowed); or use --input for a file')
    .option('-i, --input <path[:ref]>', 'OCI layout directory, OCI archive, or docker save archive; append :ref to pick one image')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform index (default linux/amd64)')
    .option('--no-cache', 'do not read or write the layer cache')
    .option('--max-layer-size <size>', 'stop when a layer expands beyond this many bytes', parseSize, DEFAULT_WALK_LIMITS.maxLayerBytes)
    .option('--max-expansion-ratio <n>', 'stop when a layer expands more than n:1 (after 64 MiB)', parseRatio, DEFAULT_WALK_LIMITS.maxExpansionRatio);
  return addRegistryOptions(addScanOptions(cmd)).action(async (image: string | undefined, raw: Record<string, unknown>) => {
    const opts = await resolveScanOptions(raw);
    const input = (raw['input'] as string | undefined) ?? image;
    if (!input) throw new StockadeError('usage', 'image', 'give an image reference (registry/repo:tag) or --input PATH (an OCI layout or image archive)');
    if (raw['input'] && image) throw new StockadeError('usage', image, 'give an image reference or --input, not both');
    const progress = createProgress(!opts.quiet && process.stderr.isTTY === true, !opts.quiet);
    const platform = raw['platform'] as string | undefined;
    const result = await scanImage(input, {
      cacheDir: opts.cacheDir,
      noCache: raw['cache'] === false,
      ...(platform ? { platform: parsePlatform(platform) } : {}),
      limits: { maxLayerBytes: raw['maxLayerSize'] as number, maxExpansionRatio: raw['maxExpansionRatio'] as number },
      extractors: EXTRACTORS,
      progress,
      configChecks: opts.scanners.includes('config'),
      // A reference (not --input) is pulled from its registry, layers streamed into the walk.
      ...(raw['input'] ? {} : { open: () => openRegistryImage(input, { ...registryOptions(raw, opts.project), ...(platform ? { platform: parsePlatform(platform) } : {}) }) }),
      ...(opts.scanners.includes('secret') ? { secrets: secretOptions(opts) } : {}),
    });
    await completeScan(result, opts);
  });
}
