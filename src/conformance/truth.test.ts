// The independent readers behind the conformance truths. Inputs are written here in
// each tool's documented output format; expected values are read off those inputs by
// hand. The corpus-backed test cross-checks the golden reader against the row counts
// index.json records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath } from '../testing/corpus.js';
import {
  dpkgGoldenPackages,
  goTruthPackages,
  normalizePypiName,
  parseApkInstalledIndex,
  parseDpkgQueryRows,
  parseGoVersionM,
  parseGoldenTsv,
  parseOsRelease,
  parseTxtar,
  rpmGoldenPackages,
  rpmEvr,
} from './truth.js';
import { comparableVersion } from './harness.js';

test('parseGoldenTsv: comment metadata, header, rows', () => {
  const t = parseGoldenTsv('# source: a/b\n# exit: 2\n# stderr: one\n# stderr: two\nname\tversion\nx\t1\ny\n');
  assert.deepEqual(t.meta.get('stderr'), ['one', 'two']);
  assert.deepEqual(t.meta.get('exit'), ['2']);
  assert.deepEqual(t.header, ['name', 'version']);
  assert.deepEqual(t.rows, [
    { name: 'x', version: '1' },
    { name: 'y', version: '' },
  ]);
});

test('dpkgGoldenPackages: keeps packages with files on disk, strips the multi-arch qualifier', () => {
  const rows = [
    { package: 'a', version: '1', arch: 'amd64', status: 'install ok installed' },
    { package: 'b:amd64', version: '1:2-3', arch: 'amd64', status: 'install ok unpacked' },
    { package: 'c', version: '1', arch: '', status: 'deinstall ok config-files' },
    { package: 'd', version: '', arch: '', status: 'unknown ok not-installed' },
    { package: 'e', version: '1', arch: '', status: 'install reinstreq half-installed' },
  ];
  assert.deepEqual(dpkgGoldenPackages(rows), [
    { name: 'a', version: '1', arch: 'amd64' },
    { name: 'b', version: '1:2-3', arch: 'amd64' },
    { name: 'e', version: '1' },
  ]);
});

test('rpmGoldenPackages: EPOCHNUM 0 and (none) mean no epoch; arch (none) is dropped', () => {
  const rows = [
    { name: 'a', epoch: '0', version: '1', release: '2', arch: 'x86_64' },
    { name: 'b', epoch: '3', version: '1', release: '2', arch: 'noarch' },
    { name: 'c', epoch: '(none)', version: '1', release: '2', arch: '(none)' },
    { name: 'd', epoch: '', version: '1', release: '2', arch: '' },
  ];
  assert.deepEqual(rpmGoldenPackages(rows), [
    { name: 'a', version: '1-2', arch: 'x86_64' },
    { name: 'b', version: '3:1-2', arch: 'noarch' },
    { name: 'c', version: '1-2' },
    { name: 'd', version: '1-2' },
  ]);
  assert.equal(rpmEvr(0, '1-2'), '1-2');
});

test('comparableVersion puts the epoch where the truths have it', () => {
  assert.equal(comparableVersion({ ecosystem: 'deb', version: '2.5.1-4', epoch: 1 }), '1:2.5.1-4');
  assert.equal(comparableVersion({ ecosystem: 'deb', version: '1:2.5.1-4', epoch: 1 }), '1:2.5.1-4');
  assert.equal(comparableVersion({ ecosystem: 'rpm', version: '0.9.2-1', epoch: 0 }), '0.9.2-1');
  assert.equal(comparableVersion({ ecosystem: 'rpm', version: '0.0.1-rls', epoch: 1 }), '1:0.0.1-rls');
  assert.equal(comparableVersion({ ecosystem: 'npm', version: '1.0.0', epoch: 2 }), '1.0.0');
});

test('parseApkInstalledIndex: P/V/A per blank-line record; records without P or V name nothing', () => {
  const text = 'C:Q1abc=\r\nP:musl\r\nV:1.2.3-r0\r\nA:x86_64\r\n\r\nP:noversion\n\nV:1.0\n\nP:busybox\nV:1.31.1-r9\n';
  assert.deepEqual(parseApkInstalledIndex(text), [
    { name: 'musl', version: '1.2.3-r0', arch: 'x86_64' },
    { name: 'busybox', version: '1.31.1-r9' },
  ]);
  assert.deepEqual(parseApkInstalledIndex('asdf\n\nyolo\n'), []);
});

test('parseOsRelease: quoted and bare values, comments', () => {
  assert.deepEqual(parseOsRelease('# c\nNAME="Alpine"\nID=alpine\nVERSION_ID="3.12.0"\n'), { id: 'alpine', versionId: '3.12.0' });
  assert.deepEqual(parseOsRelease("ID='sles'\nVERSION_ID=12.5"), { id: 'sles', versionId: '12.5' });
});

test('parseGoVersionM + goTruthPackages: main, deps, module replacement, stdlib', () => {
  const out = [
    '/bin/app: go1.22.1 X:loopvar',
    '\tpath\texample.com/app',
    '\tmod\texample.com/app\t(devel)\t',
    '\tdep\tgolang.org/x/xerrors\tv0.0.0-2022\th1:abc=',
    '\t=>\tgithub.com/golang/xerrors\tv0.0.0-2022\th1:def=',
    '\tdep\texample.com/local\tv1.0.0',
    '\t=>\t../local\t',
    '\tdep\tgithub.com/a/b\tv1.2.3\th1:x=',
    '\tbuild\tGOOS=linux',
    '',
  ].join('\n');
  const info = parseGoVersionM(out);
  assert.ok(info);
  assert.equal(info.goVersion, 'go1.22.1 X:loopvar');
  assert.deepEqual(goTruthPackages(info), [
    { name: 'example.com/app', version: '' },
    { name: 'github.com/golang/xerrors', version: 'v0.0.0-2022' },
    { name: 'example.com/local', version: 'v1.0.0' },
    { name: 'github.com/a/b', version: 'v1.2.3' },
    { name: 'stdlib', version: '1.22.1' },
  ]);
  assert.equal(parseGoVersionM('/bin/x: could not read Go build info from /bin/x: unrecognized file format\n'), undefined);
});

test('normalizePypiName follows PEP 503', () => {
  assert.equal(normalizePypiName('Friendly-Bard'), 'friendly-bard');
  assert.equal(normalizePypiName('FRIENDLY__bard'), 'friendly-bard');
  assert.equal(normalizePypiName('backports.ssl_match_hostname'), 'backports-ssl-match-hostname');
});

test('parseTxtar: comment skipped, files to the next marker, content kept byte for byte', () => {
  const files = parseTxtar('comment\n-- var/lib/dpkg/status --\nPackage: a\n\n-- b.txt --\nx\n-- not a marker\n');
  assert.deepEqual([...files.keys()], ['var/lib/dpkg/status', 'b.txt']);
  assert.equal(files.get('var/lib/dpkg/status'), 'Package: a\n\n');
  assert.equal(files.get('b.txt'), 'x\n-- not a marker\n');
});

test('parseDpkgQueryRows names the columns the golden tables use', () => {
  assert.deepEqual(parseDpkgQueryRows('sed\t4.4-2\tamd64\tii \tinstall ok installed\n'), [
    { package: 'sed', version: '4.4-2', arch: 'amd64', status_abbrev: 'ii ', status: 'install ok installed' },
  ]);
});

test('golden reader: every golden in index.json parses to the row count the index records', (t) => {
  const scanner = corpusPath('scanner');
  if (!scanner) return t.skip('shared corpus not found (../shared/corpus)');
  const index = JSON.parse(readFileSync(join(scanner, 'os-pkgdb/_golden-native/index.json'), 'utf8')) as Array<{ golden: string; rows: number }>;
  assert.ok(index.length > 0);
  for (const entry of index) {
    const table = parseGoldenTsv(readFileSync(join(scanner, entry.golden), 'utf8'));
    assert.equal(table.rows.length, entry.rows, entry.golden);
  }
});
