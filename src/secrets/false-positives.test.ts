/**
 * False positives on a large real corpus that holds no live credentials: the text files
 * of /usr/share/doc, /usr/lib/python3, /usr/share/perl*, /usr/include and this
 * repository's node_modules (files over 2 MB and binaries skipped, as the scanner
 * will). The bar is under one hit per 100 MB; every remaining hit is listed in the
 * failure message so it can be judged (a real fixture for allowlist.ts, or a detector
 * to tighten).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPO_ROOT } from '../testing/corpus.js';
import { defaultCorpusRoots, readTextCorpus } from './real-text-corpus.js';
import { scanText } from './scan-text.js';

const MAX_HITS_PER_100_MB = 1;
/** Below this the corpus is too small for the rate to mean anything. */
const MIN_CORPUS_MB = 50;

test('fewer than one hit per 100 MB of real non-secret text', { timeout: 600_000 }, (t) => {
  let bytes = 0;
  let files = 0;
  const hits: string[] = [];
  for (const f of readTextCorpus(defaultCorpusRoots(REPO_ROOT))) {
    files++;
    bytes += f.bytes;
    for (const h of scanText({ path: f.path, text: f.text })) hits.push(`${f.path}:${h.line}:${h.column} ${h.detector.id} ${h.kind ?? ''} ${h.masked}`);
  }
  const mb = bytes / 1e6;
  if (mb < MIN_CORPUS_MB) return t.skip(`only ${mb.toFixed(1)} MB of text found under ${defaultCorpusRoots(REPO_ROOT).join(', ')}`);
  const rate = (hits.length / mb) * 100;
  t.diagnostic(`${files} files, ${mb.toFixed(1)} MB, ${hits.length} hits = ${rate.toFixed(2)} per 100 MB`);
  assert.ok(rate < MAX_HITS_PER_100_MB, `${hits.length} hits in ${mb.toFixed(1)} MB (${rate.toFixed(2)} per 100 MB):\n${hits.join('\n')}`);
});
