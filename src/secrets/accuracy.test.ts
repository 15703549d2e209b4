/**
 * Accuracy of the secret scanner (issue 6): every credential planted in real-looking
 * files must be found (same path, line and detector as labelled), and real non-secret
 * files must stay below one false positive per 100 MB. The labels come from planted.ts,
 * which generates each credential from its vendor's format and knows where it put it;
 * nothing here trusts the scanner's own output as truth. Hits in planted files that no
 * label names count as false positives too, listed apart: a wrong detector on a planted
 * line, or a hit elsewhere in the host file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { REPO_ROOT } from '../testing/corpus.js';
import { base62Checksum, measureAccuracy, plantedSet, SeededRandom, checksummedToken, type PlantedLabel, type ScoredHit } from './planted.js';
import { defaultCorpusRoots } from './real-text-corpus.js';

const SEED = 6;
const PER_FORMAT = 3;
const NEGATIVE_BYTES = 150e6;
/** Below this the negative set is too small for a rate per 100 MB to mean anything. */
const MIN_NEGATIVE_MB = 50;
const MAX_FALSE_POSITIVES_PER_100_MB = 1;

function describeLabel(l: PlantedLabel): string {
  return `  ${l.format}: ${l.path}:${l.line} expected ${l.detectorId} | ${l.masked}`;
}

function describeHit(h: ScoredHit & { expected?: string[] }): string {
  const expected = h.expected === undefined ? '' : ` (line labelled ${h.expected.join(', ')})`;
  return `  ${h.path}:${h.line} ${h.detectorId} ${h.kind ?? ''} ${h.masked}${expected}`;
}

test('the base62 CRC-32 checksum matches a published vector, and generated tokens carry it', () => {
  // From aseriousbusiness/abbot's tests of the GitHub token checksum (an implementation independent of ours).
  assert.equal(base62Checksum('fIkRGaBu5PeKsznMzXQOg3kETH1Sgx'), '2oIfSC');
  const token = checksummedToken('ghp_', new SeededRandom(SEED, 'checksum'));
  assert.match(token, /^ghp_[0-9A-Za-z]{36}$/);
  assert.equal(token.slice(-6), base62Checksum(token.slice(4, 34)));
});

test('the planted set covers every registered detector and is the same for the same seed', () => {
  const a = plantedSet({ seed: SEED, hostFiles: [], perFormat: 1 });
  const b = plantedSet({ seed: SEED, hostFiles: [], perFormat: 1 });
  assert.deepEqual(a.uncovered, [], `detectors without a planted format: ${a.uncovered.join(', ')}`);
  assert.ok(a.labels.length >= a.files.length, 'every planted file carries at least one label');
  // Key material is fresh each time; token formats are fully determined by the seed.
  const tokenFormat = /^(github|gitlab|slack|stripe|npm|pypi|testpypi|dockerhub|aws|generic|url|dotenv|netrc|npmrc|yarnrc|pypirc|git-credentials|azure)/;
  const texts = (files: typeof a.files): string[] => files.filter((f) => tokenFormat.test(f.format)).map((f) => `${f.path}\n${f.text}`);
  assert.deepEqual(texts(a.files), texts(b.files));
  assert.deepEqual(a.labels.map((l) => `${l.path}:${l.line}:${l.detectorId}`), b.labels.map((l) => `${l.path}:${l.line}:${l.detectorId}`));
});

test('recall is 100% on planted credentials and false positives stay under 1 per 100 MB of real text', { timeout: 300_000 }, (t) => {
  const roots = defaultCorpusRoots(REPO_ROOT).filter((r) => existsSync(r));
  if (roots.length === 0) return t.skip(`no corpus roots: none of ${defaultCorpusRoots(REPO_ROOT).join(', ')} exists`);
  const run = measureAccuracy({ seed: SEED, perFormat: PER_FORMAT, roots, negativeBytes: NEGATIVE_BYTES, hostRoots: ['/etc'] });
  const mb = run.negativeBytes / 1e6;
  if (mb < MIN_NEGATIVE_MB) return t.skip(`only ${mb.toFixed(1)} MB of real text under ${roots.join(', ')}`);
  const { summary, score, set } = run;
  for (const s of set.skipped) t.diagnostic(`skipped ${s.format}: ${s.reason}`);
  t.diagnostic(
    `${set.files.length} planted files (${set.labels.length} labels, ${set.files.filter((f) => f.host !== undefined).length} in real host files), ` +
      `${run.negativeFiles} real files (${mb.toFixed(1)} MB); recall ${(summary.recall * 100).toFixed(2)}%, precision ${(summary.precision * 100).toFixed(2)}%, ` +
      `${summary.falsePositives} false positives = ${summary.falsePositivesPer100MB.toFixed(2)} per 100 MB; scan ${run.scanSeconds.toFixed(1)} s`,
  );
  const problems: string[] = [];
  if (score.misses.length > 0) problems.push(`missed ${score.misses.length} of ${summary.labels} planted credentials:`, ...score.misses.map(describeLabel));
  if (summary.falsePositivesPer100MB >= MAX_FALSE_POSITIVES_PER_100_MB) {
    problems.push(`${summary.falsePositives} false positives (${summary.falsePositivesPer100MB.toFixed(2)} per 100 MB, limit ${MAX_FALSE_POSITIVES_PER_100_MB}):`);
    if (run.realHits.length > 0) problems.push(` on real files (${run.realHits.length}):`, ...run.realHits.map(describeHit));
    if (score.wrongDetector.length > 0) problems.push(` wrong detector on a planted line (${score.wrongDetector.length}):`, ...score.wrongDetector.map(describeHit));
    if (score.unlabelled.length > 0) problems.push(` unlabelled hits in planted files (${score.unlabelled.length}):`, ...score.unlabelled.map(describeHit));
  }
  assert.ok(problems.length === 0, problems.join('\n'));
});
