/**
 * Secret-scan accuracy benchmark (issue 6, "Accuracy"): the accuracy test's measurement
 * on a larger set. Plants credentials in every covered format (10 files per format by
 * default, many inside copies of real host files), reads about 300 MB of real
 * non-secret text (documentation, Python and Perl libraries, C headers, node_modules,
 * the rest of /usr/share),
 * scans both, and scores hits against the planted labels (planted.ts). Prints a
 * per-detector precision/recall table, the overall precision, recall and false positives
 * per 100 MB, every miss and false positive (masked), then one JSON line.
 * Usage: node dist/bench/secret-accuracy.js [--per-format N] [--max-mb N] [--seed N]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultCorpusRoots } from '../secrets/real-text-corpus.js';
import { measureAccuracy, type DetectorAccuracy, type ScoredHit } from '../secrets/planted.js';
import { REPO_ROOT } from '../testing/corpus.js';

const TARGET_FALSE_POSITIVES_PER_100_MB = 1;

const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;

function tableRow(d: DetectorAccuracy): string {
  const cells = [d.id, d.title.slice(0, 44).padEnd(44), String(d.labels).padStart(6), String(d.found).padStart(6), String(d.realFalsePositives).padStart(7), String(d.plantedFalsePositives).padStart(9), percent(d.precision).padStart(9), percent(d.recall).padStart(7)];
  return cells.join('  ');
}

function hitLine(h: ScoredHit & { expected?: string[] }): string {
  return `  ${h.path}:${h.line} ${h.detectorId} ${h.kind ?? ''} ${h.masked}${h.expected === undefined ? '' : ` (labelled ${h.expected.join(', ')})`}`;
}

function main(): void {
  const { values } = parseArgs({ options: { 'per-format': { type: 'string', default: '10' }, 'max-mb': { type: 'string', default: '300' }, seed: { type: 'string', default: '6' } } });
  const perFormat = Number(values['per-format']);
  const negativeBytes = Number(values['max-mb']) * 1e6;
  const seed = Number(values.seed);
  // The accuracy test's roots, then the rest of /usr/share (as the throughput bench does): they hold about 260 MB of text.
  const roots = [...defaultCorpusRoots(REPO_ROOT), '/usr/share'].filter((r) => existsSync(r));
  const started = process.hrtime.bigint();
  const run = measureAccuracy({ seed, perFormat, roots, negativeBytes, hostRoots: ['/etc'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { summary, score, set } = run;
  const out: string[] = ['== secret accuracy'];
  out.push(`${set.files.length} planted files (${set.files.filter((f) => f.host !== undefined).length} inside real host files), ${set.labels.length} labels, seed ${seed}, ${perFormat} per format`);
  out.push(`${run.negativeFiles} real files, ${(run.negativeBytes / 1e6).toFixed(1)} MB from ${roots.join(', ')}`);
  for (const s of set.skipped) out.push(`skipped ${s.format}: ${s.reason}`);
  out.push('');
  out.push(['id            ', 'detector'.padEnd(44), 'labels', ' found', 'FP real', 'FP planted', 'precision', ' recall'].join('  '));
  for (const d of summary.detectors) out.push(tableRow(d));
  out.push('');
  out.push(`precision ${percent(summary.precision)}  recall ${percent(summary.recall)} (${summary.found}/${summary.labels})`);
  const met = summary.falsePositivesPer100MB < TARGET_FALSE_POSITIVES_PER_100_MB;
  out.push(`false positives: ${summary.falsePositives} = ${summary.falsePositivesPer100MB.toFixed(2)} per 100 MB [target < ${TARGET_FALSE_POSITIVES_PER_100_MB}] ${met ? 'met' : 'MISSED'}`);
  out.push(`time: ${seconds.toFixed(1)} s in all, ${run.scanSeconds.toFixed(1)} s scanning`);
  if (score.misses.length > 0) out.push('', `missed (${score.misses.length}):`, ...score.misses.map((l) => `  ${l.format}: ${l.path}:${l.line} expected ${l.detectorId} | ${l.masked}`));
  if (run.realHits.length > 0) out.push('', `false positives on real files (${run.realHits.length}):`, ...run.realHits.map(hitLine));
  if (score.wrongDetector.length > 0) out.push('', `wrong detector on a planted line (${score.wrongDetector.length}):`, ...score.wrongDetector.map(hitLine));
  if (score.unlabelled.length > 0) out.push('', `unlabelled hits in planted files (${score.unlabelled.length}):`, ...score.unlabelled.map(hitLine));
  process.stdout.write(`${out.join('\n')}\n`);
  process.stdout.write(
    JSON.stringify({
      bench: 'secret-accuracy',
      seed,
      perFormat,
      plantedFiles: set.files.length,
      labels: summary.labels,
      found: summary.found,
      missed: score.misses.length,
      negativeFiles: run.negativeFiles,
      negativeBytes: run.negativeBytes,
      falsePositives: summary.falsePositives,
      realFalsePositives: run.realHits.length,
      plantedFalsePositives: score.wrongDetector.length + score.unlabelled.length,
      precision: Number(summary.precision.toFixed(4)),
      recall: Number(summary.recall.toFixed(4)),
      falsePositivesPer100MB: Number(summary.falsePositivesPer100MB.toFixed(3)),
      targetFalsePositivesPer100MB: TARGET_FALSE_POSITIVES_PER_100_MB,
      seconds: Number(seconds.toFixed(2)),
    }) + '\n',
  );
}

main();
