import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FileMeta } from '../../core/types.js';
import { corpusPath } from '../../testing/corpus.js';
import { dpkgFileListExtractor } from './dpkg-file-list.js';

const meta = (path: string): FileMeta => ({ path, size: 0, mode: 0o644 });

function extract(path: string, bytes: Buffer) {
  const r = dpkgFileListExtractor.extract({ path, meta: meta(path), bytes });
  if (r instanceof Promise) throw new Error('dpkg-file-list is synchronous');
  return r;
}

test('wants info/*.list and status.d/*.md5sums only', () => {
  const yes = ['var/lib/dpkg/info/bash.list', 'var/lib/dpkg/info/libc6:amd64.list', 'var/lib/dpkg/status.d/libc6.md5sums'];
  const no = [
    'var/lib/dpkg/info/bash.md5sums',
    'var/lib/dpkg/info/.list',
    'var/lib/dpkg/info/sub/x.list',
    'var/lib/dpkg/status.d/libc6',
    'var/lib/dpkg/status',
    'usr/var/lib/dpkg/info/bash.list',
  ];
  for (const p of yes) assert.equal(dpkgFileListExtractor.wants(p, meta(p)), true, p);
  for (const p of no) assert.equal(dpkgFileListExtractor.wants(p, meta(p)), false, p);
});

test('host info/*.list files give the paths dpkg-query -L lists', (t) => {
  const info = '/var/lib/dpkg/info';
  if (!existsSync(info) || spawnSync('dpkg-query', ['--version']).status !== 0) return t.skip('no host dpkg database or dpkg-query');
  const lists = readdirSync(info).filter((n) => n.endsWith('.list')).sort();
  // A spread sample (every multi-arch one plus every 12th) keeps the run short.
  const sample = lists.filter((n, i) => n.includes(':') || i % 12 === 0);
  assert.ok(sample.length > 5);
  let compared = 0;
  for (const name of sample) {
    const pkg = name.slice(0, -'.list'.length);
    const bytes = readFileSync(join(info, name));
    const q = spawnSync('dpkg-query', ['-L', pkg], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (q.status !== 0) continue; // removed meanwhile by a concurrent apt run
    // dpkg-query adds diversion notes ("diverted by ...", "package diverts others to: ..."): paths only.
    const expected = q.stdout.split('\n').filter((l) => l.startsWith('/') && l !== '/.');
    const got = extract(`var/lib/dpkg/info/${name}`, bytes);
    assert.equal(got.ownership?.length, 1);
    assert.equal(got.ownership?.[0]?.ecosystem, 'deb');
    assert.equal(got.ownership?.[0]?.packageName, pkg);
    assert.deepEqual(got.ownership?.[0]?.files, expected, pkg);
    compared++;
  }
  assert.ok(compared > 5);
});

test('status.d md5sums: every listed path, made absolute', (t) => {
  const file = corpusPath('scanner', 'os-pkgdb', 'dpkg', 'osv-scalibr', 'dpkg', 'status.d', 'foo.md5sums');
  if (!file) return t.skip('corpus status.d fixture absent');
  // coreutils reads the format for us: `md5sum -c` prints "<path>: <OK|FAILED ...>" per entry.
  const check = spawnSync('md5sum', ['-c', file], { cwd: '/', encoding: 'utf8' });
  const lines = check.stdout.split('\n').filter((l) => l.includes(': '));
  const expected = lines.map((l) => `/${l.slice(0, l.lastIndexOf(': '))}`);
  assert.ok(expected.length >= 3);
  const got = extract('var/lib/dpkg/status.d/foo.md5sums', readFileSync(file));
  assert.equal(got.ownership?.[0]?.packageName, 'foo');
  assert.deepEqual(got.ownership?.[0]?.files, expected);
});

test('the root marker /. and blank lines are dropped; garbage lines are counted in one warning', () => {
  const bytes = Buffer.from('/.\n/usr\n/usr/bin/x\n\nrelative/path\n\u0000\u0001\n/etc/y\n');
  const got = extract('var/lib/dpkg/info/x.list', bytes);
  assert.deepEqual(got.ownership?.[0]?.files, ['/usr', '/usr/bin/x', '/etc/y']);
  assert.equal(got.warnings?.length, 1);
  assert.match(got.warnings?.[0] ?? '', /^2 line/);
});
