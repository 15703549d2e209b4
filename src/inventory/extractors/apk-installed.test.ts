import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { PackageURL } from 'packageurl-js';
import { StockadeError } from '../../core/errors.js';
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { corpusPath } from '../../testing/corpus.js';
import { apkInstalledExtractor } from './apk-installed.js';

const PATH = 'lib/apk/db/installed';
const meta: FileMeta = { path: PATH, size: 0, mode: 0o644 };

function extract(bytes: Buffer) {
  const r = apkInstalledExtractor.extract({ path: PATH, meta, bytes });
  if (r instanceof Promise) throw new Error('apk-installed is synchronous');
  return r;
}

/*
 * No apk binary exists for Debian, so the oracle is awk reading the same file by
 * the format's own rules (one letter, a colon, a value; records split by blank
 * lines; R: files live in the last F: directory). It shares no code with ours.
 */
const AWK_PACKAGES = `
BEGIN { RS = ""; FS = "\\n" }
{
  p = v = a = o = l = ""
  for (i = 1; i <= NF; i++) {
    k = substr($i, 1, 2); val = substr($i, 3)
    if (k == "P:") p = val; else if (k == "V:") v = val; else if (k == "A:") a = val
    else if (k == "o:") o = val; else if (k == "L:") l = val
  }
  if (p != "" && v != "") print "pkg\\t" p "\\t" v "\\t" a "\\t" o "\\t" l
}`;

const AWK_FILES = `
BEGIN { RS = ""; FS = "\\n" }
{
  p = ""; d = ""
  for (i = 1; i <= NF; i++) if (substr($i, 1, 2) == "P:") p = substr($i, 3)
  for (i = 1; i <= NF; i++) {
    k = substr($i, 1, 2); val = substr($i, 3)
    if (k == "F:") d = val
    else if (k == "R:") print p "\\t" (d == "" ? "" : "/" d) "/" val
  }
}`;

function awk(program: string, file: string): string[] {
  const r = spawnSync('awk', [program, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

function rows(packages: ExtractedPackage[] | undefined): string[] {
  return (packages ?? [])
    .map((p) => ['pkg', p.name, p.version, p.arch ?? '', p.source?.name ?? '', p.licenses?.[0] ?? ''].join('\t'))
    .sort();
}

function fileRows(packages: ExtractedPackage[] | undefined): string[] {
  return (packages ?? []).flatMap((p) => (p.files ?? []).map((f) => `${p.name}\t${f}`)).sort();
}

const fixtures = (): string[] =>
  [
    corpusPath('scanner', 'os-pkgdb', 'apk', 'osv-scalibr', 'installed'),
    corpusPath('scanner', 'os-pkgdb', 'apk', 'osv-scalibr', 'single'),
    corpusPath('scanner', 'os-pkgdb', 'apk', 'osv-scalibr', 'different-arch'),
    corpusPath('scanner', 'os-pkgdb', 'apk', 'osv-scalibr', 'no-origin'),
    corpusPath('scanner', 'images', 'rootfs', 'grype-alpine-match-coverage', 'lib', 'apk', 'db', 'installed'),
  ].filter((p): p is string => p !== undefined);

test('wants only lib/apk/db/installed', () => {
  assert.equal(apkInstalledExtractor.wants(PATH, meta), true);
  for (const p of ['lib/apk/db/installed.bak', 'usr/lib/apk/db/installed', 'lib/apk/db/scripts.tar', 'etc/apk/world']) {
    assert.equal(apkInstalledExtractor.wants(p, { ...meta, path: p }), false, p);
  }
});

test('corpus apk databases: name, version, arch, origin, license as awk reads them', (t) => {
  const files = fixtures();
  if (files.length === 0) return t.skip('corpus apk fixtures absent');
  for (const file of files) {
    const got = extract(readFileSync(file));
    const expected = awk(AWK_PACKAGES, file).sort();
    assert.ok(expected.length >= 1, file);
    assert.deepEqual(rows(got.packages), expected, file);
    assert.equal(got.warnings, undefined, file);
  }
});

test('corpus apk databases: files are F: directory + R: name', (t) => {
  const files = fixtures();
  if (files.length === 0) return t.skip('corpus apk fixtures absent');
  let total = 0;
  for (const file of files) {
    const expected = awk(AWK_FILES, file).sort();
    total += expected.length;
    assert.deepEqual(fileRows(extract(readFileSync(file)).packages), expected, file);
  }
  assert.ok(total > 20);
});

test('purl: pkg:apk/<name>@<version>?arch=<arch>, no namespace', (t) => {
  const file = corpusPath('scanner', 'os-pkgdb', 'apk', 'osv-scalibr', 'installed');
  if (!file) return t.skip('corpus apk fixtures absent');
  const truth = new Map(awk(AWK_PACKAGES, file).map((l) => {
    const [, p, v, a] = l.split('\t');
    return [p ?? '', { v, a }];
  }));
  for (const p of extract(readFileSync(file)).packages ?? []) {
    const purl = PackageURL.fromString(p.purl);
    assert.equal(purl.type, 'apk');
    assert.equal(purl.namespace, undefined);
    assert.equal(purl.name, p.name);
    assert.equal(purl.version, truth.get(p.name)?.v);
    assert.equal(purl.qualifiers?.['arch'], truth.get(p.name)?.a);
  }
});

test('dependencies resolve through provides; conflicts and unprovided virtual names drop out', () => {
  // Built so each expectation follows from the lines themselves.
  const db = [
    'P:app', 'V:1-r0', 'D:libfoo>=2 so:libbar.so.1 cmd:tool !oldapp /bin/sh pc:nowhere missing-pkg=3', '',
    'P:libfoo', 'V:2-r0', '',
    'P:libbar', 'V:1-r0', 'p:so:libbar.so.1=1', '',
    'P:tools-a', 'V:1-r0', 'p:cmd:tool=1', '',
    'P:tools-b', 'V:1-r0', 'p:cmd:tool=1 /bin/sh', '',
  ].join('\n');
  const app = extract(Buffer.from(db)).packages?.find((p) => p.name === 'app');
  assert.deepEqual([...(app?.dependsOn ?? [])].sort(), ['libbar', 'libfoo', 'missing-pkg', 'tools-a', 'tools-b']);
});

test('a record missing P or V is a warning and the rest is kept', () => {
  const db = ['P:good', 'V:1-r0', '', 'P:noversion', 'A:x86_64', '', 'V:2-r0', 'A:x86_64', '', 'P:also-good', 'V:3-r0', ''].join('\n');
  const got = extract(Buffer.from(db));
  assert.deepEqual(got.packages?.map((p) => p.name), ['good', 'also-good']);
  assert.equal(got.warnings?.length, 2);
});

test('a truncated database keeps the records before the cut', (t) => {
  const file = corpusPath('scanner', 'os-pkgdb', 'apk', 'osv-scalibr', 'installed');
  if (!file) return t.skip('corpus apk fixtures absent');
  const text = readFileSync(file, 'utf8');
  const cut = text.indexOf('\n\n', Math.floor(text.length / 2));
  const complete = awk(AWK_PACKAGES, file).slice(0, text.slice(0, cut).split('\n\n').length);
  // Cut inside the next record's first field so it has no V: line.
  const got = extract(Buffer.from(text.slice(0, cut + 2 + 10)));
  assert.deepEqual(rows(got.packages), [...complete].sort());
  assert.equal(got.warnings?.length, 1);
});

test('not an apk database: malformed_input; empty: no packages', (t) => {
  const invalid = corpusPath('scanner', 'os-pkgdb', 'apk', 'osv-scalibr', 'invalid');
  if (!invalid) return t.skip('corpus apk fixtures absent');
  const binaries = ['/bin/ls', '/usr/bin/env'].filter((f) => existsSync(f)).map((f) => readFileSync(f));
  for (const bytes of [...binaries, readFileSync(invalid), Buffer.from([1, 2, 0, 3, 0xff])]) {
    assert.throws(() => extract(bytes), (e: unknown) => e instanceof StockadeError && e.code === 'malformed_input');
  }
  assert.deepEqual(extract(Buffer.alloc(0)).packages, []);
});
