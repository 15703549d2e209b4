import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import cvssCalculator from 'ae-cvss-calculator';
import { corpusPath, fixtureCacheDir } from '../../testing/corpus.js';
import { validateOsv, type OsvRecord } from '../osv.js';
import { generateOsvZip } from './generate.js';
import { osvJsonSource } from './osv-json.js';

const { Cvss3P1, Cvss4P0 } = cvssCalculator;
const LIMITS = { maxRecordBytes: 16 * 1024 * 1024, maxArchiveBytes: 8 * 1024 ** 3 };

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Python's zipfile as the independent reader: CRCs checked, names and ecosystems counted. */
function pythonSummary(path: string): { bad: string | null; entries: number; ecosystems: Record<string, number>; ids: number } {
  const run = spawnSync('python3', ['-c', String.raw`
import json, sys, zipfile, collections
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
eco = collections.Counter()
ids = set()
for n in z.namelist():
    r = json.loads(z.read(n))
    ids.add(r["id"])
    eco[r["affected"][0]["package"]["ecosystem"].split(":")[0]] += 1
print(json.dumps({"bad": bad, "entries": len(z.namelist()), "ecosystems": eco, "ids": len(ids)}))
`, path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { bad: string | null; entries: number; ecosystems: Record<string, number>; ids: number };
}

async function readAll(path: string): Promise<OsvRecord[]> {
  const out: OsvRecord[] = [];
  for await (const item of osvJsonSource.read(path, LIMITS)) {
    assert.equal(item.kind, 'record', item.kind === 'skip' ? item.reason : '');
    if (item.kind !== 'record') continue;
    const checked = validateOsv(item.record);
    assert.ok(checked.ok, `${item.origin}: ${checked.ok ? '' : checked.reason}`);
    out.push(checked.record);
  }
  return out;
}

test('same seed, same bytes; another seed, other bytes; python zipfile reads it intact', async (t) => {
  if (spawnSync('python3', ['-c', 'import zipfile'], { stdio: 'ignore' }).status !== 0) return t.skip('python3 not available');
  const dir = mkdtempSync(join(tmpdir(), 'stockade-gen-'));
  try {
    const a = join(dir, 'a.zip');
    const b = join(dir, 'b.zip');
    const c = join(dir, 'c.zip');
    const result = generateOsvZip(a, { records: 2000, seed: 1 });
    generateOsvZip(b, { records: 2000, seed: 1 });
    generateOsvZip(c, { records: 2000, seed: 2 });
    assert.equal(sha256(a), sha256(b));
    assert.notEqual(sha256(a), sha256(c));

    const summary = pythonSummary(a);
    assert.equal(summary.bad, null, 'every CRC checks out');
    assert.equal(summary.entries, 2000);
    assert.equal(summary.ids, 2000, 'ids are unique');
    assert.deepEqual(summary.ecosystems, result.ecosystems);
    assert.deepEqual(Object.keys(summary.ecosystems).sort(), ['Alpine', 'Debian', 'Go', 'Maven', 'PyPI', 'npm']);

    const records = await readAll(a);
    assert.equal(records.length, 2000);
    const schemaPath = corpusPath('scanner', 'osv', 'schema', 'schema.json');
    if (schemaPath) {
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormatsModule.default(ajv);
      const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
      records.forEach((r, i) => {
        if (i % 5 === 0) assert.ok(validate(r), `${r.id}: ${JSON.stringify(validate.errors)}`);
      });
    } else {
      t.diagnostic('corpus OSV schema missing: official-schema check not run');
    }

    // Realistic shapes: several ranges, aliases, references, CVSS vectors a CVSS library accepts whole.
    assert.ok(records.some((r) => (r.affected?.[0]?.ranges?.length ?? 0) > 1));
    assert.ok(records.some((r) => (r.affected?.length ?? 0) > 1));
    assert.ok(records.filter((r) => (r.aliases?.length ?? 0) > 0).length > 1000);
    assert.ok(records.every((r) => (r.references?.length ?? 0) > 0));
    let vectors = 0;
    for (const r of records) {
      for (const s of r.severity ?? []) {
        const parsed = s.type === 'CVSS_V3' ? new Cvss3P1(s.score) : new Cvss4P0(s.score);
        assert.equal(parsed.toString(), s.score, `${r.id} ${s.score}`);
        vectors++;
      }
    }
    assert.ok(vectors > 500, `${vectors} vectors checked`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('more than 65,535 entries: ZIP64 end records that python and our reader both accept', async (t) => {
  if (spawnSync('python3', ['-c', 'import zipfile'], { stdio: 'ignore' }).status !== 0) return t.skip('python3 not available');
  const dir = join(fixtureCacheDir(), 'vulndb-generate-v1');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'generated-70000-seed3.zip');
  if (!existsSync(path)) {
    generateOsvZip(`${path}.partial`, { records: 70_000, seed: 3, level: 1 });
    renameSync(`${path}.partial`, path);
  }
  const summary = pythonSummary(path);
  assert.equal(summary.bad, null);
  assert.equal(summary.entries, 70_000);
  let n = 0;
  for await (const item of osvJsonSource.read(path, LIMITS)) {
    assert.equal(item.kind, 'record');
    n++;
  }
  assert.equal(n, 70_000);
});
