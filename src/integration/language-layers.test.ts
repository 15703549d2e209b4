// Real packages put into real image layers and read back through the whole image
// path (layout -> verified layer stream -> extractors -> merge). Truth comes from each
// ecosystem's own tool: `npm ls --all --json`, `go version -m`, the jar's
// pom.properties read with `unzip -p`, and `rpm -qa --dbpath`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { scanImage } from '../scan/scan-image.js';
import { DEFAULT_WALK_LIMITS } from '../image/walk-layer.js';
import { fixtureCacheDir } from '../testing/corpus.js';
import { writeOciLayout, type EntrySpec } from '../testing/craft-image.js';
import { rpmFixture } from '../testing/rpm-fixtures.js';

/** Every file, directory and symlink under `root`, as layer entries placed under `prefix`. */
function entriesOf(root: string, prefix: string): EntrySpec[] {
  const out: EntrySpec[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const path = `${prefix}/${relative(root, full)}`;
      const st = lstatSync(full);
      if (st.isSymbolicLink()) out.push({ path, type: 'symlink', linkname: readlinkSync(full) });
      else if (st.isDirectory()) {
        out.push({ path, type: 'dir' });
        walk(full);
      } else if (st.isFile()) out.push({ path, content: readFileSync(full), mode: st.mode & 0o777 });
    }
  };
  walk(root);
  return out;
}

async function scanEntries(layers: EntrySpec[][]) {
  const base = mkdtempSync(join(tmpdir(), 'stockade-lang-'));
  const layout = join(base, 'layout');
  await writeOciLayout(layout, { layers: layers.map((entries) => ({ entries })) });
  const result = await scanImage(layout, { cacheDir: join(base, 'cache'), limits: DEFAULT_WALK_LIMITS });
  rmSync(base, { recursive: true, force: true });
  return result;
}

function npmProject(): string | undefined {
  const dir = join(fixtureCacheDir(), 'integration-npm-v1');
  if (existsSync(join(dir, 'node_modules'))) return dir;
  const tmp = mkdtempSync(join(tmpdir(), 'stockade-npm-'));
  writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'fixture-app', version: '1.0.0', private: true, dependencies: { express: '4.18.2', '@babel/code-frame': '7.22.5', debug: '2.6.9' } }));
  const r = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: tmp, stdio: 'pipe', timeout: 300_000 });
  if (r.status !== 0) return undefined;
  mkdirSync(fixtureCacheDir(), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

interface LsNode {
  version?: string;
  dependencies?: Record<string, LsNode>;
}

test('npm: an installed tree in a layer gives exactly what `npm ls --all` lists', { timeout: 600_000 }, async (t) => {
  const project = npmProject();
  if (!project) return t.skip('npm install failed (no registry access?)');
  const ls = JSON.parse(execFileSync('npm', ['ls', '--all', '--json'], { cwd: project, encoding: 'utf8' })) as LsNode;
  const truth = new Set<string>();
  const visit = (deps: Record<string, LsNode> | undefined) => {
    for (const [name, node] of Object.entries(deps ?? {})) {
      if (node.version) truth.add(`${name}@${node.version}`);
      visit(node.dependencies);
    }
  };
  visit(ls.dependencies);
  const result = await scanEntries([entriesOf(project, 'srv/app')]);
  const found = new Set(result.packages.filter((p) => p.ecosystem === 'npm' && p.foundBy === 'npm-package-json').map((p) => `${p.name}@${p.version}`));
  assert.deepEqual([...found].sort(), [...truth].sort());
  // The lockfile beside an installed tree does not add packages of its own.
  assert.ok(!result.packages.some((p) => p.foundBy === 'npm-package-lock'));
});

function goVersionM(binary: string): { go: string; mods: string[] } {
  const text = execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' });
  const go = /:\s+go(\S+)/.exec(text)?.[1] ?? '';
  const mods: string[] = [];
  const replaced = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'dep' && f[1] && f[2]) mods.push(`${f[1]}@${f[2]}`);
    if (f[0] === '=>' && f[1] && f[2]) replaced.set(mods[mods.length - 1] ?? '', `${mods[mods.length - 1]?.split('@')[0]}@${f[2]}`);
  }
  return { go, mods: mods.map((m) => replaced.get(m) ?? m) };
}

test('Go: a binary from a Debian package in a layer gives what `go version -m` says', { timeout: 300_000 }, async (t) => {
  const binary = ['/usr/bin/restic', '/usr/bin/gh', '/usr/bin/hugo'].find((b) => existsSync(b));
  if (!binary) return t.skip('no Debian Go binary installed (apt-get install restic)');
  if (spawnSync('go', ['version']).status !== 0) return t.skip('go not installed');
  const truth = goVersionM(binary);
  const result = await scanEntries([[{ path: 'usr/bin/app', content: readFileSync(binary), mode: 0o755 }]]);
  const golang = result.packages.filter((p) => p.ecosystem === 'golang');
  const stdlib = golang.find((p) => p.name === 'stdlib');
  assert.equal(stdlib?.version, truth.go.replace(/^(\d+\.\d+)$/, '$1.0'));
  const deps = golang.filter((p) => p.name !== 'stdlib' && p.metadata?.['mainModule'] !== true).map((p) => `${p.name}@${p.version}`);
  for (const m of truth.mods) assert.ok(deps.includes(m), `missing ${m}`);
});

test('Java: jars from Debian packages in a layer give their pom.properties coordinates', { timeout: 300_000 }, async (t) => {
  const jars = ['/usr/share/java/commons-lang3.jar', '/usr/share/java/guava.jar'].filter((j) => existsSync(j));
  if (jars.length === 0 || spawnSync('unzip', ['-v']).status !== 0) return t.skip('Debian lib*-java packages or unzip missing');
  const truth = new Set<string>();
  for (const jar of jars) {
    const entries = execFileSync('unzip', ['-Z1', jar], { encoding: 'utf8' }).split('\n').filter((e) => e.endsWith('/pom.properties'));
    for (const entry of entries) {
      const props = execFileSync('unzip', ['-p', jar, entry], { encoding: 'utf8' });
      const field = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(props)?.[1]?.trim();
      if (field('groupId') && field('artifactId') && field('version')) truth.add(`${field('groupId')}:${field('artifactId')}@${field('version')}`);
    }
  }
  assert.ok(truth.size > 0);
  const result = await scanEntries([jars.map((j, i) => ({ path: `opt/app/lib/${i}-${j.split('/').pop()}`, content: readFileSync(j) }))]);
  const found = new Set(result.packages.filter((p) => p.ecosystem === 'maven').map((p) => `${p.name}@${p.version}`));
  for (const x of truth) assert.ok(found.has(x), `missing ${x} in ${[...found].join(', ')}`);
});

test('rpm: an rpm database built with rpm in a layer gives what `rpm -qa` lists', { timeout: 300_000 }, async (t) => {
  const fixture = rpmFixture();
  if (typeof fixture === 'string') return t.skip(fixture);
  const truth = fixture.truth.filter((r) => r.name !== 'gpg-pubkey').map((r) => `${r.name}@${r.version}-${r.release}`).sort();
  const result = await scanEntries([[{ path: 'var/lib/rpm/rpmdb.sqlite', content: readFileSync(fixture.sqlite) }]]);
  const found = result.packages.filter((p) => p.ecosystem === 'rpm').map((p) => `${p.name}@${p.version}`).sort();
  assert.deepEqual(found, truth);
});
