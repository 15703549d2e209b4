/**
 * Oracles: Yarn itself. The test has Yarn 1 and Yarn 4 (from the npm registry, via
 * npx) install the same project (scoped packages, an `npm:` alias, a package berry
 * patches, duplicates at two majors) and compares our reading of each yarn.lock
 * with `yarn list --json` (classic) and `yarn info -AR --json` (berry).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCacheDir } from '../../testing/corpus.js';
import { isStockadeError } from '../../core/errors.js';
import type { Extraction } from '../extractor.js';
import { packageNameOf, parseYarnLock, yarnLockExtractor } from './yarn-lock.js';

const PROJECT = {
  name: 'stockade-yarn-fixture',
  version: '1.0.0',
  private: true,
  dependencies: <Record<string, string>>{
    express: '4.21.2',
    '@babel/code-frame': '7.26.2',
    'agent-base': '6.0.2',
    'string-width-cjs': 'npm:string-width@4.2.3',
    resolve: '1.22.8',
  },
  devDependencies: { semver: '7.6.3', debug: '3.2.7' },
};
const YARN_CLASSIC = 'yarn@1.22.22';
const YARN_BERRY = '@yarnpkg/cli-dist@4.9.2';
const BERRY_RC = 'nodeLinker: node-modules\nnpmRegistryServer: "https://registry.npmjs.org"\nenableTelemetry: false\nenableGlobalCache: false\n';

function run(cwd: string, args: string[]): string {
  return execFileSync('npx', ['--yes', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
}

/** Installs the project with one Yarn generation; cached by inputs. */
function yarnProject(flavor: 'classic' | 'berry'): string | undefined {
  const tool = flavor === 'classic' ? YARN_CLASSIC : YARN_BERRY;
  const key = createHash('sha256').update(JSON.stringify([PROJECT, tool, BERRY_RC])).digest('hex').slice(0, 16);
  const dir = join(fixtureCacheDir(), `yarn-${flavor}-${key}`);
  if (existsSync(join(dir, 'yarn.lock'))) return dir;
  mkdirSync(fixtureCacheDir(), { recursive: true });
  const tmp = mkdtempSync(join(fixtureCacheDir(), 'yarn-tmp-'));
  try {
    writeFileSync(join(tmp, 'package.json'), JSON.stringify(PROJECT, null, 2));
    if (flavor === 'classic') {
      run(tmp, [tool, 'install', '--ignore-scripts', '--non-interactive', '--no-progress']);
    } else {
      writeFileSync(join(tmp, '.yarnrc.yml'), BERRY_RC);
      writeFileSync(join(tmp, 'yarn.lock'), '');
      run(tmp, [tool, 'install', '--mode=skip-build']);
    }
    renameSync(tmp, dir);
    return dir;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    // Another test process may have built the same fixture meanwhile.
    return existsSync(dir) ? dir : undefined;
  }
}

function ids(result: Extraction): string[] {
  return (result.packages ?? []).map((p) => `${p.name}@${p.version}`).sort();
}

/** `yarn list` names an alias by its alias; the lock's entry is the real package. */
function realName(listed: string): string {
  const at = listed.indexOf('@', 1);
  const spec = (PROJECT.dependencies as Record<string, string>)[listed.slice(0, at)];
  if (!spec?.startsWith('npm:')) return listed;
  return `${spec.slice(4, spec.indexOf('@', 5))}${listed.slice(at)}`;
}

interface ClassicTree { name: string; shadow?: boolean; children?: ClassicTree[] }

test('yarn 1 lockfile matches yarn list', (t) => {
  const dir = yarnProject('classic');
  if (!dir) return t.skip('yarn 1 could not install the fixture (no registry access?)');
  const listed = JSON.parse(run(dir, [YARN_CLASSIC, 'list', '--json', '--no-progress'])) as { data: { trees: ClassicTree[] } };
  const truth = new Set<string>();
  const stack = [...listed.data.trees];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!node.shadow) truth.add(realName(node.name));
    stack.push(...(node.children ?? []));
  }
  const result = parseYarnLock('yarn.lock', readFileSync(join(dir, 'yarn.lock')));
  assert.ok(truth.has('string-width@4.2.3'));
  assert.deepEqual(ids(result), [...truth].sort());
  assert.equal(result.warnings, undefined);
  const express = result.packages?.find((p) => p.name === 'express');
  assert.ok(express?.dependsOn?.includes('body-parser'));
});

test('yarn 4 (berry) lockfile matches yarn info -AR', (t) => {
  const dir = yarnProject('berry');
  if (!dir) return t.skip('yarn 4 could not install the fixture (no registry access?)');
  const lines = run(dir, [YARN_BERRY, 'info', '-AR', '--json']).split('\n').filter((l) => l.trim() !== '');
  const truth = new Set<string>();
  for (const line of lines) {
    const item = JSON.parse(line) as { value: string; children: { Version?: string } };
    if (item.value.includes('@workspace:')) continue; // the project itself
    const at = item.value.indexOf('@', 1);
    truth.add(`${item.value.slice(0, at)}@${item.children.Version}`);
  }
  const result = parseYarnLock('yarn.lock', readFileSync(join(dir, 'yarn.lock')));
  assert.ok(truth.has('resolve@1.22.8') && truth.has('string-width@4.2.3'));
  assert.deepEqual(ids(result), [...truth].sort());
  assert.equal(result.warnings, undefined);
});

test('descriptor forms', () => {
  // Forms documented by Yarn (protocols page) and npm (aliases).
  assert.deepEqual(packageNameOf('@babel/code-frame@^7.0.0'), { name: '@babel/code-frame', range: '^7.0.0' });
  assert.deepEqual(packageNameOf('@babel/code-frame@npm:^7'), { name: '@babel/code-frame', range: 'npm:^7' });
  assert.deepEqual(packageNameOf('sw@npm:string-width@^4.2.0'), { name: 'string-width', range: '^4.2.0' });
  assert.deepEqual(packageNameOf('sw@npm:@scope/x@1.0.0'), { name: '@scope/x', range: '1.0.0' });
  assert.equal(packageNameOf('resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>')?.name, 'resolve');
  assert.equal(packageNameOf('@babel'), undefined);
});

test('workspace, link and portal entries are the project, not packages', () => {
  const berry = [
    '__metadata:\n  version: 8\n',
    '"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n  languageName: unknown\n  linkType: soft\n',
    '"lib@link:../lib::locator=app%40workspace%3A.":\n  version: 0.0.0-use.local\n  resolution: "lib@link:../lib::locator=app%40workspace%3A."\n',
    '"p@portal:../p::locator=app%40workspace%3A.":\n  version: 0.0.0-use.local\n  resolution: "p@portal:../p::locator=app%40workspace%3A."\n',
    '"ms@npm:2.1.3":\n  version: 2.1.3\n  resolution: "ms@npm:2.1.3"\n',
  ].join('\n');
  assert.deepEqual(ids(parseYarnLock('yarn.lock', Buffer.from(berry))), ['ms@2.1.3']);
  const classic = '# yarn lockfile v1\n\n"lib@file:../lib":\n  version "1.0.0"\n\nms@^2.1.3:\n  version "2.1.3"\n  resolved "https://registry.yarnpkg.com/ms/-/ms-2.1.3.tgz#574c8138ce1d2b5861f0b44579dbadd60c6615b2"\n';
  assert.deepEqual(ids(parseYarnLock('yarn.lock', Buffer.from(classic))), ['ms@2.1.3']);
});

test('wants yarn.lock outside node_modules', () => {
  const meta = { path: '', size: 1, mode: 0o644 };
  assert.equal(yarnLockExtractor.wants('yarn.lock', meta), true);
  assert.equal(yarnLockExtractor.wants('app/yarn.lock', meta), true);
  assert.equal(yarnLockExtractor.wants('app/node_modules/x/yarn.lock', meta), false);
  assert.equal(yarnLockExtractor.wants('app/myyarn.lock', meta), false);
  assert.equal(yarnLockExtractor.wants('app/yarn.lock.bak', meta), false);
});

test('malformed and hostile lockfiles', () => {
  const malformed = (e: unknown) => isStockadeError(e) && e.code === 'malformed_input';
  assert.throws(() => parseYarnLock('yarn.lock', Buffer.from('a@^1:\n  version "1\n')), malformed);
  assert.throws(() => parseYarnLock('yarn.lock', Buffer.from('__metadata:\n  version: 8\n"a@npm:1": [\n')), malformed);
  assert.throws(() => parseYarnLock('yarn.lock', Buffer.from('__metadata: x\n' + '['.repeat(50_000))), malformed);
  // A billion-laughs alias bomb is refused, not expanded.
  let bomb = '__metadata:\n  version: 8\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 10; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
  assert.throws(() => parseYarnLock('yarn.lock', Buffer.from(bomb)), malformed);
  // Bad single entries warn; the rest is kept.
  const mixed = '__metadata:\n  version: 8\n\n"x@npm:1": oops\n\n"y@npm:1":\n  version: 1.0.0\n\n"ms@npm:2.1.3":\n  version: 2.1.3\n  resolution: "ms@npm:2.1.3"\n';
  const result = parseYarnLock('yarn.lock', Buffer.from(mixed));
  assert.deepEqual(ids(result), ['ms@2.1.3']);
  assert.equal(result.warnings?.length, 2);
});
