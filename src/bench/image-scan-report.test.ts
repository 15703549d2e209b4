import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allMet, evaluate, formatTable, jsonLine, median, parseTimeMaxRss, ratio, TABLE_HEADER } from './image-scan-report.js';

test('ratio and median on hand-computed values', () => {
  assert.equal(ratio(2.6, 2), 1.3);
  assert.equal(ratio(1, 0), undefined);
  assert.equal(ratio(undefined, 2), undefined);
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), undefined);
});

test('evaluate judges each target at its boundary', () => {
  // 2.6 s cold over 2 s gzip = 1.3 (the limit: met); 0.3 s warm over 2.6 s = 0.115 (missed);
  // 307200 KiB = 300 MiB exactly (met).
  const r = evaluate({ image: 'x', uncompressedBytes: 3e8, layers: 3, gzipSeconds: 2, coldSeconds: 2.6, warmSeconds: 0.3, peakRssKiB: 307200 });
  assert.equal(r.met.coldOverGzip, true);
  assert.equal(r.met.warmOverCold, false);
  assert.equal(r.met.peakRssMiB, true);
  assert.equal(r.peakRssMiB, 300);
  assert.equal(allMet([r]), false);
  const unmeasured = evaluate({ image: 'y', uncompressedBytes: 1, layers: 1, gzipSeconds: 1, error: 'no CLI' });
  assert.deepEqual(unmeasured.met, { coldOverGzip: undefined, warmOverCold: undefined, peakRssMiB: undefined });
  assert.equal(allMet([unmeasured]), false);
});

test('formatTable aligns every row to the header and lists errors; jsonLine is one parseable line', () => {
  const results = [
    evaluate({ image: 'debian-small', uncompressedBytes: 211_748_000, layers: 1, gzipSeconds: 1.234, coldSeconds: 1.5, warmSeconds: 0.1, peakRssKiB: 150_000 }),
    evaluate({ image: 'debian-large', uncompressedBytes: 600e6, layers: 3, gzipSeconds: 4, error: 'stockade exited 2' }),
  ];
  const lines = formatTable(results).split('\n');
  assert.equal(lines.length, 2 + results.length + 1);
  const width = lines[1]?.length ?? 0;
  for (const l of lines.slice(0, 4)) assert.ok(l.length <= width, l);
  assert.match(lines[2] ?? '', /^debian-small\s+212\s+1\s+1\.23\s+1\.50\s+1\.22 ok\s+0\.10\s+0\.067 ok\s+146 ok$/);
  assert.match(lines[4] ?? '', /debian-large: stockade exited 2/);
  assert.equal(lines[0]?.split(/\s{2,}/).length, TABLE_HEADER.length);
  const json = jsonLine(results);
  assert.ok(!json.includes('\n'));
  const parsed = JSON.parse(json) as { bench: string; results: Array<{ image: string }> };
  assert.equal(parsed.bench, 'image-scan');
  assert.deepEqual(parsed.results.map((r) => r.image), ['debian-small', 'debian-large']);
});

test('parseTimeMaxRss reads what GNU time writes for a process that holds 200 MiB', (t) => {
  if (!existsSync('/usr/bin/time') || !existsSync('/usr/bin/python3')) return t.skip('needs /usr/bin/time and python3');
  const dir = mkdtempSync(join(tmpdir(), 'stockade-time-'));
  try {
    const out = join(dir, 'rss');
    execFileSync('/usr/bin/time', ['-f', '%M', '-o', out, 'python3', '-c', 'b = bytearray(200 * 1024 * 1024)']);
    const kib = parseTimeMaxRss(readFileSync(out, 'utf8'));
    assert.ok(kib !== undefined && kib >= 200 * 1024 && kib < 400 * 1024, `got ${kib}`);
    // A failing command: GNU time writes a status line before the number.
    try {
      execFileSync('/usr/bin/time', ['-f', '%M', '-o', out, 'sh', '-c', 'exit 3']);
    } catch {
      // expected: exit status 3
    }
    const text = readFileSync(out, 'utf8');
    assert.match(text, /exited with non-zero status 3/);
    assert.ok((parseTimeMaxRss(text) ?? 0) > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(parseTimeMaxRss('Command terminated by signal 9\n'), undefined);
});
