import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { corpusPath, fixtureCacheDir } from '../../testing/corpus.js';
import { validateOsv } from '../osv.js';
import type { SourceItem } from '../source.js';
import { jsonNestingExceeds } from './bounded-input.js';
import { generateOsvZip } from './generate.js';
import { osvJsonSource, type OsvReadOptions } from './osv-json.js';

const LIMITS: OsvReadOptions = { maxRecordBytes: 16 * 1024 * 1024, maxArchiveBytes: 8 * 1024 ** 3 };
/** Bump when a fixture recipe below changes, so cached fixtures are rebuilt. */
const FIXTURE_VERSION = 'v1';

function hasPython(): boolean {
  return spawnSync('python3', ['-c', 'import zipfile, json'], { stdio: 'ignore' }).status === 0;
}

type Collected = { records: Array<{ record: unknown; origin: string }>; skips: Array<{ origin: string; reason: string }> };

/** Reads everything; a zip is read both on a worker thread and inline, and the two must agree. */
async function collect(path: string, options: OsvReadOptions = LIMITS): Promise<Collected> {
  if (!path.endsWith('.zip') || options.zipWorker !== undefined) return collectOnce(path, options);
  const viaWorker = await collectOnce(path, { ...options, zipWorker: true });
  const inline = await collectOnce(path, { ...options, zipWorker: false });
  assert.deepEqual(viaWorker, inline, 'worker and inline zip readers agree');
  return viaWorker;
}

async function collectOnce(path: string, options: OsvReadOptions): Promise<Collected> {
  const records: Array<{ record: unknown; origin: string }> = [];
  const skips: Array<{ origin: string; reason: string }> = [];
  for await (const item of osvJsonSource.read(path, options) as AsyncIterable<SourceItem>) {
    if (item.kind === 'record') records.push({ record: item.record, origin: item.origin });
    else skips.push({ origin: item.origin, reason: item.reason });
  }
  return { records, skips };
}

function idOf(record: unknown): string {
  return (record as { id: string }).id;
}

/**
 * Zip fixtures are written by Python's zipfile (an independent writer), some then
 * damaged on purpose with struct. Each mode prints a JSON line of facts the test
 * checks against (names written, sizes), so expectations come from the writer.
 */
const PYTHON_FIXTURES = String.raw`
import json, os, struct, sys, zipfile, tarfile

mode, out = sys.argv[1], sys.argv[2]

def rec(i, extra=None):
    r = {"id": "OSV-TEST-%d" % i, "modified": "2024-01-01T00:00:00Z", "summary": "record %d" % i,
         "affected": [{"package": {"ecosystem": "PyPI", "name": "pkg%d" % i},
                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.%d" % i}]}]}]}
    if extra: r.update(extra)
    return json.dumps(r)

def eocd(data):
    at = data.rindex(b"PK\x05\x06")
    return at, struct.unpack("<IHHHHIIH", data[at:at + 22])

facts = {}
if mode == "traversal":
    names = ["../../escaped.json", "/abs/escaped2.json", "ok/../../../escaped3.json", "evil\x1b[31mname.json"]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i, n in enumerate(names):
            z.writestr(zipfile.ZipInfo(n), rec(i))
        z.writestr(zipfile.ZipInfo("../../etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n")
    facts = {"names": names}
elif mode == "bomb":
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("before.json", rec(1))
        with z.open("bomb.json", "w") as w:
            chunk = b"\0" * (1 << 20)
            for _ in range(1024):
                w.write(chunk)
        z.writestr("after.json", rec(2))
    facts = {"bomb_bytes": 1 << 30}
elif mode == "liar":
    declared = int(sys.argv[3])
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("before.json", rec(1))
        z.writestr("liar.json", b"\0" * (50 << 20))
        z.writestr("after.json", rec(2))
        liar = z.getinfo("liar.json")
    data = bytearray(open(out, "rb").read())
    struct.pack_into("<I", data, liar.header_offset + 22, declared)
    at, (_, _, _, _, count, cd_size, cd_off, _) = eocd(bytes(data))
    p = cd_off
    for _ in range(count):
        n, m, k = struct.unpack("<HHH", data[p + 28:p + 34])
        if data[p + 46:p + 46 + n] == b"liar.json":
            struct.pack_into("<I", data, p + 24, declared)
        p += 46 + n + m + k
    open(out, "wb").write(bytes(data))
    facts = {"declared": declared, "actual": 50 << 20, "compressed": liar.compress_size}
elif mode == "claims":
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.json", rec(1))
        z.writestr("b.json", rec(2))
    data = open(out, "rb").read()
    at, (_, _, _, _, count, cd_size, cd_off, _) = eocd(data)
    claim = 10_000_000
    body = data[:at]
    z64 = struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, claim, claim, cd_size, cd_off)
    loc = struct.pack("<IIQI", 0x07064b50, 0, len(body), 1)
    end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    open(out, "wb").write(body + z64 + loc + end)
    facts = {"claim": claim}
elif mode == "truncated":
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(50):
            z.writestr("r%02d.json" % i, rec(i))
    data = open(out, "rb").read()
    open(out, "wb").write(data[: len(data) * 6 // 10])
elif mode == "damaged":
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(10):
            z.writestr("r%02d.json" % i, rec(i))
        names = z.namelist()
    data = bytearray(open(out, "rb").read())
    at, (_, _, _, _, count, cd_size, cd_off, _) = eocd(bytes(data))
    p = cd_off
    for i in range(count):
        n, m, k = struct.unpack("<HHH", data[p + 28:p + 34])
        if i == 5:
            data[p:p + 4] = b"XXXX"
            break
        p += 46 + n + m + k
    open(out, "wb").write(bytes(data))
    facts = {"readable": [json.loads(rec(i))["id"] for i in range(5)]}
elif mode == "mixed":
    valid, invalid, deep = [], [], []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("dir/", "")
        z.writestr("README.md", "not a record")
        for i in range(20):
            name = "dir/r%02d.json" % i
            if i % 7 == 3:
                z.writestr(name, rec(i)[:-7])
                invalid.append(name)
            elif i == 12:
                z.writestr(name, "[" * 100000 + "]" * 100000)
                deep.append(name)
            else:
                z.writestr(name, rec(i))
                valid.append(json.loads(rec(i))["id"])
    facts = {"valid": valid, "invalid": invalid, "deep": deep}
elif mode == "sizes":
    import random
    rnd = random.Random(7)
    big = rec(50, {"details": "".join(rnd.choice("0123456789abcdef") for _ in range(5000))})
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("small1.json", rec(1))
        z.writestr("big.json", big)
        z.writestr("small2.json", rec(2))
    facts = {"small1": len(rec(1)), "big": len(big), "small2": len(rec(2))}
elif mode == "corpus-zip":
    # osv.dev's all.zip layout: one <ID>.json entry per record, no directories.
    src = sys.argv[3]
    ids = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for d, _, files in sorted(os.walk(src)):
            for f in sorted(files):
                if f.endswith(".json"):
                    p = os.path.join(d, f)
                    with open(p, "rb") as fh:
                        body = fh.read()
                    ids.append(json.loads(body)["id"])
                    z.writestr(f, body)
    facts = {"ids": ids}
elif mode == "untar":
    with tarfile.open(sys.argv[3]) as t:
        t.extractall(out, filter="data")
    ids = []
    for d, _, files in os.walk(out):
        for f in files:
            if f.endswith(".json"):
                with open(os.path.join(d, f), "rb") as fh:
                    ids.append(json.load(fh)["id"])
    facts = {"ids": ids}
print(json.dumps(facts))
`;

/** Builds (or reuses) a Python-made fixture; returns its path and the facts Python printed. */
function pythonFixture(mode: string, fileName: string, ...args: string[]): { path: string; facts: Record<string, unknown> } {
  const dir = join(fixtureCacheDir(), `vulndb-osv-json-${FIXTURE_VERSION}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, fileName);
  const factsPath = `${path}.facts.json`;
  if (existsSync(path) && existsSync(factsPath)) return { path, facts: JSON.parse(readFileSync(factsPath, 'utf8')) as Record<string, unknown> };
  const script = join(dir, 'fixtures.py');
  writeFileSync(script, PYTHON_FIXTURES);
  const partial = `${path}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const run = spawnSync('python3', [script, mode, partial, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, `python fixture ${mode} failed: ${run.stderr}`);
  renameSync(partial, path);
  writeFileSync(factsPath, run.stdout);
  return { path, facts: JSON.parse(run.stdout) as Record<string, unknown> };
}

function schemaValidator(): ((data: unknown) => boolean) & { errors?: unknown } {
  const schemaPath = corpusPath('scanner', 'osv', 'schema', 'schema.json');
  assert.ok(schemaPath);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormatsModule.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
}

function assertAllValid(records: Array<{ record: unknown; origin: string }>, sampleEvery: number): void {
  const validate = schemaValidator();
  records.forEach(({ record, origin }, i) => {
    const checked = validateOsv(record);
    assert.ok(checked.ok, `${origin}: ${checked.ok ? '' : checked.reason}`);
    if (i % sampleEvery === 0) assert.ok(validate(record), `${origin}: ${JSON.stringify(validate.errors)}`);
  });
}

// --- corpus data ---------------------------------------------------------------

test('pypa advisory database (YAML): every file read, values equal to PyYAML, all valid OSV', async (t) => {
  const root = corpusPath('vulndata', 'pypa', 'vulns');
  if (!root) return t.skip('corpus vulndata/pypa missing');
  if (spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status !== 0) return t.skip('python3-yaml not installed');
  // PyYAML (YAML 1.1) is the oracle, with its implicit timestamp type switched off:
  // OSV timestamps are strings, and our core-schema reader keeps them so.
  const dump = spawnSync('python3', ['-c', String.raw`
import json, os, sys, yaml
class L(yaml.SafeLoader): pass
L.yaml_implicit_resolvers = {k: [(t, r) for t, r in v if t != 'tag:yaml.org,2002:timestamp'] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
out = {}
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        if f.endswith(('.yaml', '.yml')):
            p = os.path.join(d, f)
            out[os.path.realpath(p)] = yaml.load(open(p, encoding="utf-8"), Loader=L)
print(json.dumps(out))
`, root], { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(dump.status, 0, dump.stderr);
  const expected = JSON.parse(dump.stdout) as Record<string, unknown>;
  const { records, skips } = await collect(root);
  assert.deepEqual(skips, []);
  assert.equal(records.length, Object.keys(expected).length);
  for (const { record, origin } of records) assert.deepEqual(record, expected[origin], origin);
  assertAllValid(records, 25);
});

test('osv.dev website samples (JSON directory, README ignored): ids equal to the files', async (t) => {
  const root = corpusPath('vulndata', 'osv-dev', 'gcp', 'website', 'testdata', 'osv');
  if (!root) return t.skip('corpus osv-dev website testdata missing');
  const expected = readdirSync(root).filter((f) => f.endsWith('.json')).map((f) => (JSON.parse(readFileSync(join(root, f), 'utf8')) as { id: string }).id);
  const { records, skips } = await collect(root);
  assert.deepEqual(skips, []);
  assert.deepEqual(records.map((r) => idOf(r.record)).sort(), expected.sort());
  // These are the website's test records (ids like ALIAS-CVE-1 that the official schema's
  // prefix list refuses), so only our own schema applies here.
  for (const { record, origin } of records) assert.ok(validateOsv(record).ok, origin);
});

test('golang/vulndb as an osv.dev-style all.zip: every entry read, all valid OSV', async (t) => {
  const tarball = corpusPath('vulndata', 'archives', 'golang-vulndb_data-osv.tar.gz');
  if (!tarball) return t.skip('corpus golang vulndb archive missing');
  if (!hasPython()) return t.skip('python3 not available');
  const tree = pythonFixture('untar', 'golang-tree', tarball);
  const zip = pythonFixture('corpus-zip', 'golang-all.zip', tree.path);
  const ids = zip.facts.ids as string[];
  assert.ok(ids.length > 4000, `python found ${ids.length} records`);
  const { records, skips } = await collect(zip.path);
  assert.deepEqual(skips, []);
  assert.deepEqual(records.map((r) => idOf(r.record)), ids);
  assert.ok(records.every((r) => r.origin.startsWith(`${zip.path}!`) && r.origin.endsWith('.json')));
  assertAllValid(records, 20);
});

test('AlmaLinux and Bitnami OSV directories: every record read, all valid OSV', async (t) => {
  if (!hasPython()) return t.skip('python3 not available');
  for (const name of ['almalinux-osv-database_advisories', 'bitnami-vulndb_data']) {
    const tarball = corpusPath('vulndata', 'archives', `${name}.tar.gz`);
    if (!tarball) {
      t.diagnostic(`corpus archive ${name} missing`);
      continue;
    }
    const tree = pythonFixture('untar', `${name}-tree`, tarball);
    const { records, skips } = await collect(tree.path);
    assert.deepEqual(skips, [], name);
    assert.deepEqual(records.map((r) => idOf(r.record)).sort(), (tree.facts.ids as string[]).sort(), name);
    assertAllValid(records, 50);
  }
});

// --- zip safety ------------------------------------------------------------------

test('zip entry names with ../ and absolute paths are labels only: nothing is written', async (t) => {
  if (!hasPython()) return t.skip('python3 not available');
  const { path, facts } = pythonFixture('traversal', 'traversal.zip');
  const probes = [resolve('../../escaped.json'), resolve('/abs/escaped2.json'), join(dirname(path), '..', '..', 'escaped.json'), join(dirname(path), '..', 'escaped3.json')];
  const before = probes.map((p) => existsSync(p));
  const { records, skips } = await collect(path);
  assert.deepEqual(probes.map((p) => existsSync(p)), before, 'no file appeared outside the archive');
  assert.deepEqual(skips, []);
  const names = facts.names as string[];
  assert.equal(records.length, names.length, 'every .json entry is a record; the extension-less passwd entry is not');
  assert.equal(records[0]!.origin, `${path}!../../escaped.json`);
  assert.equal(records[1]!.origin, `${path}!/abs/escaped2.json`);
  assert.equal(records[3]!.origin, `${path}!evil?[31mname.json`, 'control characters in a label are replaced');
});

test('zip bomb (1 GiB of zeros, honest header): one skip, archive abandoned', async (t) => {
  if (!hasPython()) return t.skip('python3 not available');
  const { path } = pythonFixture('bomb', 'bomb.zip');
  const started = performance.now();
  const { records, skips } = await collect(path);
  assert.ok(performance.now() - started < 5000, 'rejected without inflating a gigabyte');
  assert.deepEqual(records.map((r) => idOf(r.record)), ['OSV-TEST-1'], 'the entry before the bomb is kept, the one after is not read');
  assert.equal(skips.length, 1);
  assert.equal(skips[0]!.origin, `${path}!bomb.json`);
  assert.match(skips[0]!.reason, /zip bomb.*1073741824 bytes.*archive abandoned/);
});

test('zip bomb with a lying header: inflation stops at the declared size', async (t) => {
  if (!hasPython()) return t.skip('python3 not available');
  // 50 MiB of zeros whose headers claim 1 MB: plausible for its compressed size, so it is inflated, and stopped.
  const { path, facts } = pythonFixture('liar', 'liar-1m.zip', '1000000');
  const { records, skips } = await collect(path);
  assert.deepEqual(records.map((r) => idOf(r.record)), ['OSV-TEST-1']);
  assert.equal(skips.length, 1);
  assert.match(skips[0]!.reason, new RegExp(`inflates past the ${facts.declared as number} bytes its header declares`));
  // Claiming 1000 bytes for ~50 KB of deflate data is impossible on its face: refused without inflating.
  const small = pythonFixture('liar', 'liar-1k.zip', '1000');
  const second = await collect(small.path);
  assert.deepEqual(second.records.map((r) => idOf(r.record)), ['OSV-TEST-1']);
  assert.equal(second.skips.length, 1);
  assert.match(second.skips[0]!.reason, new RegExp(`header lies: ${small.facts.compressed as number} compressed bytes for a declared 1000`));
});

test('a central directory claiming 10 million entries is refused before reading', async (t) => {
  if (!hasPython()) return t.skip('python3 not available');
  const { path, facts } = pythonFixture('claims', 'claims-10m.zip');
  const byCap = await collect(path);
  assert.equal(byCap.records.length, 0);
  assert.equal(byCap.skips.length, 1);
  assert.match(byCap.skips[0]!.reason, new RegExp(`declares ${facts.claim as number} entries, more than the limit`));
  // With the cap raised, the file size alone shows the claim is impossible.
  const bySize = await collect(path, { ...LIMITS, maxEntries: 50_000_000 });
  assert.equal(bySize.skips.length, 1);
  assert.match(bySize.skips[0]!.reason, /bytes can hold at most/);
});

test('entry-count cap applies to honest archives too', async (t) => {
  if (!hasPython()) return t.skip('python3 not available');
  const { path } = pythonFixture('mixed', 'mixed.zip');
  const { records, skips } = await collect(path, { ...LIMITS, maxEntries: 3 });
  assert.equal(records.length, 0);
  assert.match(skips[0]!.reason, /declares 22 entries, more than the limit of 3/);
});

test('truncated zip (no end of central directory): one skip, no records', async (t) => {
  if (!hasPython()) return t.skip('python3 not available');
  const { path } = pythonFixture('truncated', 'truncated.zip');
  const { records, skips } = await collect(path);
  assert.equal(records.length, 0);
  assert.equal(skips.length, 1);
  assert.match(skips[0]!.reason, /not a zip archive, or truncated/);
});

test('damaged central directory: entries before the damage are kept', async (t) => {
  if (!hasPython()) return t.skip('python3 not available');
  const { path, facts } = pythonFixture('damaged', 'damaged.zip');
  const { records, skips } = await collect(path);
  assert.deepEqual(records.map((r) => idOf(r.record)), facts.readable);
  assert.equal(skips.length, 1);
  assert.match(skips[0]!.reason, /central directory unreadable after 5 entries/);
});

test('invalid and deeply nested JSON entries are skipped; valid ones still come out', async (t) => {
  if (!hasPython()) return t.skip('python3 not available');
  const { path, facts } = pythonFixture('mixed', 'mixed.zip');
  const { records, skips } = await collect(path);
  assert.deepEqual(records.map((r) => idOf(r.record)), facts.valid);
  const invalid = facts.invalid as string[];
  const deep = facts.deep as string[];
  assert.equal(skips.length, invalid.length + deep.length);
  for (const name of invalid) assert.match(skips.find((s) => s.origin === `${path}!${name}`)?.reason ?? '', /^not valid JSON/);
  for (const name of deep) assert.match(skips.find((s) => s.origin === `${path}!${name}`)?.reason ?? '', /^nested too deeply/);
});

test('per-record size limit skips one entry; the archive budget stops the archive', async (t) => {
  if (!hasPython()) return t.skip('python3 not available');
  const { path, facts } = pythonFixture('sizes', 'sizes.zip');
  const small = await collect(path, { ...LIMITS, maxRecordBytes: 2000 });
  assert.deepEqual(small.records.map((r) => idOf(r.record)), ['OSV-TEST-1', 'OSV-TEST-2']);
  assert.equal(small.skips.length, 1);
  assert.match(small.skips[0]!.reason, new RegExp(`larger than 2000 bytes \\(declares ${facts.big as number}\\)`));

  const budget = (facts.small1 as number) + 100;
  const tight = await collect(path, { ...LIMITS, maxArchiveBytes: budget });
  assert.deepEqual(tight.records.map((r) => idOf(r.record)), ['OSV-TEST-1']);
  assert.equal(tight.skips.length, 1);
  assert.match(tight.skips[0]!.reason, /budget \(maxArchiveBytes\); archive abandoned/);
});

// --- files and directories ---------------------------------------------------------

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'stockade-osv-'));
}

test('a 100 MB JSON file is rejected by its size, before reading', async () => {
  const dir = scratch();
  try {
    const big = join(dir, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, 100 * 1024 * 1024); // sparse: nothing to read but its size
    const started = performance.now();
    const { records, skips } = await collect(big);
    assert.ok(performance.now() - started < 1000);
    assert.equal(records.length, 0);
    assert.deepEqual(skips, [{ origin: big, reason: `larger than ${LIMITS.maxRecordBytes} bytes (104857600 bytes)` }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('YAML alias bomb is refused with a reason', async () => {
  const dir = scratch();
  try {
    const path = join(dir, 'laughs.yaml');
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    const letters = 'bcdefghi';
    for (let i = 0; i < letters.length; i++) {
      const prev = i === 0 ? 'a' : letters[i - 1];
      lines.push(`${letters[i]}: &${letters[i]} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    lines.push('id: OSV-BOMB-1', 'modified: "2024-01-01T00:00:00Z"');
    writeFileSync(path, lines.join('\n') + '\n');
    const started = performance.now();
    const { records, skips } = await collect(path);
    assert.ok(performance.now() - started < 2000);
    assert.equal(records.length, 0);
    assert.equal(skips.length, 1);
    assert.match(skips[0]!.reason, /too many YAML alias expansions/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deeply nested JSON and YAML files are skipped; brackets inside strings do not count', async () => {
  const dir = scratch();
  try {
    writeFileSync(join(dir, 'deep.json'), '['.repeat(200_000) + ']'.repeat(200_000));
    writeFileSync(join(dir, 'deep.yaml'), `id: x\nv: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`);
    // 100 brackets and tricky escapes inside strings: depth 1.
    writeFileSync(join(dir, 'strings.json'), JSON.stringify({ id: 'OSV-STR-1', modified: '2024-01-01T00:00:00Z', details: `${'['.repeat(100)}\\"${'{'.repeat(100)}"\\`, summary: '"]]]]' }));
    const { records, skips } = await collect(dir);
    assert.deepEqual(records.map((r) => idOf(r.record)), ['OSV-STR-1']);
    assert.deepEqual(skips.map((s) => [s.origin.slice(dir.length + 1), s.reason.split(' (')[0]]).sort(), [
      ['deep.json', 'nested too deeply'],
      ['deep.yaml', 'nested too deeply'],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('jsonNestingExceeds agrees with JSON.parse-derived depth on crafted strings', () => {
  const depthOf = (v: unknown): number => (v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0);
  const cases = ['{"a":"]]]]"}', '[[["\\\\"]]]', '{"a":"\\"[[[[["}', '[{"x":[{"y":"}}}}"}]}]', '"[[[["', '{"k\\"{":[[1]]}'];
  for (const text of cases) {
    const depth = depthOf(JSON.parse(text));
    assert.equal(jsonNestingExceeds(Buffer.from(text), depth), false, text);
    if (depth > 0) assert.equal(jsonNestingExceeds(Buffer.from(text), depth - 1), true, text);
  }
});

test('directory walk: arrays become records, symlinks out of the root are refused, loops do not hang', async () => {
  const dir = scratch();
  const outside = scratch();
  try {
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    mkdirSync(join(dir, '.git'));
    const rec = (id: string) => ({ id, modified: '2024-01-01T00:00:00Z' });
    writeFileSync(join(dir, 'many.json'), JSON.stringify([rec('OSV-A-1'), rec('OSV-A-2')]));
    writeFileSync(join(dir, 'sub', 'deeper', 'one.yml'), 'id: OSV-B-1\nmodified: "2024-01-01T00:00:00Z"\naffected:\n- package: {ecosystem: PyPI, name: x}\n  versions: [1.10, 2.0]\n');
    writeFileSync(join(dir, '.git', 'hidden.json'), JSON.stringify(rec('OSV-HIDDEN')));
    writeFileSync(join(dir, 'notes.txt'), 'not a record');
    writeFileSync(join(outside, 'secret.json'), JSON.stringify(rec('OSV-OUTSIDE')));
    symlinkSync(join(outside, 'secret.json'), join(dir, 'escape.json'));
    symlinkSync(outside, join(dir, 'escape-dir'));
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    symlinkSync(join(dir, 'many.json'), join(dir, 'sub', 'again.json'));

    const { records, skips } = await collect(dir);
    assert.deepEqual(records.map((r) => [idOf(r.record), r.origin.slice(dir.length + 1)]), [
      ['OSV-A-1', 'many.json[0]'],
      ['OSV-A-2', 'many.json[1]'],
      ['OSV-B-1', 'sub/deeper/one.yml'],
    ]);
    // YAML numbers are kept as written: `1.10` is a version, not the float 1.1.
    assert.deepEqual((records[2]!.record as { affected: Array<{ versions: string[] }> }).affected[0]!.versions, ['1.10', '2.0']);
    assert.deepEqual(skips.map((s) => s.origin.slice(dir.length + 1)), ['escape-dir', 'escape.json']);
    assert.ok(skips.every((s) => /points outside/.test(s.reason)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test('a FIFO named like an archive or a record is refused, not waited on', async () => {
  const dir = scratch();
  try {
    for (const name of ['pipe.zip', 'pipe.json']) {
      const fifo = join(dir, name);
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      const { records, skips } = await collect(fifo);
      assert.equal(records.length, 0);
      assert.deepEqual(skips, [{ origin: fifo, reason: 'not a regular file' }]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing path throws not_found; an unparsable single file is one skip', async () => {
  await assert.rejects(collect('/nonexistent/osv.json'), (e: Error & { code?: string }) => e.code === 'not_found');
  const dir = scratch();
  try {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"id": "x", ');
    const { records, skips } = await collect(bad);
    assert.equal(records.length, 0);
    assert.equal(skips.length, 1);
    assert.match(skips[0]!.reason, /^not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('detect: directories, zips by name or magic, OSV JSON/YAML by an id key', () => {
  const d = osvJsonSource.detect.bind(osvJsonSource);
  assert.equal(d('/x', Buffer.alloc(0), true), true);
  assert.equal(d('/x/all.zip', Buffer.alloc(0), false), true);
  assert.equal(d('/x/download', Buffer.from('PK\x03\x04rest'), false), true);
  assert.equal(d('/x/a.json', Buffer.from('{\n  "schema_version": "1.6.0",\n  "id": "GHSA-1"'), false), true);
  assert.equal(d('/x/a.yaml', Buffer.from('id: PYSEC-2020-1\ndetails: x\n'), false), true);
  assert.equal(d('/x/tracker.json', Buffer.from('{"apparmor": {"CVE-2014-1424": {"description": "a \\"id\\": b"'), false), false);
  assert.equal(d('/x/main.yaml', Buffer.from('---\ndistroversion: v3.10\nreponame: main\n'), false), false);
  assert.equal(d('/x/notes.txt', Buffer.from('id: x'), false), false);
});

test('a consumer that stops early leaves no open descriptor and no running thread', async () => {
  const dir = join(fixtureCacheDir(), `vulndb-osv-json-${FIXTURE_VERSION}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'generated-30000-seed7.zip');
  if (!existsSync(path)) {
    generateOsvZip(`${path}.partial`, { records: 30_000, seed: 7 });
    renameSync(`${path}.partial`, path);
  }
  const openFds = () => readdirSync('/proc/self/fd').length;
  const before = openFds();
  for (const zipWorker of [true, false]) {
    let n = 0;
    for await (const item of osvJsonSource.read(path, { ...LIMITS, zipWorker } as OsvReadOptions)) {
      if (item.kind === 'record' && ++n === 1500) break;
    }
    assert.equal(n, 1500);
  }
  assert.equal(openFds(), before);
});

// --- speed ----------------------------------------------------------------------------

test('a generated 30k-record all.zip reads at well over 10k records/s', async () => {
  const dir = join(fixtureCacheDir(), `vulndb-osv-json-${FIXTURE_VERSION}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'generated-30000-seed7.zip');
  if (!existsSync(path)) {
    generateOsvZip(`${path}.partial`, { records: 30_000, seed: 7 });
    renameSync(`${path}.partial`, path);
  }
  const started = performance.now();
  let records = 0;
  for await (const item of osvJsonSource.read(path, LIMITS)) if (item.kind === 'record') records++; // worker path, the default
  const perSecond = records / ((performance.now() - started) / 1000);
  assert.equal(records, 30_000);
  console.log(`# osv zip read: ${Math.round(perSecond)} records/s`);
  assert.ok(perSecond > 10_000, `${Math.round(perSecond)} records/s`);
});
