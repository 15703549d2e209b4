import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusPath } from '../../testing/corpus.js';
import type { AdvisorySource } from '../source.js';
import { ADVISORY_SOURCES, detectSource, sourceById } from './index.js';
import { generateOsvZip } from './generate.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Files in this folder that are not sources: shared helpers and test tooling. */
const NOT_SOURCES = ['index.js', 'bounded-input.js', 'generate.js', 'zip-entries.js', 'zip-entries-worker.js'];

function isAdvisorySource(v: unknown): v is AdvisorySource {
  const s = v as Partial<AdvisorySource> | null;
  return s !== null && typeof s === 'object' && typeof s.id === 'string' && typeof s.detect === 'function' && typeof s.read === 'function';
}

test('every source file exports a source that is registered; ids unique; metadata complete', async () => {
  for (const helper of NOT_SOURCES) assert.ok(existsSync(join(here, helper)), `stale exemption ${helper}`);
  const files = readdirSync(here).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js') && !NOT_SOURCES.includes(f));
  assert.ok(files.length >= 3);
  const found: AdvisorySource[] = [];
  for (const file of files) {
    const mod = (await import(join(here, file))) as Record<string, unknown>;
    const sources = Object.values(mod).filter(isAdvisorySource);
    assert.equal(sources.length, 1, `${file} exports exactly one AdvisorySource`);
    assert.ok(ADVISORY_SOURCES.includes(sources[0]!), `${file}: ${sources[0]!.id} is not in ADVISORY_SOURCES`);
    found.push(sources[0]!);
  }
  assert.equal(ADVISORY_SOURCES.length, found.length, 'ADVISORY_SOURCES holds only sources from this folder');
  const ids = ADVISORY_SOURCES.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const s of ADVISORY_SOURCES) {
    assert.match(s.id, /^[a-z][a-z0-9-]*$/);
    assert.ok(s.description.length > 10, s.id);
    assert.equal(sourceById(s.id), s);
  }
});

test('detectSource picks the right reader for each corpus feed', async (t) => {
  const cases: Array<[string[], string]> = [
    [['vulndata', 'osv-dev', 'vulnfeeds', 'test_data', 'debian', 'debian_security_tracker_mock.json'], 'debian-tracker'],
    [['vulndata', 'alpine-secdb', 'v3.10', 'main.yaml'], 'alpine-secdb'],
    [['vulndata', 'pypa', 'vulns', 'unoconv', 'PYSEC-2019-213.yaml'], 'osv'],
    [['vulndata', 'osv-dev', 'gcp', 'website', 'testdata', 'osv', 'CVE-2021-44228.json'], 'osv'],
    [['vulndata', 'pypa', 'vulns'], 'osv'],
    [['vulndata', 'alpine-secdb'], 'alpine-secdb'],
    [['vulndata', 'osv-dev', 'vulnfeeds', 'test_data', 'debian'], 'osv'],
  ];
  for (const [parts, id] of cases) {
    const path = corpusPath(...parts);
    if (!path) {
      t.diagnostic(`corpus ${parts.join('/')} missing`);
      continue;
    }
    assert.equal((await detectSource(path))?.id, id, path);
  }
  const dir = mkdtempSync(join(tmpdir(), 'stockade-detect-'));
  try {
    const zip = join(dir, 'download');
    generateOsvZip(zip, { records: 3, seed: 1 });
    assert.equal((await detectSource(zip))?.id, 'osv', 'a zip by its magic, without a .zip name');
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    assert.equal(await detectSource(join(dir, 'notes.txt')), undefined);
    assert.equal(await detectSource(join(dir, 'missing.json')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
