/**
 * Image-scan benchmark (`npm run bench`): how much a scan costs over the physical floor
 * of reading an image, which is gunzipping its layers.
 *
 * For two real Debian images (built once by mmdebstrap/umoci/skopeo and cached, see
 * testing/debian-image.ts) it measures:
 *   - baseline: wall time of `gzip -dc <blob> > /dev/null` over every layer, in turn;
 *   - cold: `stockade image --input <oci layout> ... --cache-dir <empty dir>`, wall time
 *     and peak RSS (GNU time's %M);
 *   - warm: the same command again with the now-filled cache dir.
 * The small image is one layer; the large one is three layers (mmdebstrap runs with
 * growing package sets, diffed by umoci), so upper layers overwrite the dpkg database.
 *
 * Usage: node dist/bench/image-scan.js [--only small|large] [--runs N]
 * Each figure is the median of N runs (default 3), after one untimed warm-up read
 * so the page cache holds the blobs for every contender alike.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../testing/corpus.js';
import { buildDebianImage, debianImageUnavailable, DEBIAN_SMALL, type DebianImage, type DebianImageOptions } from '../testing/debian-image.js';
import { allMet, evaluate, formatTable, jsonLine, median, parseTimeMaxRss, type ImageMeasurement, type ImageResult } from './image-scan-report.js';

/** ~210 MB installed, one layer: minbase plus ca-certificates and python3-six. */
const SMALL: DebianImageOptions = DEBIAN_SMALL;

/** ~780 MB of layer tars over three layers: Python, then a C toolchain and Perl, then a JRE. */
const LARGE: DebianImageOptions = {
  name: 'bench-large',
  packages: ['ca-certificates', 'python3', 'python3-pip'],
  extraLayers: [['perl', 'gcc', 'g++', 'make'], ['default-jre-headless']],
};

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const GNU_TIME = '/usr/bin/time';

interface RunOutcome {
  seconds: number;
  code: number | null;
  stderrTail: string;
}

/** Runs a command with stdout sent to /dev/null; returns wall seconds and exit code. */
function timed(cmd: string, args: string[]): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const devnull = openSync('/dev/null', 'w');
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', devnull, 'pipe'] });
    let stderrTail = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-1500);
    });
    child.on('error', (e) => {
      closeSync(devnull);
      reject(e);
    });
    child.on('close', (code) => {
      closeSync(devnull);
      resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, code, stderrTail: stderrTail.trim() });
    });
  });
}

function blobFile(img: DebianImage, digest: string): string {
  return join(img.ociLayout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
}

async function gzipBaseline(img: DebianImage): Promise<number> {
  let total = 0;
  for (const layer of img.layers) {
    const r = await timed('gzip', ['-dc', blobFile(img, layer.digest)]);
    if (r.code !== 0) throw new Error(`gzip -dc failed on ${layer.digest}: ${r.stderrTail}`);
    total += r.seconds;
  }
  return total;
}

interface ScanOutcome {
  seconds: number;
  peakRssKiB?: number;
  error?: string;
}

/** One `stockade image` run under GNU time; peak RSS comes from time's %M. */
async function scan(img: DebianImage, cacheDir: string): Promise<ScanOutcome> {
  const cliArgs = [CLI, 'image', '--input', img.ociLayout, '--format', 'json', '--quiet', '--scanners', 'none', '--cache-dir', cacheDir, '--output', '/dev/null'];
  const haveTime = existsSync(GNU_TIME);
  const rssFile = join(cacheDir, '..', `rss-${process.pid}-${Date.now()}.txt`);
  const r = haveTime
    ? await timed(GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...cliArgs])
    : await timed(process.execPath, cliArgs);
  let peakRssKiB: number | undefined;
  if (haveTime && existsSync(rssFile)) {
    peakRssKiB = parseTimeMaxRss(readFileSync(rssFile, 'utf8'));
    rmSync(rssFile, { force: true });
  }
  const out: ScanOutcome = { seconds: r.seconds, ...(peakRssKiB !== undefined ? { peakRssKiB } : {}) };
  if (r.code !== 0) out.error = `stockade exited ${r.code}: ${r.stderrTail.split('\n').slice(-3).join(' | ')}`;
  return out;
}

async function measure(label: string, img: DebianImage, runs: number): Promise<ImageMeasurement> {
  const base: ImageMeasurement = {
    image: label,
    uncompressedBytes: img.layers.reduce((s, l) => s + l.uncompressedSize, 0),
    layers: img.layers.length,
    gzipSeconds: 0,
  };
  await gzipBaseline(img); // warm-up: bring every blob into the page cache
  const gzip: number[] = [];
  for (let i = 0; i < runs; i++) gzip.push(await gzipBaseline(img));
  base.gzipSeconds = median(gzip) ?? 0;

  if (!existsSync(CLI)) return { ...base, error: `${CLI} does not exist yet (build the CLI first)` };
  const cold: number[] = [];
  const warm: number[] = [];
  let peak = 0;
  for (let i = 0; i < runs; i++) {
    const work = mkdtempSync(join(tmpdir(), 'stockade-bench-'));
    const cacheDir = join(work, 'cache');
    mkdirSync(cacheDir);
    try {
      const c = await scan(img, cacheDir);
      if (c.error) return { ...base, error: `cold scan: ${c.error}` };
      const w = await scan(img, cacheDir);
      if (w.error) return { ...base, error: `warm scan: ${w.error}` };
      cold.push(c.seconds);
      warm.push(w.seconds);
      peak = Math.max(peak, c.peakRssKiB ?? 0, w.peakRssKiB ?? 0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const coldSeconds = median(cold);
  const warmSeconds = median(warm);
  return {
    ...base,
    ...(coldSeconds !== undefined ? { coldSeconds } : {}),
    ...(warmSeconds !== undefined ? { warmSeconds } : {}),
    ...(peak > 0 ? { peakRssKiB: peak } : {}),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, runs: { type: 'string', default: '3' } },
  });
  const runs = Math.max(1, Number.parseInt(values.runs ?? '3', 10) || 3);
  const why = debianImageUnavailable();
  if (why) {
    process.stderr.write(`image-scan bench: cannot build the Debian images here: ${why}\n`);
    return 2;
  }
  if (!existsSync(GNU_TIME)) process.stderr.write(`image-scan bench: ${GNU_TIME} missing (apt-get install time); peak RSS not measured\n`);
  const images: Array<[string, DebianImageOptions]> = [
    ['debian-small', SMALL],
    ['debian-large', LARGE],
  ];
  const results: ImageResult[] = [];
  for (const [label, opts] of images) {
    if (values.only && !label.endsWith(values.only)) continue;
    const img = await buildDebianImage(opts);
    process.stderr.write(`image-scan bench: measuring ${label} (layers: ${img.layers.length}, runs: ${runs})\n`);
    results.push(evaluate(await measure(label, img, runs)));
  }
  process.stdout.write(`${formatTable(results)}\n`);
  process.stdout.write(`${jsonLine(results)}\n`);
  if (results.some((r) => r.error)) return 1;
  if (!allMet(results)) process.stderr.write('image-scan bench: some targets missed (see MISS above)\n');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`image-scan bench: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
