// The registry meta-test: every extractor file in this folder is in the one list,
// ids are unique kebab-case, versions are positive integers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXTRACTORS } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));

function looksLikeExtractor(v: unknown): v is { id: string; version: number } {
  return typeof v === 'object' && v !== null && 'id' in v && 'version' in v && 'wants' in v && 'kind' in v;
}

test('every extractor file is registered in extractors/index.ts', async () => {
  const files = readdirSync(here).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js') && f !== 'index.js');
  assert.ok(files.length > 0);
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as Record<string, unknown>;
    const exported = Object.values(mod).filter(looksLikeExtractor);
    assert.ok(exported.length > 0, `${file} exports no extractor`);
    for (const ex of exported) assert.ok(EXTRACTORS.includes(ex as (typeof EXTRACTORS)[number]), `${file}: extractor ${ex.id} is not in EXTRACTORS`);
  }
});

test('extractor ids are unique kebab-case and versions positive integers', () => {
  const ids = EXTRACTORS.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.join(', ')}`);
  for (const e of EXTRACTORS) {
    assert.match(e.id, /^[a-z0-9]+(-[a-z0-9]+)*$/, e.id);
    assert.ok(Number.isInteger(e.version) && e.version > 0, `${e.id} version`);
    assert.ok(e.kind === 'buffer' || e.kind === 'stream', `${e.id} kind`);
  }
});
