// The advisory store against SQLite itself: imports are atomic (a failure rolls
// back), concurrent importers in separate processes never corrupt the file
// (`PRAGMA integrity_check` is the oracle), damaged and newer-schema files are
// refused with the command that fixes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StockadeError } from '../core/errors.js';
import type { OsvRecord } from './osv.js';
import { AdvisoryStore, STORE_SCHEMA_VERSION } from './store.js';

const dir = () => mkdtempSync(join(tmpdir(), 'stockade-store-'));

function record(id: string, modified: string, name = 'demo', extra: Partial<OsvRecord> = {}): OsvRecord {
  return {
    id,
    modified,
    affected: [{ package: { ecosystem: 'PyPI', name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0' }] }] }],
    ...extra,
  };
}

test('import, lookup by (ecosystem, normalised name), aliases, newer-wins', () => {
  const path = join(dir(), 'db.sqlite');
  const store = AdvisoryStore.open(path, { create: true });
  const s = store.beginImport('test', 'unit');
  s.add(record('PYSEC-1', '2024-01-02T00:00:00Z', 'Demo_Lib', { aliases: ['CVE-2024-1'] }));
  s.add(record('PYSEC-2', '2024-01-01T00:00:00Z', 'other'));
  s.add(record('PYSEC-3', '2024-01-01T00:00:00Z', 'demo.lib', { withdrawn: '2024-02-01T00:00:00Z' }));
  assert.deepEqual(s.commit(), { imported: 3, unchanged: 0, skipped: 0 });
  assert.deepEqual(store.lookup('PyPI', 'demo-lib').map((r) => r.id), ['PYSEC-1'], 'PEP 503 names; withdrawn left out');
  assert.deepEqual(store.idsForAliases(['CVE-2024-1']), ['PYSEC-1']);
  const again = store.beginImport('test', 'unit');
  again.add(record('PYSEC-1', '2023-12-31T00:00:00Z', 'renamed'));
  assert.deepEqual(again.commit(), { imported: 0, unchanged: 1, skipped: 0 }, 'an older copy never replaces a newer one');
  assert.deepEqual(store.lookup('PyPI', 'demo-lib').map((r) => r.id), ['PYSEC-1']);
  const status = store.status();
  assert.equal(status.advisories, 3);
  assert.equal(status.withdrawn, 1);
  assert.equal(status.sources[0]?.id, 'test');
  store.close();
});

test('a failed import rolls back and leaves the previous contents', () => {
  const path = join(dir(), 'db.sqlite');
  const store = AdvisoryStore.open(path, { create: true });
  const first = store.beginImport('a', 'x');
  first.add(record('A-1', '2024-01-01T00:00:00Z'));
  first.commit();
  const broken = store.beginImport('a', 'x');
  broken.add(record('A-2', '2024-01-01T00:00:00Z'));
  broken.rollback();
  assert.equal(store.status().advisories, 1);
  store.close();
});

test('damaged, foreign and newer-schema files are refused with the fix', () => {
  const d = dir();
  const junk = join(d, 'junk.sqlite');
  writeFileSync(junk, 'this is not sqlite'.repeat(100));
  assert.throws(() => AdvisoryStore.open(junk), (e: unknown) => e instanceof StockadeError && e.code === 'malformed_input' && /rebuild it/.test(e.message));
  const newer = join(d, 'newer.sqlite');
  const db = new Database(newer);
  db.pragma(`user_version = ${STORE_SCHEMA_VERSION + 5}`);
  db.close();
  assert.throws(() => AdvisoryStore.open(newer), (e: unknown) => e instanceof StockadeError && /newer than this Stockade understands/.test(e.message));
  assert.throws(() => AdvisoryStore.open(join(d, 'missing.sqlite')), (e: unknown) => e instanceof StockadeError && e.code === 'not_found' && /stockade db update/.test(e.message));
});

test('concurrent importers in separate processes: all records land, integrity_check ok', async () => {
  const path = join(dir(), 'db.sqlite');
  AdvisoryStore.open(path, { create: true }).close();
  const script = `
    const { AdvisoryStore } = await import(${JSON.stringify(new URL('./store.js', import.meta.url).href)});
    const [path, prefix] = process.argv.slice(-2);
    for (let batch = 0; batch < 5; batch++) {
      const store = AdvisoryStore.open(path, { create: true });
      const s = store.beginImport(prefix, 'proc');
      for (let i = 0; i < 400; i++) s.add({ id: prefix + '-' + batch + '-' + i, modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'p' + i } }] });
      s.commit();
      store.close();
    }`;
  const run = (prefix: string) =>
    new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', path, prefix], { stdio: 'inherit' });
      child.on('exit', (code) => resolve(code ?? 1));
    });
  const codes = await Promise.all(['A', 'B', 'C'].map(run));
  assert.deepEqual(codes, [0, 0, 0]);
  const db = new Database(path, { readonly: true });
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  assert.equal((db.prepare('SELECT count(*) AS n FROM advisories').get() as { n: number }).n, 3 * 5 * 400);
  db.close();
});
