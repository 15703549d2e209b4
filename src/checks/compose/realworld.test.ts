/**
 * Real Compose files (docker/awesome-compose in the shared corpus): every file must
 * parse as Compose, and the findings per rule are printed for review. The socket and
 * privileged rules are checked against a plain text scan of the same files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath } from '../../testing/corpus.js';
import { COMPOSE_RULES, parseComposeFile } from './index.js';

const COMPOSE_NAMES = new Set(['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml']);

function composeFiles(dir: string, depth = 0): string[] {
  if (depth > 6) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...composeFiles(p, depth + 1));
    else if (COMPOSE_NAMES.has(name)) out.push(p);
  }
  return out;
}

/** 1-based lines of `text` that contain `needle` outside a comment. */
function linesWith(text: string, needle: RegExp): number[] {
  return text.split('\n').flatMap((l, i) => (needle.test(l.replace(/#.*$/, '')) ? [i + 1] : []));
}

test('awesome-compose files parse and are checked', (t) => {
  const root = corpusPath('realworld-compose');
  if (!root) return t.skip('corpus realworld-compose absent');
  const files = composeFiles(root);
  assert.ok(files.length > 30, `found ${files.length} compose files`);
  const counts = new Map<string, number>(COMPOSE_RULES.map((r) => [r.id, 0]));
  let services = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const parsed = parseComposeFile(text);
    assert.deepEqual(parsed.errors, [], `${f} parses`);
    assert.ok(parsed.documents.length === 1, `${f} is a Compose file`);
    const doc = parsed.documents[0]!;
    services += doc.services.length;
    const byRule = new Map<string, number[]>();
    for (const rule of COMPOSE_RULES) {
      const v = rule.check(doc);
      counts.set(rule.id, (counts.get(rule.id) ?? 0) + v.length);
      byRule.set(rule.id, v.map((x) => x.position?.line ?? 0).sort((a, b) => a - b));
      for (const x of v) assert.ok(x.position && x.resource?.startsWith('service '), `${rule.id} finding in ${f} is located`);
    }
    // Text oracle: every uncommented line naming docker.sock is a mount our socket rule reports, and the same for privileged: true.
    assert.deepEqual(byRule.get('SK-COMPOSE-0004'), linesWith(text, /^\s*(-\s*|source:\s*)\S*docker\.sock/), `${f}: docker.sock lines`);
    assert.deepEqual(byRule.get('SK-COMPOSE-0001'), linesWith(text, /^\s*privileged:\s*true\s*$/), `${f}: privileged lines`);
    assert.deepEqual(byRule.get('SK-COMPOSE-0003'), linesWith(text, /^\s*(network_mode|pid|ipc|userns_mode|uts):\s*["']?host["']?\s*$/), `${f}: host namespace lines`);
  }
  t.diagnostic(`${files.length} files, ${services} services`);
  for (const r of COMPOSE_RULES) t.diagnostic(`${r.id} ${r.title}: ${counts.get(r.id)}`);
});
