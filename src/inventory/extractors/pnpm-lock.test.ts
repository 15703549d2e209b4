/**
 * Oracle: pnpm itself. pnpm 7, 8 and 9 (lockfile 5.4, 6.0 and 9.0, fetched from the
 * npm registry with npx) install the same project (scoped packages, an `npm:` alias,
 * a peer-dependent package, dev and optional dependencies); each lockfile is compared
 * with `pnpm ls --json --depth Infinity` of the same pnpm over the same install.
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
import { parsePnpmKey, parsePnpmLock, pnpmLockExtractor } from './pnpm-lock.js';

const PROJECT = {
  name: 'stockade-pnpm-fixture',
  version: '1.0.0',
  private: true,
  dependencies: {
    express: '4.21.2',
    '@babel/code-frame': '7.26.2',
    'agent-base': '6.0.2',
    'string-width-cjs': 'npm:string-width@4.2.3',
    react: '18.2.0',
    'react-dom': '18.2.0',
  },
  devDependencies: { semver: '7.6.3', debug: '3.2.7' },
  optionalDependencies: { fsevents: '2.3.3' },
};

const PNPM = { '5.4': 'pnpm@7.33.7', '6.0': 'pnpm@8.15.9', '9.0': 'pnpm@9.15.9' } as const;
type LockVersion = keyof typeof PNPM;

function pnpm(cwd: string, tool: string, args: string[]): string {
  return execFileSync('npx', ['--yes', tool, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
}

function pnpmProject(lockVersion: LockVersion): string | undefined {
  const tool = PNPM[lockVersion];
  const key = createHash('sha256').update(JSON.stringify([PROJECT, tool])).digest('hex').slice(0, 16);
  const dir = join(fixtureCacheDir(), `pnpm-${lockVersion}-${key}`);
  if (existsSync(join(dir, 'pnpm-lock.yaml'))) return dir;
  mkdirSync(fixtureCacheDir(), { recursive: true });
  const tmp = mkdtempSync(join(fixtureCacheDir(), 'pnpm-tmp-'));
  try {
    writeFileSync(join(tmp, 'package.json'), JSON.stringify(PROJECT, null, 2));
    pnpm(tmp, tool, ['install', '--ignore-scripts', '--reporter=silent']);
    renameSync(tmp, dir);
    return dir;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    // Another test process may have built the same fixture meanwhile.
    return existsSync(dir) ? dir : undefined;
  }
}

interface LsNode { from?: string; version?: string; dependencies?: Record<string, LsNode>; optionalDependencies?: Record<string, LsNode> }
interface LsRoot { dependencies?: Record<string, LsNode>; devDependencies?: Record<string, LsNode>; optionalDependencies?: Record<string, LsNode> }

/** name@version reachable from the given top-level groups, by pnpm's own tree. */
function reachable(roots: Array<Record<string, LsNode> | undefined>): Set<string> {
  const out = new Set<string>();
  const stack: Array<[string, LsNode]> = [];
  for (const r of roots) stack.push(...Object.entries(r ?? {}));
  while (stack.length > 0) {
    const [key, node] = stack.pop()!;
    if (!node.version || node.version.startsWith('link:')) continue;
    const id = `${node.from ?? key}@${node.version}`;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...Object.entries(node.dependencies ?? {}), ...Object.entries(node.optionalDependencies ?? {}));
  }
  return out;
}

function ids(result: Extraction): string[] {
  return (result.packages ?? []).map((p) => `${p.name}@${p.version}`).sort();
}

for (const lockVersion of Object.keys(PNPM) as LockVersion[]) {
  test(`lockfile ${lockVersion} matches pnpm ls (${PNPM[lockVersion]})`, (t) => {
    const dir = pnpmProject(lockVersion);
    if (!dir) return t.skip(`${PNPM[lockVersion]} could not install the fixture (no registry access?)`);
    const lockText = readFileSync(join(dir, 'pnpm-lock.yaml'));
    assert.ok(lockText.toString('utf8').includes(`lockfileVersion: ${lockVersion === '5.4' ? '5.4' : `'${lockVersion}'`}`));
    const [root] = JSON.parse(pnpm(dir, PNPM[lockVersion], ['ls', '--json', '--depth', 'Infinity'])) as LsRoot[];
    assert.ok(root);
    const all = reachable([root.dependencies, root.devDependencies, root.optionalDependencies]);
    const result = parsePnpmLock('pnpm-lock.yaml', lockText);
    assert.ok(all.has('string-width@4.2.3') && all.has('react-dom@18.2.0'));
    assert.deepEqual(ids(result), [...all].sort());
    assert.equal(result.warnings, undefined);
    if (lockVersion !== '9.0') {
      // dev = reachable from devDependencies only (5.x/6.x record it; 9.x does not).
      const prod = reachable([root.dependencies, root.optionalDependencies]);
      const devOnly = [...all].filter((id) => !prod.has(id)).sort();
      assert.ok(devOnly.includes('semver@7.6.3'));
      const flagged = (result.packages ?? []).filter((p) => p.metadata?.['dev'] === true).map((p) => `${p.name}@${p.version}`).sort();
      assert.deepEqual(flagged, devOnly);
    }
    const fsevents = result.packages?.find((p) => p.name === 'fsevents');
    assert.equal(fsevents?.metadata?.['optional'], true);
    const reactDom = result.packages?.find((p) => p.name === 'react-dom');
    assert.ok(reactDom?.dependsOn?.includes('loose-envify'));
  });
}

test('package key styles', () => {
  // Key forms as pnpm writes them (pnpm/spec lockfile docs, and the fixtures above).
  assert.deepEqual(parsePnpmKey('/react-dom/18.2.0_react@18.2.0', true), { name: 'react-dom', version: '18.2.0' });
  assert.deepEqual(parsePnpmKey('/@babel/code-frame/7.26.2', true), { name: '@babel/code-frame', version: '7.26.2' });
  assert.deepEqual(parsePnpmKey('/lodash_fp/1.0.0', true), { name: 'lodash_fp', version: '1.0.0' });
  assert.deepEqual(parsePnpmKey('/x/1.0.0_@babel+core@7.0.0', true), { name: 'x', version: '1.0.0' });
  assert.equal(parsePnpmKey('registry.example.com/x/1.0.0', true), undefined);
  assert.deepEqual(parsePnpmKey('/react-dom@18.2.0(react@18.2.0)', false), { name: 'react-dom', version: '18.2.0' });
  assert.deepEqual(parsePnpmKey('/@babel/code-frame@7.26.2', false), { name: '@babel/code-frame', version: '7.26.2' });
  assert.deepEqual(parsePnpmKey('@types/node@20.17.10', false), { name: '@types/node', version: '20.17.10' });
  assert.equal(parsePnpmKey('@types/node', false), undefined);
});

test('local directories are the project, git entries keep their version', () => {
  const lock = [
    "lockfileVersion: '9.0'",
    'packages:',
    '  mylib@file:../mylib:',
    '    resolution: {directory: ../mylib, type: directory}',
    '  gitpkg@https://codeload.github.com/u/gitpkg/tar.gz/0123456789abcdef0123456789abcdef01234567:',
    '    resolution: {tarball: https://codeload.github.com/u/gitpkg/tar.gz/0123456789abcdef0123456789abcdef01234567}',
    '    version: 1.2.3',
    '  ms@2.1.3:',
    '    resolution: {integrity: sha512-x}',
    'snapshots:',
    '  ms@2.1.3: {}',
    '',
  ].join('\n');
  assert.deepEqual(ids(parsePnpmLock('pnpm-lock.yaml', Buffer.from(lock))), ['gitpkg@1.2.3', 'ms@2.1.3']);
});

test('wants pnpm-lock.yaml outside node_modules', () => {
  const meta = { path: '', size: 1, mode: 0o644 };
  assert.equal(pnpmLockExtractor.wants('pnpm-lock.yaml', meta), true);
  assert.equal(pnpmLockExtractor.wants('srv/app/pnpm-lock.yaml', meta), true);
  assert.equal(pnpmLockExtractor.wants('srv/node_modules/x/pnpm-lock.yaml', meta), false);
  assert.equal(pnpmLockExtractor.wants('srv/xpnpm-lock.yaml', meta), false);
});

test('malformed and hostile lockfiles', () => {
  const malformed = (e: unknown) => isStockadeError(e) && e.code === 'malformed_input';
  for (const bad of ['', 'packages: {}', "lockfileVersion: '9.0'\npackages: [1]", 'lockfileVersion: x\n', '{', `lockfileVersion: '9.0'\npackages: ${'['.repeat(50_000)}`]) {
    assert.throws(() => parsePnpmLock('pnpm-lock.yaml', Buffer.from(bad)), malformed, JSON.stringify(bad.slice(0, 40)));
  }
  let bomb = "lockfileVersion: '9.0'\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (let i = 1; i < 10; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
  assert.throws(() => parsePnpmLock('pnpm-lock.yaml', Buffer.from(bomb)), malformed);
  const mixed = "lockfileVersion: '6.0'\npackages:\n  /ok@1.0.0:\n    dev: false\n  /bad@1.0.0: oops\n  /nover:\n    dev: true\n";
  const result = parsePnpmLock('pnpm-lock.yaml', Buffer.from(mixed));
  assert.deepEqual(ids(result), ['ok@1.0.0']);
  assert.equal(result.warnings?.length, 2);
});
