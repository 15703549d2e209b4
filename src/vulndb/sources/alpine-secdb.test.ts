import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusPath } from '../../testing/corpus.js';
import type { OsvRecord } from '../osv.js';
import { alpineSecdbSource, parseSecfixLine } from './alpine-secdb.js';
import { LIMITS, collectFrom, schemaValidator } from './test-support/collect.js';

const collect = (path: string, options = LIMITS) => collectFrom(alpineSecdbSource, path, options);

/** (ecosystem, package, primary id, fixed version) for every fixed range we produced. */
function fixTuples(records: Array<{ record: OsvRecord }>): Set<string> {
  const out = new Set<string>();
  for (const { record } of records) {
    for (const a of record.affected ?? []) {
      for (const r of a.ranges ?? []) {
        for (const e of r.events) if ('fixed' in e) out.add([a.package?.ecosystem, a.package?.name, record.aliases?.[0], e.fixed].join('|'));
      }
    }
  }
  return out;
}

/**
 * PyYAML reads the secdb files and lists, with deliberately simple rules, what any
 * converter must produce: every line that is exactly one CVE id, under a real
 * version (fixed) or under "0" (never affected); and the raw lines that hold several
 * ids, so their aliases can be checked.
 */
const PYTHON_ORACLE = String.raw`
import json, os, re, sys, yaml
clean = re.compile(r"^CVE-\d{4}-\d{4,}$")
multi = re.compile(r"^([A-Z]+-[0-9-]+)(\s+[A-Z]+-[0-9-]+)+$")
fixed, never, several = [], [], []
for d, _, fs in sorted(os.walk(sys.argv[1])):
    for f in sorted(fs):
        if not f.endswith(".yaml"):
            continue
        doc = yaml.safe_load(open(os.path.join(d, f)))
        eco = "Alpine:" + doc["distroversion"]
        for p in doc.get("packages") or []:
            name = p["pkg"]["name"]
            for version, lines in (p["pkg"].get("secfixes") or {}).items():
                for line in lines or []:
                    line = str(line).strip()
                    if clean.match(line):
                        (never if str(version) == "0" else fixed).append([eco, name, line, str(version)])
                    elif multi.match(line):
                        several.append([eco, name, line.split()])
print(json.dumps({"fixed": fixed, "never": never, "several": several}))
`;

test('Alpine secdb v3.3-v3.11: every record valid; PyYAML-derived fixes, never-affected and alias lines all present', async (t) => {
  const root = corpusPath('vulndata', 'alpine-secdb');
  if (!root) return t.skip('corpus vulndata/alpine-secdb missing');
  if (spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status !== 0) return t.skip('python3-yaml not installed');
  const oracle = spawnSync('python3', ['-c', PYTHON_ORACLE, root], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(oracle.status, 0, oracle.stderr);
  const expected = JSON.parse(oracle.stdout) as { fixed: string[][]; never: string[][]; several: Array<[string, string, string[]]> };
  assert.ok(expected.fixed.length > 5000, `oracle found ${expected.fixed.length} fixes`);

  const { records, skips } = await collect(root);
  assert.deepEqual(skips, []);
  const ids = records.map((r) => r.record.id);
  assert.equal(new Set(ids).size, ids.length, 'record ids are unique across releases and packages');

  const ours = fixTuples(records);
  for (const tuple of expected.fixed) assert.ok(ours.has(tuple.join('|')), `missing ${tuple.join(' ')}`);

  assert.ok(expected.never.length > 0);
  for (const [eco, name, cve] of expected.never) {
    const rec = records.find((r) => r.record.id === `ALPINE-${cve}-${name}-${eco!.slice('Alpine:'.length)}`)?.record;
    assert.ok(rec, `${cve} ${name} ${eco}`);
    assert.deepEqual(rec.database_specific?.['not_affected'], [{ ecosystem: eco }]);
  }

  assert.ok(expected.several.length > 100);
  for (const [eco, name, tokens] of expected.several) {
    const rec = records.find((r) => r.record.id === `ALPINE-${tokens[0]}-${name}-${eco.slice('Alpine:'.length)}`)?.record;
    assert.ok(rec, `${tokens.join(' ')} ${name} ${eco}`);
    for (const token of tokens) assert.ok(rec.aliases?.includes(token), `${rec.id} aliases ${token}`);
  }

  const validate = schemaValidator();
  records.forEach(({ record }, i) => {
    if (i % 20 === 0) assert.ok(validate(record), `${record.id}: ${JSON.stringify(validate.errors)}`);
  });
});

test("osv.dev's Alpine converter parts agree where the corpus covers the release and the CVE", async (t) => {
  const root = corpusPath('vulndata', 'alpine-secdb');
  const partsDir = corpusPath('vulndata', 'osv-dev', 'vulnfeeds', 'test_data', 'parts', 'alpine');
  if (!root || !partsDir) return t.skip('corpus alpine-secdb or osv-dev parts missing');
  const releases = readdirSync(root).filter((d) => d.startsWith('v'));
  const corpusText = releases.map((r) => readdirSync(join(root, r)).map((f) => readFileSync(join(root, r, f), 'utf8')).join('\n')).join('\n');
  const ours = fixTuples((await collect(root)).records);
  let checked = 0;
  for (const file of readdirSync(partsDir)) {
    const cve = file.replace('.alpine.json', '');
    // The parts come from today's secdb; our corpus stops in 2020. Compare only where both speak.
    if (!corpusText.includes(cve)) continue;
    const parts = JSON.parse(readFileSync(join(partsDir, file), 'utf8')) as Array<{ pkg_name: string; ecosystem: string; fixed_version: Record<string, Array<Record<string, string>>> }>;
    for (const part of parts) {
      if (!releases.includes(part.ecosystem.slice('Alpine:'.length))) continue;
      const versions = part.fixed_version['AffectedVersions'] ?? part.fixed_version['affected_versions'] ?? [];
      for (const v of versions) {
        const fixed = v['Fixed'] ?? v['fixed'];
        if (!fixed) continue;
        checked++;
        assert.ok(ours.has([part.ecosystem, part.pkg_name, cve, fixed].join('|')), `${cve} ${part.pkg_name} ${part.ecosystem} ${fixed}`);
      }
    }
  }
  assert.ok(checked >= 20, `compared ${checked} fixes`);
});

test('secfixes lines: several ids, stray text, misspelt CVE ids', () => {
  // Expectations read off the corpus's own lines (see the MANIFEST's alpine-secdb).
  assert.deepEqual(parseSecfixLine('CVE-2017-8904 XSA-214'), ['CVE-2017-8904', 'XSA-214']);
  assert.deepEqual(parseSecfixLine('XSA-207'), ['XSA-207']);
  assert.deepEqual(parseSecfixLine('CVE-????-?????  XSA-295'), ['XSA-295']);
  assert.deepEqual(parseSecfixLine('CVE_2019-2426'), ['CVE-2019-2426']);
  assert.deepEqual(parseSecfixLine('CVE 2018-16859'), ['CVE-2018-16859']);
  assert.deepEqual(parseSecfixLine('CVE-2017-17434-1'), ['CVE-2017-17434']);
  assert.deepEqual(parseSecfixLine('CVE-2017-11610  '), ['CVE-2017-11610']);
  assert.deepEqual(parseSecfixLine('CVE-2017-14450 TALOS-2017-0499'), ['CVE-2017-14450', 'TALOS-2017-0499']);
  assert.deepEqual(parseSecfixLine('wnpa-sec-2017-18'), ['wnpa-sec-2017-18']);
  assert.deepEqual(parseSecfixLine('use-after-free in parser'), []);
});

test('hand-made secdb documents: "0", JSON form, bad versions, alias bomb, wrong shape', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-secdb-'));
  try {
    const write = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const yamlPath = write(
      'main.yaml',
      [
        'distroversion: v3.20',
        'reponame: main',
        'packages:',
        '  - pkg:',
        '      name: db',
        '      secfixes:',
        '        "0":',
        '          - CVE-2016-0682',
        '        5.3.28-r2:',
        '          - CVE-2019-2708 (partial)',
        '        not a version:',
        '          - CVE-2020-1',
        '        1.10-r0:',
        '          - Just text',
        '  - pkg:',
        '      secfixes: {}',
        '',
      ].join('\n'),
    );
    const { records, skips } = await collect(yamlPath);
    assert.deepEqual(records.map((r) => r.record.id), ['ALPINE-CVE-2016-0682-db-v3.20', 'ALPINE-CVE-2019-2708-db-v3.20']);
    assert.deepEqual(records[0]!.record.affected, []);
    assert.deepEqual(records[0]!.record.database_specific?.['not_affected'], [{ ecosystem: 'Alpine:v3.20' }]);
    assert.deepEqual(records[1]!.record.affected, [
      { package: { ecosystem: 'Alpine:v3.20', name: 'db', purl: 'pkg:apk/alpine/db?arch=source' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '5.3.28-r2' }] }] },
    ]);
    assert.deepEqual(skips.map((s) => [s.origin.slice(yamlPath.length), s.reason]), [
      ['#db@not a version', 'not an apk version'],
      ['#db@1.10-r0', 'no advisory id in "Just text"'],
      ['#packages[1]', 'package entry without a valid pkg.name'],
    ]);

    const jsonPath = write('community.json', JSON.stringify({ distroversion: 'v3.19', reponame: 'community', packages: [{ pkg: { name: 'go', secfixes: { '1.21.5-r0': ['CVE-2023-39326'] } } }] }));
    const json = await collect(jsonPath);
    assert.deepEqual(json.records.map((r) => [r.record.id, r.record.upstream, r.record.references?.[0]?.url]), [
      ['ALPINE-CVE-2023-39326-go-v3.19', ['CVE-2023-39326'], 'https://security.alpinelinux.org/vuln/CVE-2023-39326'],
    ]);

    const bombLines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [i, c] of [...'bcdefgh'].entries()) bombLines.push(`${c}: &${c} [${Array(9).fill(`*${i === 0 ? 'a' : 'bcdefgh'[i - 1]}`).join(',')}]`);
    bombLines.push('distroversion: v3.20', 'packages: []');
    const bomb = await collect(write('bomb.yaml', bombLines.join('\n')));
    assert.equal(bomb.records.length, 0);
    assert.match(bomb.skips[0]!.reason, /too many YAML alias expansions/);

    const noRelease = await collect(write('norel.yaml', 'reponame: main\npackages: []\n'));
    assert.match(noRelease.skips[0]!.reason, /unknown distroversion/);
    const notSecdb = await collect(write('list.yaml', '- a\n- b\n'));
    assert.match(notSecdb.skips[0]!.reason, /not an Alpine secdb document/);
    const huge = await collect(yamlPath, { ...LIMITS, maxRecordBytes: 100 });
    assert.match(huge.skips[0]!.reason, /^larger than 100 bytes/);

    const validate = schemaValidator();
    for (const { record } of [...records, ...json.records]) assert.ok(validate(record), `${record.id}: ${JSON.stringify(validate.errors)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('detect: secdb files by their distroversion header only', (t) => {
  const file = corpusPath('vulndata', 'alpine-secdb', 'v3.10', 'main.yaml');
  if (!file) return t.skip('corpus alpine-secdb missing');
  const d = alpineSecdbSource.detect.bind(alpineSecdbSource);
  assert.equal(d(file, readFileSync(file).subarray(0, 8192), false), true);
  assert.equal(d('/x/main.json', Buffer.from('{"apkurl":"{{urlprefix}}","archs":["x86_64"],"distroversion":"v3.19","packages":[{"pkg":'), false), true);
  assert.equal(d('/x/PYSEC-1.yaml', Buffer.from('id: PYSEC-1\ndetails: x\n'), false), false);
  assert.equal(d('/x/v3.10', Buffer.alloc(0), true), false);
});
