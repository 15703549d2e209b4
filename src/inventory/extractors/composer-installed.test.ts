/**
 * Oracle: Composer itself (Debian's `composer`, fully offline). The test has Composer
 * install three local path packages (one with a `v`-prefixed version, one dev-only,
 * license lists, a platform requirement) and compares our reading of
 * vendor/composer/installed.json with `composer show`, `composer show --no-dev` and
 * `composer licenses` over the same install. Composer 1's bare-array layout cannot be
 * produced by Composer 2; that case is a small file written from Composer's docs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCacheDir } from '../../testing/corpus.js';
import { isStockadeError } from '../../core/errors.js';
import { composerInstalledExtractor, parseComposerInstalled } from './composer-installed.js';

const PACKAGES: Record<string, object> = {
  log: { name: 'acme/log', version: '1.13.3', license: ['MIT'], require: { php: '>=7.0', 'ext-json': '*', 'acme/exception': '^1.0' } },
  exc: { name: 'acme/exception', version: 'v1.0.2', license: ['BSD-2-Clause', 'MIT'] },
  dev: { name: 'acme/devtool', version: '2.0.0', license: 'Apache-2.0' },
};
const ROOT = {
  name: 'acme/app',
  repositories: [{ type: 'path', url: 'pkgs/*', options: { symlink: false } }],
  require: { 'acme/log': '*' },
  'require-dev': { 'acme/devtool': '*' },
  'minimum-stability': 'dev',
};

function composer(cwd: string, args: string[]): string {
  return execFileSync('composer', [...args, '--no-interaction', '--no-plugins', '--no-scripts'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
    env: { ...process.env, COMPOSER_HOME: join(cwd, '.composer-home'), COMPOSER_DISABLE_NETWORK: '1' },
  });
}

function composerProject(): string | undefined {
  const key = createHash('sha256').update(JSON.stringify([PACKAGES, ROOT])).digest('hex').slice(0, 16);
  const dir = join(fixtureCacheDir(), `composer-${key}`);
  if (existsSync(join(dir, 'vendor', 'composer', 'installed.json'))) return dir;
  mkdirSync(fixtureCacheDir(), { recursive: true });
  const tmp = mkdtempSync(join(fixtureCacheDir(), 'composer-tmp-'));
  try {
    for (const [sub, manifest] of Object.entries(PACKAGES)) {
      mkdirSync(join(tmp, 'pkgs', sub), { recursive: true });
      writeFileSync(join(tmp, 'pkgs', sub, 'composer.json'), JSON.stringify(manifest));
    }
    writeFileSync(join(tmp, 'composer.json'), JSON.stringify(ROOT));
    composer(tmp, ['install']);
    renameSync(tmp, dir);
    return dir;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    // Another test process may have built the same fixture meanwhile.
    return existsSync(dir) ? dir : undefined;
  }
}

function hasComposer(): boolean {
  try {
    execFileSync('composer', ['--version'], { stdio: 'ignore', env: { ...process.env, COMPOSER_HOME: '/nonexistent' } });
    return true;
  } catch {
    return false;
  }
}

test('installed.json (Composer 2) matches composer show and composer licenses', (t) => {
  if (!hasComposer()) return t.skip('composer not installed (apt-get install -y composer php-cli)');
  const dir = composerProject();
  if (!dir) return t.skip('composer could not install the local fixture packages');
  type Shown = { installed: Array<{ name: string; version: string }> };
  const all = (JSON.parse(composer(dir, ['show', '--format=json'])) as Shown).installed;
  const prod = new Set((JSON.parse(composer(dir, ['show', '--no-dev', '--format=json'])) as Shown).installed.map((p) => p.name));
  const licenses = (JSON.parse(composer(dir, ['licenses', '--format=json'])) as { dependencies: Record<string, { version: string; license: string[] }> }).dependencies;
  const result = parseComposerInstalled('vendor/composer/installed.json', readFileSync(join(dir, 'vendor', 'composer', 'installed.json')));
  const ours = result.packages ?? [];
  assert.deepEqual(ours.map((p) => `${p.name}@${p.version}`).sort(), all.map((p) => `${p.name}@${p.version}`).sort());
  for (const p of ours) {
    assert.deepEqual(p.licenses ?? [], licenses[p.name]?.license ?? [], `${p.name} licenses`);
    assert.equal(p.metadata?.['dev'] === true, !prod.has(p.name), `${p.name} dev`);
    const [vendor, project] = p.name.split('/');
    // purl-spec composer type: namespace = vendor, name = project, version as published.
    assert.equal(p.purl, `pkg:composer/${vendor}/${project}@${p.version}`);
  }
  assert.deepEqual(ours.find((p) => p.name === 'acme/log')?.dependsOn, ['acme/exception']);
});

test('installed.json (Composer 1: a bare array)', () => {
  // Shape from Composer 1's InstalledFilesystemRepository: an array of package objects.
  const v1 = JSON.stringify([
    { name: 'monolog/monolog', version: '1.25.1', version_normalized: '1.25.1.0', license: ['MIT'], require: { php: '>=5.3.0', 'psr/log': '~1.0' } },
    { name: 'psr/log', version: '1.1.0', license: ['MIT'] },
  ]);
  const result = parseComposerInstalled('vendor/composer/installed.json', Buffer.from(v1));
  assert.deepEqual(result.packages?.map((p) => p.purl), ['pkg:composer/monolog/monolog@1.25.1', 'pkg:composer/psr/log@1.1.0']);
  assert.deepEqual(result.packages?.[0]?.dependsOn, ['psr/log']);
  assert.equal(result.packages?.[0]?.metadata?.['versionNormalized'], '1.25.1.0');
});

test('wants vendor/composer/installed.json only', () => {
  const meta = { path: '', size: 1, mode: 0o644 };
  assert.equal(composerInstalledExtractor.wants('var/www/vendor/composer/installed.json', meta), true);
  assert.equal(composerInstalledExtractor.wants('vendor/composer/installed.json', meta), true);
  assert.equal(composerInstalledExtractor.wants('var/www/myvendor/composer/installed.json', meta), false);
  assert.equal(composerInstalledExtractor.wants('vendor/composer/installed.php', meta), false);
  assert.equal(composerInstalledExtractor.wants('installed.json', meta), false);
});

test('malformed files throw, malformed entries warn', () => {
  const malformed = (e: unknown) => isStockadeError(e) && e.code === 'malformed_input';
  for (const bad of ['{', '{"packages": {}}', '"x"', 'null', '['.repeat(50_000) + ']'.repeat(50_000)]) {
    if (bad.startsWith('[[')) {
      // A deep array is an array root: its one item is not an object -> a warning.
      const r = parseComposerInstalled('x', Buffer.from(bad));
      assert.deepEqual(r.packages, []);
      assert.equal(r.warnings?.length, 1);
      continue;
    }
    assert.throws(() => parseComposerInstalled('x', Buffer.from(bad)), malformed, bad.slice(0, 20));
  }
  const mixed = JSON.stringify({ packages: [7, { name: 'noslash', version: '1' }, { name: 'a/b' }, { name: 'a/b', version: '1.0', license: [1, 'MIT'] }] });
  const r = parseComposerInstalled('x', Buffer.from(mixed));
  assert.deepEqual(r.packages?.map((p) => `${p.name}@${p.version}`), ['a/b@1.0']);
  assert.deepEqual(r.packages?.[0]?.licenses, ['MIT']);
  assert.equal(r.warnings?.length, 3);
});
