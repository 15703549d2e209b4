import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackageURL } from 'packageurl-js';
import { StockadeError } from '../../core/errors.js';
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { corpusPath } from '../../testing/corpus.js';
import { dpkgStatusExtractor } from './dpkg-status.js';
import { dpkgStatusDExtractor } from './dpkg-status-d.js';

const meta = (path: string, size = 0): FileMeta => ({ path, size, mode: 0o644 });

function extract(bytes: Buffer, path = 'var/lib/dpkg/status') {
  const r = dpkgStatusExtractor.extract({ path, meta: meta(path, bytes.length), bytes });
  if (r instanceof Promise) throw new Error('dpkg-status is synchronous');
  return r;
}

function hasTool(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** States in which dpkg has (some of) a package's files on disk; dpkg-query prints the state word. */
const ABSENT = new Set(['not-installed', 'config-files']);

const QUERY_FORMAT = '${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${db:Status-Status}\n';

/**
 * The oracle: dpkg-query run over `statusText` placed as the whole database of a
 * fresh admin dir. Returns `name version arch source source-version` rows for
 * packages whose files are on disk, sorted.
 */
function dpkgQueryRows(statusText: string): string[] {
  const admin = mkdtempSync(join(tmpdir(), 'stockade-dpkg-'));
  try {
    mkdirSync(join(admin, 'updates'));
    mkdirSync(join(admin, 'info'));
    writeFileSync(join(admin, 'status'), statusText);
    const r = spawnSync('dpkg-query', [`--admindir=${admin}`, '-W', '-f', QUERY_FORMAT], { encoding: 'utf8', maxBuffer: 64 << 20 });
    // Exit 1 means "no packages found"; anything else is a failure of the oracle.
    assert.ok(r.status === 0 || r.status === 1, `dpkg-query failed: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'))
      .filter((cols) => !ABSENT.has(cols[5] ?? ''))
      .map((cols) => cols.slice(0, 5).join(' '))
      .sort();
  } finally {
    rmSync(admin, { recursive: true, force: true });
  }
}

function ourRows(packages: ExtractedPackage[] | undefined): string[] {
  return (packages ?? [])
    .map((p) => [p.name, p.version, p.arch ?? '', p.source?.name ?? '', p.source?.version ?? ''].join(' '))
    .sort();
}

/** A consistent copy of the host database: other processes may be installing while we test. */
function hostStatusSnapshot(): string | undefined {
  if (!existsSync('/var/lib/dpkg/status')) return undefined;
  return readFileSync('/var/lib/dpkg/status', 'utf8');
}

test('wants only var/lib/dpkg/status', () => {
  assert.equal(dpkgStatusExtractor.wants('var/lib/dpkg/status', meta('var/lib/dpkg/status')), true);
  for (const p of ['var/lib/dpkg/status-old', 'var/lib/dpkg/status.d/foo', 'x/var/lib/dpkg/status', 'var/lib/dpkg/available']) {
    assert.equal(dpkgStatusExtractor.wants(p, meta(p)), false, p);
  }
});

test('host dpkg database: every installed package as dpkg-query lists it', (t) => {
  const status = hostStatusSnapshot();
  if (!status || !hasTool('dpkg-query', ['--version'])) return t.skip('no host dpkg database or dpkg-query');
  const expected = dpkgQueryRows(status);
  const got = extract(Buffer.from(status));
  assert.ok(expected.length > 10, 'oracle listed too few packages to be a useful check');
  assert.deepEqual(ourRows(got.packages), expected);
  assert.equal(got.warnings, undefined);
});

test('host dpkg database: purl carries name, version without epoch, arch and epoch', (t) => {
  const status = hostStatusSnapshot();
  if (!status || !hasTool('dpkg-query', ['--version'])) return t.skip('no host dpkg database or dpkg-query');
  const byName = new Map<string, { version: string; arch: string }>();
  for (const row of dpkgQueryRows(status)) {
    const [name, version, arch] = row.split(' ');
    byName.set(`${name}|${arch}`, { version: version ?? '', arch: arch ?? '' });
  }
  let withEpoch = 0;
  for (const p of extract(Buffer.from(status)).packages ?? []) {
    const truth = byName.get(`${p.name}|${p.arch ?? ''}`);
    assert.ok(truth, `${p.name} not listed by dpkg-query`);
    const purl = PackageURL.fromString(p.purl);
    assert.equal(purl.type, 'deb');
    assert.equal(purl.namespace, undefined, 'namespace is added by the merge step, not here');
    assert.equal(purl.name, p.name);
    const m = /^([0-9]+):(.*)$/.exec(truth.version);
    assert.equal(purl.version, m ? m[2] : truth.version, p.name);
    assert.equal(purl.qualifiers?.['epoch'], m ? m[1] : undefined, p.name);
    assert.equal(purl.qualifiers?.['arch'], truth.arch, p.name);
    if (m) withEpoch++;
  }
  if (withEpoch === 0) t.diagnostic('host has no package with an epoch; epoch qualifier checked only for absence');
});

test('host dpkg database: Depends and Pre-Depends names as python-debian parses them', (t) => {
  const status = hostStatusSnapshot();
  if (!status) return t.skip('no host dpkg database');
  const py = '/usr/bin/python3';
  if (!hasTool(py, ['-c', 'import debian.deb822'])) return t.skip('python3-debian (the oracle) is not installed');
  // python-debian's relation parser splits off version, arch qualifier and restrictions.
  const script = [
    'import sys, json',
    'from debian import deb822',
    'out = {}',
    'for p in deb822.Packages.iter_paragraphs(sys.stdin):',
    '    if "Package" not in p or "Version" not in p: continue',
    '    if p.get("Status", "").split()[-1:] in (["not-installed"], ["config-files"]): continue',
    '    names = set()',
    '    for field in ("depends", "pre-depends"):',
    '        for group in p.relations[field]:',
    '            for alt in group: names.add(alt["name"])',
    '    out[p["Package"] + "|" + p.get("Architecture", "")] = sorted(names)',
    'print(json.dumps(out))',
  ].join('\n');
  const r = spawnSync(py, ['-c', script], { input: status, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as Record<string, string[]>;
  const packages = extract(Buffer.from(status)).packages ?? [];
  assert.equal(packages.length, Object.keys(expected).length);
  for (const p of packages) {
    assert.deepEqual([...(p.dependsOn ?? [])].sort(), expected[`${p.name}|${p.arch ?? ''}`], p.name);
  }
});

/** The `_golden-native` TSVs: `# ...` comments, a header row, then dpkg-query rows. */
function readGolden(file: string): { exit: number; rows: string[] } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const exit = Number(/^# exit: (-?[0-9]+)/m.exec(lines.join('\n'))?.[1] ?? 'NaN');
  const rows = lines
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('package\t'))
    .map((l) => l.split('\t'))
    .filter((c) => !ABSENT.has((c[6] ?? '').split(' ')[2] ?? ''))
    // dpkg-query printed ${binary:Package} (`name:arch` for Multi-Arch: same); we report the name.
    .map((c) => [(c[0] ?? '').split(':')[0], c[1], c[2], c[3], c[4]].join(' '))
    .sort();
  return { exit, rows };
}

test('corpus status files match the dpkg-query goldens', (t) => {
  const goldenDir = corpusPath('scanner', 'os-pkgdb', '_golden-native');
  if (!goldenDir) return t.skip('corpus os-pkgdb goldens absent');
  const index = JSON.parse(readFileSync(join(goldenDir, 'index.json'), 'utf8')) as Array<{ fixture: string; golden: string; exit: number }>;
  let checked = 0;
  for (const entry of index) {
    if (!entry.golden.includes('/dpkg__') || entry.exit !== 0) continue;
    const fixture = corpusPath('scanner', entry.fixture);
    const golden = corpusPath('scanner', entry.golden);
    if (!fixture || !golden) continue;
    const got = extract(readFileSync(fixture));
    assert.deepEqual(ourRows(got.packages), readGolden(golden).rows, entry.fixture);
    checked++;
  }
  assert.ok(checked >= 5, `only ${checked} dpkg goldens found`);
});

/** Paragraphs of a control file, split the way the format defines them (blank lines). */
function paragraphs(text: string): string[] {
  return text.split(/\n[ \t]*\n/).filter((p) => p.trim() !== '');
}

test('a stanza without Package or Version is a warning and the rest is kept', (t) => {
  for (const name of ['nopackage', 'noversion']) {
    const fixture = corpusPath('scanner', 'os-pkgdb', 'dpkg', 'osv-scalibr', 'dpkg', name);
    if (!fixture) return t.skip('corpus dpkg fixtures absent');
    if (!hasTool('dpkg-query', ['--version'])) return t.skip('dpkg-query absent');
    const text = readFileSync(fixture, 'utf8');
    // dpkg refuses the whole file; with the broken stanza taken out it tells us what the rest holds.
    const repaired = paragraphs(text)
      .filter((p) => /^Package:/m.test(p) && /^Version:/m.test(p))
      .join('\n\n');
    const expected = dpkgQueryRows(`${repaired}\n`);
    assert.ok(expected.length >= 2, name);
    const got = extract(Buffer.from(text));
    assert.deepEqual(ourRows(got.packages), expected, name);
    assert.equal(got.warnings?.length, 1, name);
    assert.match(got.warnings?.[0] ?? '', name === 'nopackage' ? /no Package/ : /no Version/);
  }
});

test('a status file truncated inside a stanza keeps every complete stanza before it', (t) => {
  const status = hostStatusSnapshot();
  if (!status || !hasTool('dpkg-query', ['--version'])) return t.skip('no host dpkg database or dpkg-query');
  const boundary = status.indexOf('\n\nPackage: ', Math.floor(status.length / 2));
  assert.ok(boundary > 0);
  const statusAt = status.indexOf('\nStatus: ', boundary + 2);
  // Cut mid-way through the next stanza's Status value ("Status: in").
  const truncated = status.slice(0, statusAt + 11);
  const expected = dpkgQueryRows(status.slice(0, boundary + 1));
  const got = extract(Buffer.from(truncated));
  assert.deepEqual(ourRows(got.packages), expected);
  assert.ok((got.warnings?.length ?? 0) >= 1, 'the cut stanza must be reported');
});

test('a run of NUL bytes between stanzas (a damaged block) costs a warning, not the database', (t) => {
  const status = hostStatusSnapshot();
  if (!status || !hasTool('dpkg-query', ['--version'])) return t.skip('no host dpkg database or dpkg-query');
  const boundary = status.indexOf('\n\nPackage: ', Math.floor(status.length / 3));
  assert.ok(boundary > 0);
  const damaged = Buffer.concat([
    Buffer.from(status.slice(0, boundary + 2)),
    Buffer.alloc(4096, 0),
    Buffer.from(`\n\n${status.slice(boundary + 2)}`),
  ]);
  const got = extract(damaged);
  assert.deepEqual(ourRows(got.packages), dpkgQueryRows(status));
  assert.ok((got.warnings?.length ?? 0) >= 1);
});

test('a file that is not a control file at all is a malformed_input error', (t) => {
  const invalid = corpusPath('scanner', 'os-pkgdb', 'dpkg', 'osv-scalibr', 'dpkg', 'invalid');
  if (!invalid) return t.skip('corpus dpkg fixtures absent');
  const binaries = ['/bin/ls', '/usr/bin/env'].filter((f) => existsSync(f)).map((f) => readFileSync(f));
  for (const bytes of [...binaries, readFileSync(invalid), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0xff, 0xfe])]) {
    assert.throws(() => extract(bytes), (e: unknown) => e instanceof StockadeError && e.code === 'malformed_input');
  }
});

test('an empty status file is an empty database, not an error', () => {
  const got = extract(Buffer.alloc(0));
  assert.deepEqual(got.packages, []);
});

test('warnings stay bounded on a large garbage file', () => {
  const garbage = Buffer.from(`Package: a\nStatus: install ok installed\nVersion: 1\n${'x\n'.repeat(100_000)}`);
  const got = extract(garbage);
  assert.equal(got.packages?.length, 1);
  assert.ok((got.warnings?.length ?? 0) <= 20);
});

test('status.d (distroless): wants stanza files, not md5sums', () => {
  const yes = ['var/lib/dpkg/status.d/libc6', 'var/lib/dpkg/status.d/base-files'];
  const no = ['var/lib/dpkg/status.d/libc6.md5sums', 'var/lib/dpkg/status.d/', 'var/lib/dpkg/status.d/a/b', 'var/lib/dpkg/status'];
  for (const p of yes) assert.equal(dpkgStatusDExtractor.wants(p, meta(p)), true, p);
  for (const p of no) assert.equal(dpkgStatusDExtractor.wants(p, meta(p)), false, p);
});

test('status.d (distroless): a stanza without Status is installed, others follow dpkg', (t) => {
  const dir = corpusPath('scanner', 'os-pkgdb', 'dpkg', 'osv-scalibr', 'dpkg', 'status.d');
  if (!dir) return t.skip('corpus status.d fixture absent');
  if (!hasTool('dpkg-query', ['--version'])) return t.skip('dpkg-query absent');
  for (const name of readdirSync(dir).filter((n) => !n.endsWith('.md5sums'))) {
    const text = readFileSync(join(dir, name), 'utf8');
    // What dpkg would say had it written the file: status.d stanzas are installed packages.
    const asStatus = paragraphs(text)
      .map((p) => (/^Status:/m.test(p) ? p : `${p.trimEnd()}\nStatus: install ok installed`))
      .join('\n\n');
    const expected = dpkgQueryRows(`${asStatus}\n`);
    assert.ok(expected.length >= 1);
    const path = `var/lib/dpkg/status.d/${name}`;
    const got = dpkgStatusDExtractor.extract({ path, meta: meta(path), bytes: Buffer.from(text) });
    assert.ok(!(got instanceof Promise));
    assert.deepEqual(ourRows(got.packages), expected, name);
  }
});
