#!/usr/bin/env node
/**
 * The `stockade` command. Trivy-style commands and flags; every failure becomes one
 * line on stderr, `stockade: <input>: <problem>`, and an exit code per error class.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ERROR_CODES, SCAN_INCOMPLETE_EXIT, StockadeError, asStockadeError } from '../core/errors.js';
import type { ScanResult } from '../core/types.js';
import { TOOL_VERSION } from '../core/version.js';
import { defaultCacheDir } from '../image/layer-cache.js';
import { parsePlatform } from '../image/oci.js';
import { DEFAULT_WALK_LIMITS } from '../image/walk-layer.js';
import { EXTRACTORS } from '../inventory/extractors/index.js';
import { WRITERS } from '../report/writers/index.js';
import { scanImage, scanRootfs } from '../scan/scan-image.js';
import { emitResult } from './output.js';
import { createProgress } from './progress.js';

/** Scanners this build can run on top of the inventory. `none` = inventory only. */
const SCANNERS: readonly string[] = [];

interface CommonOptions {
  format?: string;
  output?: string;
  quiet?: boolean;
  scanners: string[];
  debug?: boolean;
}

interface ImageOptions extends CommonOptions {
  input?: string;
  platform?: string;
  cacheDir: string;
  cache: boolean;
  maxLayerSize: number;
  maxExpansionRatio: number;
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError('expected a size such as 500MB, 16GiB or 1048576');
  const unit = (m[2] ?? 'b').toLowerCase();
  const power = { b: 0, k: 1, kb: 1, kib: 1, m: 2, mb: 2, mib: 2, g: 3, gb: 3, gib: 3, t: 4, tb: 4, tib: 4 }[unit] ?? 0;
  return Math.floor(Number(m[1]) * 1024 ** power);
}

function parseRatio(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 1) throw new InvalidArgumentError('expected a number >= 1');
  return n;
}

function parseScanners(text: string): string[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) {
    if (s !== 'none' && !SCANNERS.includes(s)) {
      throw new InvalidArgumentError(`unknown scanner "${s}"; this build has: none${SCANNERS.length ? ', ' + SCANNERS.join(', ') : ''} (inventory only)`);
    }
  }
  return list.filter((s) => s !== 'none');
}

function addOutputOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format (default: table on a terminal, json otherwise)').choices(WRITERS.map((w) => w.id)))
    .option('-o, --output <file>', 'write the result to FILE instead of stdout')
    .option('-q, --quiet', 'print nothing but the result (no progress, no notes)')
    .option('--scanners <list>', 'comma-separated scanners to run on the inventory; "none" = inventory only', parseScanners, [])
    .option('--debug', 'print stack traces for errors (for bug reports)');
}

const program = new Command();
program
  .name('stockade')
  .description('Container security from build to run: inventory every package in an image, write SBOMs.')
  .version(TOOL_VERSION, '-v, --version')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (text, write) => write(`stockade: ${text.replace(/^error: /, '')}`) })
  // Set before subcommands are added so they inherit it: commander's own usage
  // errors (already printed) exit with our usage code.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : ERROR_CODES.usage.exit))
  .addHelpText(
    'after',
    `
Examples:
  $ stockade image --input ./alpine.tar                 scan a docker save archive
  $ stockade image --input ./layout:3.19 -f cyclonedx   an OCI layout, one tag, as a CycloneDX SBOM
  $ stockade image --input img.oci --platform linux/arm64 -o sbom.spdx.json -f spdx-json
  $ stockade rootfs /mnt/container-root                 an unpacked root filesystem

Exit codes:
  0   ok                  scan finished, result written
${[...Object.entries(ERROR_CODES).map(([code, v]) => [v.exit, code, v.summary] as const), [SCAN_INCOMPLETE_EXIT, 'scan_incomplete', 'result written, but some package data could not be read (see warnings)'] as const]
  .sort((a, b) => a[0] - b[0])
  .map(([exit, code, summary]) => `  ${String(exit).padEnd(3)} ${code.padEnd(19)} ${summary}`)
  .join('\n')}`,
  );

addOutputOptions(
  program
    .command('image')
    .description('scan a container image: OCI layout or archive, docker save archive (gzip, zstd or plain layers)')
    .argument('[image]', 'image reference (registry pulls are not supported yet: use --input)')
    .option('-i, --input <path[:ref]>', 'OCI layout directory, OCI archive, or docker save archive; append :ref to pick one image')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform index (default linux/amd64)')
    .option('--cache-dir <dir>', 'cache directory', defaultCacheDir())
    .option('--no-cache', 'do not read or write the layer cache')
    .option('--max-layer-size <size>', 'stop when a layer expands beyond this many bytes', parseSize, DEFAULT_WALK_LIMITS.maxLayerBytes)
    .option('--max-expansion-ratio <n>', 'stop when a layer expands more than n:1 (after 64 MiB)', parseRatio, DEFAULT_WALK_LIMITS.maxExpansionRatio),
).action(async (image: string | undefined, opts: ImageOptions) => {
  const input = opts.input ?? image;
  if (!input) throw new StockadeError('usage', 'image', 'give --input PATH (an OCI layout or image archive)');
  if (!opts.input && image) {
    throw new StockadeError('usage', image, 'registry references are not supported yet; save the image (docker save / skopeo copy) and use --input');
  }
  const interactive = !opts.quiet && process.stderr.isTTY === true;
  const progress = createProgress(interactive, !opts.quiet);
  const result = await scanImage(input, {
    cacheDir: opts.cacheDir,
    noCache: !opts.cache,
    ...(opts.platform ? { platform: parsePlatform(opts.platform) } : {}),
    limits: { maxLayerBytes: opts.maxLayerSize, maxExpansionRatio: opts.maxExpansionRatio },
    extractors: EXTRACTORS,
    progress,
  });
  await finish(result, opts);
});

addOutputOptions(
  program
    .command('rootfs')
    .description('scan an unpacked root filesystem (chroot, LXC/LXD rootfs, mounted volume) with the same extractors')
    .argument('<dir>', 'root directory')
    .option('--skip-dirs <list>', 'comma-separated paths under the root to skip', (t: string) => t.split(',').map((s) => s.replace(/^\/+/, '')).filter(Boolean)),
).action(async (dir: string, opts: CommonOptions & { skipDirs?: string[] }) => {
  const result = await scanRootfs(dir, { extractors: EXTRACTORS, ...(opts.skipDirs ? { skip: opts.skipDirs } : {}) });
  await finish(result, opts);
});

async function finish(result: ScanResult, opts: CommonOptions): Promise<void> {
  await emitResult(result, { ...(opts.format ? { format: opts.format } : {}), ...(opts.output ? { output: opts.output } : {}) });
  if (!opts.quiet) {
    for (const w of result.warnings) process.stderr.write(`stockade: warning: ${w.input}: ${w.message}\n`);
  }
  if (result.warnings.some((w) => w.incomplete)) process.exitCode = SCAN_INCOMPLETE_EXIT;
}

function debugWanted(): boolean {
  return process.argv.includes('--debug');
}

// A closed pipe (`stockade ... | head`) is the reader's choice, not our error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});


program.parseAsync(process.argv).catch((e: unknown) => {
  const err = asStockadeError(e, '');
  process.stderr.write(`stockade: ${err.oneLine}\n`);
  if (debugWanted() && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
  process.exit(err.exitCode);
});
