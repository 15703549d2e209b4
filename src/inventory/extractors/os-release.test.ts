import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileMeta, OsInfo } from '../../core/types.js';
import { corpusPath } from '../../testing/corpus.js';
import { osReleaseExtractor } from './os-release.js';

const meta = (path: string): FileMeta => ({ path, size: 0, mode: 0o644 });

function extract(path: string, text: string | Buffer) {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const r = osReleaseExtractor.extract({ path, meta: meta(path), bytes });
  if (r instanceof Promise) throw new Error('os-release is synchronous');
  return r;
}

/**
 * os-release is meant to be sourceable by a shell, so bash is the reference reader:
 * it sources the file and prints the four values we use, NUL-separated. Files
 * checked out with CRLF endings (one corpus file is) are read with the CRs
 * dropped: to bash a CR is part of the value, to every os-release reader it is a
 * line ending.
 */
function bashReads(file: string): { ID: string; VERSION_ID: string; PRETTY_NAME: string; VERSION_CODENAME: string } {
  const script = 'set -a; . <(tr -d "\\r" < "$1"); printf "%s\\0" "$ID" "$VERSION_ID" "$PRETTY_NAME" "$VERSION_CODENAME"';
  const r = spawnSync('bash', ['-c', script, 'bash', file], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  assert.equal(r.status, 0, r.stderr);
  const [ID = '', VERSION_ID = '', PRETTY_NAME = '', VERSION_CODENAME = ''] = r.stdout.split('\0');
  return { ID, VERSION_ID, PRETTY_NAME, VERSION_CODENAME };
}

function expectedFromBash(file: string, source: string): OsInfo {
  const v = bashReads(file);
  const os: OsInfo = { family: (v.ID || 'linux').toLowerCase(), version: v.VERSION_ID, source };
  if (v.PRETTY_NAME) os.prettyName = v.PRETTY_NAME;
  if (v.VERSION_CODENAME) os.codename = v.VERSION_CODENAME;
  return os;
}

test('wants os-release and the legacy release files only', () => {
  const yes = ['etc/os-release', 'usr/lib/os-release', 'etc/debian_version', 'etc/alpine-release', 'etc/redhat-release', 'etc/centos-release', 'etc/system-release'];
  const no = ['etc/lsb-release', 'usr/etc/os-release', 'etc/os-release.d/x', 'etc/system-release-cpe', 'x/etc/os-release'];
  for (const p of yes) assert.equal(osReleaseExtractor.wants(p, meta(p)), true, p);
  for (const p of no) assert.equal(osReleaseExtractor.wants(p, meta(p)), false, p);
});

test('real os-release files (host and corpus rootfs) read as bash sources them', (t) => {
  const files: string[] = [];
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) if (existsSync(p)) files.push(p);
  const rootfs = corpusPath('scanner', 'images', 'rootfs');
  if (rootfs) {
    for (const image of readdirSync(rootfs)) {
      for (const rel of ['etc/os-release', 'usr/lib/os-release']) {
        const p = join(rootfs, image, rel);
        if (existsSync(p)) files.push(p);
      }
    }
  }
  if (files.length === 0) return t.skip('no os-release file on this host or in the corpus');
  for (const file of files) {
    const got = extract('etc/os-release', readFileSync(file));
    assert.deepEqual(got.os, expectedFromBash(file, '/etc/os-release'), file);
  }
});

test('os-release quoting rules: the same values bash reads', () => {
  const cases = [
    'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\n',
    "ID='ubuntu'\nVERSION_ID='22.04'\nPRETTY_NAME='Ubuntu 22.04.4 LTS'\n",
    '# comment\n\nID="Fedora"\nVERSION_ID=39\nPRETTY_NAME="Fedora \\"Linux\\" 39 \\$x \\\\ \\` end"\n',
    'ID=opensuse-leap\r\nVERSION_ID="15.5"\r\nPRETTY_NAME="openSUSE Leap 15.5"\r\n',
    'ID=rhel\nVERSION_ID="9.3"\nPRETTY_NAME="a"\'b\'"c"\nVERSION_CODENAME=\n',
    'ID=wolfi\nPRETTY_NAME="Wolfi"\n',
    'NAME="no id"\nVERSION_ID=1\n',
    'ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=Alpine\\ Linux\\ v3.19 # trailing comment\n',
  ];
  const dir = mkdtempSync(join(tmpdir(), 'stockade-osrel-'));
  try {
    cases.forEach((text, i) => {
      const file = join(dir, `os-release-${i}`);
      writeFileSync(file, text);
      assert.deepEqual(extract('usr/lib/os-release', text).os, expectedFromBash(file, '/usr/lib/os-release'), text);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('debian_version and alpine-release: the version is the file content', (t) => {
  const host = '/etc/debian_version';
  if (existsSync(host)) {
    const content = readFileSync(host, 'utf8');
    assert.deepEqual(extract('etc/debian_version', content).os, { family: 'debian', version: content.trim(), source: '/etc/debian_version' });
  } else {
    t.diagnostic('no /etc/debian_version on this host');
  }
  assert.deepEqual(extract('etc/debian_version', 'bookworm/sid\n').os, { family: 'debian', version: 'bookworm/sid', source: '/etc/debian_version' });
  assert.deepEqual(extract('etc/alpine-release', '3.19.1\n').os, { family: 'alpine', version: '3.19.1', source: '/etc/alpine-release' });
});

test('redhat-style release lines: distribution, version and codename', () => {
  // Release lines as these distributions ship them; each expectation restates the line.
  const cases: Array<[string, string, string, string, string | undefined]> = [
    ['etc/redhat-release', 'Red Hat Enterprise Linux release 8.9 (Ootpa)', 'rhel', '8.9', 'Ootpa'],
    ['etc/centos-release', 'CentOS Linux release 7.9.2009 (Core)', 'centos', '7.9.2009', 'Core'],
    ['etc/redhat-release', 'CentOS Stream release 9', 'centos', '9', undefined],
    ['etc/redhat-release', 'Rocky Linux release 9.3 (Blue Onyx)', 'rocky', '9.3', 'Blue Onyx'],
    ['etc/redhat-release', 'AlmaLinux release 9.3 (Shamrock Pink Panther)', 'almalinux', '9.3', 'Shamrock Pink Panther'],
    ['etc/system-release', 'Amazon Linux release 2 (Karoo)', 'amzn', '2', 'Karoo'],
    ['etc/system-release', 'Amazon Linux release 2023.3.20240108 (Amazon Linux)', 'amzn', '2023.3.20240108', 'Amazon Linux'],
    ['etc/system-release', 'Amazon Linux AMI release 2018.03', 'amzn', '2018.03', undefined],
    ['etc/redhat-release', 'Fedora release 39 (Thirty Nine)', 'fedora', '39', 'Thirty Nine'],
    ['etc/system-release', 'Oracle Linux Server release 8.9', 'ol', '8.9', undefined],
  ];
  for (const [path, line, family, version, codename] of cases) {
    const os = extract(path, `${line}\n`).os;
    const expected: OsInfo = { family, version, prettyName: line, source: `/${path}` };
    if (codename) expected.codename = codename;
    assert.deepEqual(os, expected, line);
  }
});

test('unusable release files give a warning, never an exception', () => {
  for (const [path, text] of [
    ['etc/redhat-release', 'something else entirely'],
    ['etc/debian_version', '\n\n'],
    ['etc/os-release', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0])],
  ] as const) {
    const r = extract(path, text);
    assert.equal(r.os, undefined, path);
    assert.equal(r.warnings?.length, 1, path);
  }
});
