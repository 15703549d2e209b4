/**
 * Real rpm databases for the rpm extractor tests, built with the distribution's own
 * rpm tools and cached under fixtureCacheDir():
 *
 * - a few tiny packages made with rpmbuild (epochs, licenses, files, a subpackage,
 *   requires on names, capabilities and files), installed with
 *   `rpm -i --justdb --nodeps` into an sqlite rpmdb (the backend Debian's rpm writes),
 *   plus a gpg-pubkey pseudo package from `rpm --import`;
 * - the same header blobs loaded into Berkeley DB hash files with db_load (Debian's
 *   rpm only reads BDB), in both byte orders and several page sizes and fill factors;
 * - the truth, from `rpm -qa` / `rpm -q --whatprovides` over those databases.
 *
 * Test-only: nothing in the product imports this.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureCacheDir } from './corpus.js';

const BUILDER_VERSION = 4;

/** One row of `rpm -qa` truth. `epoch` is '(none)' when the header has no EPOCH tag. */
export interface RpmTruthRow {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  sourcerpm: string;
  license: string;
}

export interface RpmFixture {
  dir: string;
  /** Path of the sqlite rpmdb (rpm's own). */
  sqlite: string;
  /** Berkeley DB hash Packages files, one per variant, all holding the same headers. */
  bdb: Array<{ variant: string; path: string }>;
  /** Built package files. */
  rpms: string[];
  /** `rpm -qa` rows over the sqlite db, gpg-pubkey included, sorted by name. */
  truth: RpmTruthRow[];
  /** name -> files as `rpm -ql` lists them. */
  files: Record<string, string[]>;
  /** source rpm file name -> its name and version-release, from `rpm -qp` on the built .src.rpm. */
  sources: Record<string, { name: string; version: string }>;
  /** name -> installed package names that provide what it requires (`rpm -q --whatprovides`), rpmlib() excluded. */
  depends: Record<string, string[]>;
}

export const RPM_QUERY_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t%{LICENSE}\\n';

const SPECS: Record<string, string> = {
  'base-stockade': `
Name: base-stockade
Version: 2.0
Release: 1
Summary: base
License: GPL-2.0-only
BuildArch: noarch
Provides: stockade-shell = 2.0
%description
base
%install
mkdir -p %{buildroot}/usr/bin
printf '#!/bin/true\\n' > %{buildroot}/usr/bin/stockade-sh
chmod 755 %{buildroot}/usr/bin/stockade-sh
%files
/usr/bin/stockade-sh
`,
  'hello-stockade': `
Name: hello-stockade
Epoch: 3
Version: 1.2.3
Release: 4.fc1
Summary: hello
License: MIT AND (Apache-2.0 OR GPL-2.0-or-later)
BuildArch: noarch
Requires: stockade-shell
Requires: /usr/bin/stockade-sh
Requires: base-stockade >= 2.0
Requires: not-installed-capability(x)
%description
hello
%install
mkdir -p %{buildroot}/usr/share/hello-stockade/sub %{buildroot}/etc
echo hi > %{buildroot}/usr/share/hello-stockade/a.txt
echo there > %{buildroot}/usr/share/hello-stockade/sub/b.txt
echo cfg > %{buildroot}/etc/hello-stockade.conf
%files
/usr/share/hello-stockade
%config /etc/hello-stockade.conf
`,
  // Many long file names make a header of several pages, to exercise overflow chains.
  'big-stockade': `
%define debug_package %{nil}
Name: big-stockade
Epoch: 0
Version: 0.9
Release: 7
Summary: big
License: BSD-3-Clause
%description
big
%package -n libbig-stockade
Summary: lib
License: Zlib
Requires: big-stockade = 0:%{version}-%{release}
%description -n libbig-stockade
lib
%install
mkdir -p %{buildroot}/usr/share/big-stockade %{buildroot}/usr/lib/libbig
for i in $(seq 1 300); do echo $i > %{buildroot}/usr/share/big-stockade/a-rather-long-file-name-to-grow-the-header-$i.txt; done
echo so > %{buildroot}/usr/lib/libbig/libbig.so.1
%files
/usr/share/big-stockade
%files -n libbig-stockade
/usr/lib/libbig
`,
};

/** Berkeley DB layouts to produce: byte order, page size, fill factor (1 forces many buckets). */
const BDB_VARIANTS = [
  { variant: 'le-512-ff1', lorder: 1234, pagesize: 512, ffactor: 1 },
  { variant: 'be-4096', lorder: 4321, pagesize: 4096, ffactor: 0 },
  { variant: 'be-1024-ff2', lorder: 4321, pagesize: 1024, ffactor: 2 },
];

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...options });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error?.message}`);
  }
  return r;
}

function hasTool(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Why the fixture cannot be built here, or undefined when it can. */
export function rpmToolsMissing(): string | undefined {
  for (const [cmd, args] of [
    ['rpm', ['--version']],
    ['rpmbuild', ['--version']],
    ['sqlite3', ['--version']],
    ['db_load', ['-V']],
  ] as const) {
    if (!hasTool(cmd, [...args])) return `${cmd} is not installed (Debian packages rpm, sqlite3, db-util)`;
  }
  return undefined;
}

/** `rpm -qa` rows for a database directory, with an optional backend. */
export function rpmQueryAll(dbDir: string, backend?: string): RpmTruthRow[] {
  const args = ['-qa', '--dbpath', dbDir, '--qf', RPM_QUERY_FORMAT];
  if (backend) args.unshift('--define', `_db_backend ${backend}`);
  return parseTruth(run('rpm', args).stdout);
}

function parseTruth(text: string): RpmTruthRow[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [name = '', epoch = '', version = '', release = '', arch = '', sourcerpm = '', license = ''] = l.split('\t');
      return { name, epoch, version, release, arch, sourcerpm, license };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Loads header blobs (hnum -> blob) into a Berkeley DB hash file the way rpm keys them. */
export function writeBdbPackages(
  path: string,
  blobs: Array<{ hnum: number; blob: Buffer }>,
  layout: { lorder: number; pagesize: number; ffactor: number },
): void {
  const key = (n: number): string => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b.toString('hex');
  };
  const maxHnum = blobs.reduce((m, b) => Math.max(m, b.hnum), 0);
  const lines = ['VERSION=3', 'format=bytevalue', 'type=hash', 'HEADER=END', ` ${key(0)}`, ` ${key(maxHnum + 1)}`];
  for (const { hnum, blob } of blobs) lines.push(` ${key(hnum)}`, ` ${blob.toString('hex')}`);
  lines.push('DATA=END', '');
  const args = ['-t', 'hash', '-c', `db_lorder=${layout.lorder}`, '-c', `db_pagesize=${layout.pagesize}`];
  if (layout.ffactor > 0) args.push('-c', `h_ffactor=${layout.ffactor}`);
  run('db_load', [...args, path], { input: lines.join('\n') });
}

/** hnum and blob of every row of an rpm sqlite database, read with the sqlite3 CLI. */
export function sqliteBlobs(sqlitePath: string): Array<{ hnum: number; blob: Buffer }> {
  return run('sqlite3', [sqlitePath, 'SELECT hnum, hex(blob) FROM Packages ORDER BY hnum'])
    .stdout.split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [hnum = '', hex = ''] = l.split('|');
      return { hnum: Number(hnum), blob: Buffer.from(hex, 'hex') };
    });
}

function cacheKey(): string {
  const h = createHash('sha256');
  h.update(String(BUILDER_VERSION));
  h.update(JSON.stringify(SPECS));
  h.update(JSON.stringify(BDB_VARIANTS));
  h.update(run('rpm', ['--version']).stdout);
  return h.digest('hex').slice(0, 16);
}

function build(dir: string): void {
  // gpg-agent's socket path must stay short, so its home is a short temp dir.
  const gnupgHome = mkdtempSync(join(tmpdir(), 'sk-gpg-'));
  const env = { ...process.env, HOME: dir, GNUPGHOME: gnupgHome, LC_ALL: 'C' };
  try {
    buildWith(dir, env);
  } finally {
    spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
    rmSync(gnupgHome, { recursive: true, force: true });
  }
}

function buildWith(dir: string, env: NodeJS.ProcessEnv): void {
  const top = join(dir, 'rpmbuild');
  for (const [name, spec] of Object.entries(SPECS)) {
    const specPath = join(dir, `${name}.spec`);
    writeFileSync(specPath, spec.trimStart());
    run(
      'rpmbuild',
      [
        '--define', `_topdir ${top}`,
        '--define', '_build_id_links none',
        '--define', '__os_install_post %{nil}',
        '--nodeps', '-ba', specPath,
      ],
      { env },
    );
  }
  const rpms = listRpms(join(top, 'RPMS'));
  const sources: RpmFixture['sources'] = {};
  for (const srpm of listRpms(join(top, 'SRPMS'), true)) {
    const [name = '', version = ''] = run('rpm', ['-qp', '--qf', '%{NAME}\\t%{VERSION}-%{RELEASE}', srpm]).stdout.split('\t');
    sources[srpm.slice(srpm.lastIndexOf('/') + 1)] = { name, version };
  }
  const db = join(dir, 'sqlite');
  mkdirSync(db);
  run('rpm', ['--initdb', '--dbpath', db], { env });
  run('rpm', ['-i', '--justdb', '--nodeps', '--noscripts', '--dbpath', db, ...rpms], { env });
  // A gpg-pubkey pseudo package, as every signed distribution has, when gpg can make a key.
  if (hasTool('gpg', ['--version'])) {
    run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Stockade Fixture <fixture@example.invalid>', 'ed25519', 'sign', 'never'], { env });
    const key = run('gpg', ['--armor', '--export', 'fixture@example.invalid'], { env }).stdout;
    writeFileSync(join(dir, 'key.asc'), key);
    run('rpm', ['--dbpath', db, '--import', join(dir, 'key.asc')], { env });
  }
  const truth = rpmQueryAll(db);
  const files: Record<string, string[]> = {};
  const depends: Record<string, string[]> = {};
  for (const row of truth) {
    if (row.name === 'gpg-pubkey') continue;
    files[row.name] = run('rpm', ['-q', '--dbpath', db, '--qf', '[%{FILENAMES}\\n]', row.name]).stdout.split('\n').filter((l) => l !== '');
    const requires = run('rpm', ['-q', '--dbpath', db, '--qf', '[%{REQUIRENAME}\\n]', row.name]).stdout.split('\n').filter((l) => l !== '' && !l.startsWith('rpmlib('));
    depends[row.name] = whatProvides(db, requires, row.name);
  }
  const blobs = sqliteBlobs(join(db, 'rpmdb.sqlite'));
  const bdb: RpmFixture['bdb'] = [];
  for (const v of BDB_VARIANTS) {
    const vdir = join(dir, `bdb-${v.variant}`);
    mkdirSync(vdir);
    writeBdbPackages(join(vdir, 'Packages'), blobs, v);
    // The fixture is only useful if rpm itself reads it as the same database.
    const fromBdb = rpmQueryAll(vdir, 'bdb_ro');
    if (JSON.stringify(fromBdb) !== JSON.stringify(truth)) throw new Error(`rpm reads the ${v.variant} BDB differently from the sqlite db`);
    bdb.push({ variant: v.variant, path: join(vdir, 'Packages') });
  }
  const fixture: RpmFixture = { dir, sqlite: join(db, 'rpmdb.sqlite'), bdb, rpms, truth, files, sources, depends };
  writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fixture, null, 1));
}

/** Installed package names providing each capability, per `rpm -q --whatprovides`. */
export function whatProvides(db: string, capabilities: string[], self: string): string[] {
  const names = new Set<string>();
  for (const cap of new Set(capabilities)) {
    const r = spawnSync('rpm', ['-q', '--dbpath', db, '--qf', '%{NAME}\\n', '--whatprovides', cap], { encoding: 'utf8' });
    // Exit 1 with "no package provides" is an answer, not a failure.
    if (r.status !== 0) continue;
    for (const n of r.stdout.split('\n')) if (n !== '') names.add(n);
  }
  names.delete(self);
  return [...names].sort();
}

/** .rpm files under RPMS/<arch>/ or, flat, under SRPMS/. */
function listRpms(dir: string, flat = false): string[] {
  const out: string[] = [];
  if (flat) {
    for (const f of readdirSync(dir)) if (f.endsWith('.rpm')) out.push(join(dir, f));
  } else {
    for (const sub of readdirSync(dir)) for (const f of readdirSync(join(dir, sub))) if (f.endsWith('.rpm')) out.push(join(dir, sub, f));
  }
  return out.sort();
}

/** Builds (or reuses) the fixture. Returns a skip reason when the tools are missing. */
export function rpmFixture(): RpmFixture | string {
  const missing = rpmToolsMissing();
  if (missing) return missing;
  const dir = join(fixtureCacheDir(), `rpmdb-${cacheKey()}`);
  const done = join(dir, 'fixture.json');
  if (!existsSync(done)) {
    mkdirSync(fixtureCacheDir(), { recursive: true });
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    mkdirSync(tmp);
    try {
      build(tmp);
      // Paths inside fixture.json name the tmp dir: rewrite them for the final place.
      const text = readFileSync(join(tmp, 'fixture.json'), 'utf8').split(tmp).join(dir);
      writeFileSync(join(tmp, 'fixture.json'), text);
      try {
        renameSync(tmp, dir);
      } catch {
        // Another test process finished first; its copy is as good as ours.
        rmSync(tmp, { recursive: true, force: true });
      }
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  return JSON.parse(readFileSync(done, 'utf8')) as RpmFixture;
}

/** Golden TSV (name epoch version release arch sourcerpm license ...) as RpmTruthRows. */
export function readRpmGolden(file: string): RpmTruthRow[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const header = (lines.shift() ?? '').split('\t');
  const col = (cols: string[], name: string): string => cols[header.indexOf(name)] ?? '';
  return lines.map((l) => {
    const c = l.split('\t');
    const epoch = col(c, 'epoch');
    return {
      name: col(c, 'name'),
      // The native goldens print EPOCHNUM (0 when absent); the extractor keeps "absent" apart.
      epoch: epoch === '' ? '(none)' : epoch,
      version: col(c, 'version'),
      release: col(c, 'release'),
      arch: col(c, 'arch'),
      sourcerpm: col(c, 'sourcerpm'),
      license: col(c, 'license'),
    };
  });
}
