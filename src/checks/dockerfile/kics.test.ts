/**
 * Conformance with the KICS Dockerfile queries (shared corpus, read in place): for each KICS
 * query that means the same as one of our rules, our rule must report every positive at the
 * line KICS's positive_expected_result.json names, and nothing on the negative samples.
 * Queries we do not map are printed, so the gap stays visible.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath } from '../../testing/corpus.js';
import type { Rule } from '../rule.js';
import { DOCKERFILE_RULES } from './index.js';
import { parseDockerfile, type DockerfileDoc } from './parse.js';
import { KICS_DOCKERFILE_MAPPED } from './kics-mapping.js';

/** KICS query directory -> our rule id, matched by meaning (the shared table). */
const MAPPED: Record<string, string> = Object.fromEntries(Object.entries(KICS_DOCKERFILE_MAPPED).map(([q, m]) => [q, m.rule]));

/**
 * Findings on KICS negative samples where our rule deliberately means something stricter.
 * Each is printed; anything not listed here still fails the test.
 */
const KNOWN_DIVERGENCES: Record<string, string> = {
  'missing_user_instruction/negative.dockerfile:9':
    'final stage FROM scratch without USER runs as UID 0; KICS exempts scratch, we do not',
  'add_instead_of_copy/negative.dockerfile:6':
    'ADD of a URL without --checksum is unverified remote content (CIS 4.9); KICS leaves URLs to another query',
  'apt_get_install_lists_were_not_deleted/negative.dockerfile:7':
    '`apt-get clean` empties /var/cache/apt/archives but leaves /var/lib/apt/lists; KICS accepts it',
  'apt_get_install_lists_were_not_deleted/negative.dockerfile:10': 'same: only `apt-get clean`',
  'apt_get_install_lists_were_not_deleted/negative2.dockerfile:8': 'same: only `apt-get clean`',
};

interface Expected {
  line: number;
  fileName?: string;
}

interface Agreement {
  missed: string[];
  extra: string[];
  negativeHits: string[];
}

function linesOf(rule: Rule<DockerfileDoc>, path: string): number[] {
  const doc = parseDockerfile(readFileSync(path, 'utf8'), path);
  return rule.check(doc).map((v) => v.position?.line ?? -1);
}

function compare(dir: string, rule: Rule<DockerfileDoc>): Agreement {
  const testDir = join(dir, 'test');
  const files = readdirSync(testDir);
  const positives = files.filter((f) => f.startsWith('positive') && !f.endsWith('.json'));
  const negatives = files.filter((f) => f.startsWith('negative'));
  const expected = JSON.parse(readFileSync(join(testDir, 'positive_expected_result.json'), 'utf8')) as Expected[];
  const result: Agreement = { missed: [], extra: [], negativeHits: [] };
  for (const p of positives) {
    const want = expected.filter((e) => (e.fileName ?? positives[0]) === p).map((e) => e.line);
    const got = linesOf(rule, join(testDir, p));
    for (const l of want) if (!got.includes(l)) result.missed.push(`${p}:${l}`);
    for (const l of got) if (!want.includes(l)) result.extra.push(`${p}:${l}`);
  }
  for (const n of negatives) for (const l of linesOf(rule, join(testDir, n))) result.negativeHits.push(`${n}:${l}`);
  return result;
}

test('KICS Dockerfile queries agree with the mapped rules', (t) => {
  const root = corpusPath('kics', 'assets', 'queries', 'dockerfile');
  if (!root) {
    t.skip('shared corpus kics/assets/queries/dockerfile is absent');
    return;
  }
  const byId = new Map(DOCKERFILE_RULES.map((r) => [r.id, r]));
  const queries = readdirSync(root).filter((q) => existsSync(join(root, q, 'test', 'positive_expected_result.json')));
  const unmapped = queries.filter((q) => !(q in MAPPED));
  const disagreements: string[] = [];
  for (const [query, id] of Object.entries(MAPPED)) {
    const rule = byId.get(id);
    assert.ok(rule, `${id} exists`);
    assert.ok(queries.includes(query), `KICS query ${query} present in the corpus`);
    const a = compare(join(root, query), rule);
    const known = a.negativeHits.filter((h) => `${query}/${h}` in KNOWN_DIVERGENCES);
    for (const h of known) t.diagnostic(`known divergence ${query}/${h}: ${KNOWN_DIVERGENCES[`${query}/${h}`]}`);
    a.negativeHits = a.negativeHits.filter((h) => !known.includes(h));
    const status = a.missed.length === 0 && a.negativeHits.length === 0 ? 'agree' : 'DISAGREE';
    t.diagnostic(`${status} ${query} -> ${id}${a.extra.length ? ` (also reported: ${a.extra.join(' ')})` : ''}`);
    if (status !== 'agree') disagreements.push(`${query} -> ${id}: missed [${a.missed.join(' ')}] negatives hit [${a.negativeHits.join(' ')}]`);
  }
  t.diagnostic(`unmapped KICS queries (${unmapped.length}): ${unmapped.join(', ')}`);
  assert.deepEqual(disagreements, []);
});

test('every KICS sample parses', (t) => {
  const root = corpusPath('kics', 'assets', 'queries', 'dockerfile');
  if (!root) {
    t.skip('shared corpus kics/assets/queries/dockerfile is absent');
    return;
  }
  const failures: string[] = [];
  for (const q of readdirSync(root)) {
    const testDir = join(root, q, 'test');
    if (!existsSync(testDir)) continue;
    for (const f of readdirSync(testDir).filter((x) => !x.endsWith('.json'))) {
      try {
        parseDockerfile(readFileSync(join(testDir, f), 'utf8'), f);
      } catch (e) {
        failures.push(`${q}/${f}: ${(e as Error).message}`);
      }
    }
  }
  t.diagnostic(`KICS samples the parser rejects (with location): ${failures.length ? failures.join('; ') : 'none'}`);
});
