/**
 * Conformance with the KICS Docker Compose queries in the shared corpus: each KICS
 * query is mapped by meaning to one of our rules (or left unmapped, with why). For a
 * mapped query every positive file must give a finding of our rule (except files the
 * mapping names, with the reason our meaning differs) and every negative file none.
 * Every line positive_expected_result.json names must carry one of our findings,
 * except the lines the mapping's otherLines lists with the reason we report elsewhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath } from '../../testing/corpus.js';
import { COMPOSE_RULES, parseComposeFile } from './index.js';
import { KICS_COMPOSE_MAPPED, KICS_COMPOSE_UNMAPPED } from './kics-mapping.js';

const MAPPED = KICS_COMPOSE_MAPPED;
const UNMAPPED = KICS_COMPOSE_UNMAPPED;

interface Expected {
  line: number;
  file: string;
}

function expectedLines(dir: string): Expected[] {
  const raw = JSON.parse(readFileSync(join(dir, 'positive_expected_result.json'), 'utf8')) as Array<Record<string, unknown>>;
  return raw.map((r) => ({ line: Number(r.line), file: String(r.fileName ?? r.filename ?? '') }));
}

function findingLines(text: string, ruleId: string): number[] {
  const rule = COMPOSE_RULES.find((r) => r.id === ruleId);
  assert.ok(rule, `rule ${ruleId} exists`);
  const parsed = parseComposeFile(text);
  assert.deepEqual(parsed.errors, [], 'KICS test file parses');
  return parsed.documents.flatMap((d) => rule.check(d)).map((v) => v.position?.line ?? 0);
}

const queries = corpusPath('kics', 'assets', 'queries', 'dockerCompose');

test('KICS Compose queries: every query is mapped or says why not', (t) => {
  if (!queries) return t.skip('corpus kics/assets/queries/dockerCompose absent');
  for (const q of readdirSync(queries)) {
    assert.ok(q in MAPPED || q in UNMAPPED, `KICS query ${q} has no mapping decision`);
  }
  for (const [q, why] of Object.entries(UNMAPPED)) t.diagnostic(`unmapped ${q}: ${why}`);
});

for (const [query, mapping] of Object.entries(MAPPED)) {
  test(`KICS ${query} -> ${mapping.rule}`, (t) => {
    if (!queries) return t.skip('corpus kics/assets/queries/dockerCompose absent');
    const dir = join(queries, query, 'test');
    if (!existsSync(dir)) return t.skip(`${query} absent from corpus`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));
    const expected = expectedLines(dir);
    let found = 0;
    let positives = 0;
    let lineAgree = 0;
    let lineTotal = 0;
    for (const f of files.filter((f) => f.startsWith('positive'))) {
      const lines = findingLines(readFileSync(join(dir, f), 'utf8'), mapping.rule);
      const why = mapping.notOurs?.[f];
      if (why !== undefined) {
        t.diagnostic(`${f}: not ours (${why}); our findings: ${lines.length}`);
        continue;
      }
      positives++;
      assert.ok(lines.length > 0, `${query}/${f}: ${mapping.rule} finds nothing`);
      found++;
      for (const e of expected.filter((e) => e.file === f)) {
        lineTotal++;
        const elsewhere = mapping.otherLines?.[`${f}:${e.line}`];
        if (elsewhere === undefined) {
          assert.ok(lines.includes(e.line), `${query}/${f}: KICS line ${e.line}, ours ${lines.join(',')}`);
          lineAgree++;
        } else {
          assert.ok(!lines.includes(e.line), `${query}/${f}:${e.line} now matches: remove it from otherLines`);
          t.diagnostic(`${f}: KICS line ${e.line}, ours ${lines.join(',')} (${elsewhere})`);
        }
      }
    }
    for (const f of files.filter((f) => f.startsWith('negative'))) {
      const lines = findingLines(readFileSync(join(dir, f), 'utf8'), mapping.rule);
      assert.deepEqual(lines, [], `${query}/${f}: ${mapping.rule} must be clean, flagged lines ${lines.join(',')}`);
    }
    t.diagnostic(`positives found ${found}/${positives}; lines agree ${lineAgree}/${lineTotal}`);
  });
}
