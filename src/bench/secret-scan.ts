/**
 * Secret-scan benchmark (`npm run bench`, with the others): reads a few hundred MB of
 * real text (documentation, Python and Perl libraries, C headers, node_modules),
 * skipping files over 2 MB and binaries, then times `scanText` alone over all of it in
 * one process on one core. Prints MB/s (target >= 150) and hits per 100 MB, then one
 * JSON line.
 *
 * Then the secret scanner's share of a whole image scan: the small Debian image
 * (testing/debian-image.ts, built by the image bench) scanned cold with
 * `--scanners none` and with `--scanners secret`, median of three each.
 * Usage: node dist/bench/secret-scan.js [--max-mb N] [--list-hits]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDebianImage, debianImageUnavailable, DEBIAN_SMALL } from '../testing/debian-image.js';
import { readTextCorpus, defaultCorpusRoots } from '../secrets/real-text-corpus.js';
import { scanText } from '../secrets/scan-text.js';
import { REPO_ROOT } from '../testing/corpus.js';

const TARGET_MB_PER_SECOND = 150;

function coldScanSeconds(layout: string, scanners: string): number {
  const cache = mkdtempSync(join(tmpdir(), 'stockade-bench-secret-'));
  try {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'image', '--input', layout, '--scanners', scanners, '-f', 'json', '-o', '/dev/null', '-q', '--cache-dir', cache], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`image scan failed (${r.status}): ${r.stderr.slice(-300)}`);
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

async function imageShare(): Promise<void> {
  const missing = debianImageUnavailable();
  if (missing) {
    process.stdout.write(`share of an image scan: skipped (${missing})\n`);
    return;
  }
  const img = await buildDebianImage(DEBIAN_SMALL);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const without: number[] = [];
  const withSecrets: number[] = [];
  for (let i = 0; i < 3; i++) {
    without.push(coldScanSeconds(img.ociLayout, 'none'));
    withSecrets.push(coldScanSeconds(img.ociLayout, 'secret'));
  }
  const base = median(without);
  const full = median(withSecrets);
  const share = Math.max(0, full - base) / full;
  process.stdout.write(`share of a cold image scan (Debian small, ${img.layers.length} layer): ${base.toFixed(2)} s without, ${full.toFixed(2)} s with secrets = ${(share * 100).toFixed(0)}% of the scan\n`);
  process.stdout.write(JSON.stringify({ bench: 'secret-scan-image-share', image: 'debian-small', secondsWithout: base, secondsWith: full, share: Number(share.toFixed(3)) }) + '\n');
}

function main(): void {
  const { values } = parseArgs({ options: { 'max-mb': { type: 'string', default: '400' }, 'list-hits': { type: 'boolean', default: false } } });
  const maxBytes = Number(values['max-mb']) * 1e6;
  const files: Array<{ path: string; text: string }> = [];
  let bytes = 0;
  // The false-positive test's roots first, then the rest of /usr/share (Go sources, data files) up to the cap.
  const roots = [...defaultCorpusRoots(REPO_ROOT), '/usr/share'];
  const seen = new Set<string>();
  for (const f of readTextCorpus(roots, { maxTotalBytes: maxBytes })) {
    if (seen.has(f.path)) continue;
    seen.add(f.path);
    files.push({ path: f.path, text: f.text });
    bytes += f.bytes;
  }
  // One untimed pass so the JIT has compiled the detectors before we measure.
  for (const f of files.slice(0, 500)) scanText(f);
  let hits = 0;
  const listed: string[] = [];
  const started = process.hrtime.bigint();
  for (const f of files) {
    const found = scanText(f);
    hits += found.length;
    if (values['list-hits']) for (const h of found) listed.push(`${f.path}:${h.line}:${h.column} ${h.detector.id} ${h.kind ?? ''} ${h.masked}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const mb = bytes / 1e6;
  const rate = mb / seconds;
  const per100 = (hits / mb) * 100;
  if (listed.length > 0) process.stdout.write(listed.join('\n') + '\n');
  process.stdout.write(
    [
      '== secret scan',
      `${files.length} files, ${mb.toFixed(1)} MB of text scanned in ${seconds.toFixed(2)} s on one core = ${rate.toFixed(0)} MB/s [target >= ${TARGET_MB_PER_SECOND}] ${rate >= TARGET_MB_PER_SECOND ? 'met' : 'MISSED'}`,
      `hits: ${hits} (${per100.toFixed(2)} per 100 MB)`,
    ].join('\n') + '\n',
  );
  process.stdout.write(JSON.stringify({ bench: 'secret-scan', files: files.length, bytes, seconds, mbPerSecond: Math.round(rate), targetMbPerSecond: TARGET_MB_PER_SECOND, hits, hitsPer100MB: Number(per100.toFixed(3)) }) + '\n');
}

main();
await imageShare();
