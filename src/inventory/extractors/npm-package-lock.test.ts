/**
 * Oracles: npm itself (`npm ls --package-lock-only`, `npm query --package-lock-only`
 * read the lockfile through npm's own arborist) over lockfiles npm wrote for a real
 * project, in lockfile versions 3 and 1; and, for edge cases, the expectations
 * osv-scalibr's packagelockjson tests hold for the corpus samples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath, fixtureCacheDir } from '../../testing/corpus.js';
import { isStockadeError } from '../../core/errors.js';
import type { ExtractedPackage } from '../../core/types.js';
import type { Extraction } from '../extractor.js';
import { npmPackageLockExtractor, parsePackageLock } from './npm-package-lock.js';

const PROJECT = {
  name: 'stockade-npm-lock-fixture',
  version: '1.0.0',
  private: true,
  dependencies: { express: '4.21.2', '@babel/code-frame': '7.26.2', 'agent-base': '6.0.2', 'string-width-cjs': 'npm:string-width@4.2.3' },
  devDependencies: { semver: '7.6.3', '@types/node': '20.17.10', debug: '3.2.7' },
  optionalDependencies: { fsevents: '2.3.3' },
};

/**
 * A project with package-lock.json (v3) and, beside it, v1/package-lock.json that npm
 * itself converted (`--lockfile-version 1`). Built once per inputs, cached.
 */
function lockProject(): string | undefined {
  const key = createHash('sha256').update(JSON.stringify(PROJECT)).digest('hex').slice(0, 16);
  const dir = join(fixtureCacheDir(), `npm-lock-project-${key}`);
  if (existsSync(join(dir, 'v1', 'package-lock.json'))) return dir;
  mkdirSync(fixtureCacheDir(), { recursive: true });
  const tmp = mkdtempSync(join(fixtureCacheDir(), 'npm-tmp-'));
  const npm = (cwd: string, args: string[]) =>
    execFileSync('npm', [...args, '--ignore-scripts', '--no-audit', '--no-fund'], { cwd, stdio: 'pipe', timeout: 300_000 });
  try {
    writeFileSync(join(tmp, 'package.json'), JSON.stringify(PROJECT, null, 2));
    npm(tmp, ['install', '--package-lock-only']);
    mkdirSync(join(tmp, 'v1'));
    copyFileSync(join(tmp, 'package.json'), join(tmp, 'v1', 'package.json'));
    copyFileSync(join(tmp, 'package-lock.json'), join(tmp, 'v1', 'package-lock.json'));
    npm(join(tmp, 'v1'), ['install', '--package-lock-only', '--lockfile-version', '1']);
    renameSync(tmp, dir);
    return dir;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    // Another test process may have built the same fixture meanwhile.
    return existsSync(dir) ? dir : undefined;
  }
}

interface LsNode { version?: string; dependencies?: Record<string, LsNode> }

function flattenLs(tree: LsNode): Set<string> {
  const out = new Set<string>();
  const stack: Array<Record<string, LsNode>> = [tree.dependencies ?? {}];
  while (stack.length > 0) {
    for (const [name, node] of Object.entries(stack.pop()!)) {
      if (node.version) out.add(`${name}@${node.version}`);
      if (node.dependencies) stack.push(node.dependencies);
    }
  }
  return out;
}

interface QueryNode { name: string; version: string; location: string; dev?: boolean; optional?: boolean; peer?: boolean; dependencies?: Record<string, string> }

function npmJson<T>(cwd: string, args: string[]): T {
  return JSON.parse(execFileSync('npm', args, { cwd, encoding: 'utf8', timeout: 120_000 })) as T;
}

function ids(packages: ExtractedPackage[] | undefined): string[] {
  return (packages ?? []).map((p) => `${p.name}@${p.version}`).sort();
}

function extract(path: string, text: string | Buffer): Extraction {
  return parsePackageLock(path, typeof text === 'string' ? Buffer.from(text) : text);
}

test('lockfile v3 written by npm: packages match npm ls --package-lock-only', (t) => {
  const dir = lockProject();
  if (!dir) return t.skip('npm could not resolve the fixture project (no registry access?)');
  // npm ls lists aliases under the alias name; the lock's `name` is the real package.
  const nodes = npmJson<QueryNode[]>(dir, ['query', '*', '--package-lock-only']).filter((n) => n.location !== '');
  const truth = new Set(nodes.map((n) => `${n.name}@${n.version}`));
  const lsTruth = flattenLs(npmJson<LsNode>(dir, ['ls', '--all', '--json', '--package-lock-only']));
  assert.ok(lsTruth.has('string-width-cjs@4.2.3') && truth.has('string-width@4.2.3'), 'alias present');
  const result = extract('package-lock.json', readFileSync(join(dir, 'package-lock.json')));
  assert.deepEqual(ids(result.packages), [...truth].sort());
  assert.equal(result.warnings, undefined);
});

test('lockfile v3: dev, optional and peer flags match npm query', (t) => {
  const dir = lockProject();
  if (!dir) return t.skip('npm could not resolve the fixture project (no registry access?)');
  const nodes = npmJson<QueryNode[]>(dir, ['query', '*', '--package-lock-only']).filter((n) => n.location !== '');
  // A name@version counts as dev only when every installed copy is dev (and so on).
  const every = (pick: (n: QueryNode) => boolean) => {
    const acc = new Map<string, boolean>();
    for (const n of nodes) {
      const id = `${n.name}@${n.version}`;
      acc.set(id, (acc.get(id) ?? true) && pick(n));
    }
    return [...acc].filter(([, v]) => v).map(([k]) => k).sort();
  };
  const result = extract('package-lock.json', readFileSync(join(dir, 'package-lock.json')));
  const flagged = (key: string) => (result.packages ?? []).filter((p) => p.metadata?.[key] === true).map((p) => `${p.name}@${p.version}`).sort();
  const dev = every((n) => n.dev === true);
  assert.ok(dev.includes('semver@7.6.3'), 'fixture has a dev dependency');
  assert.deepEqual(flagged('dev'), dev);
  assert.deepEqual(flagged('optional'), every((n) => n.optional === true));
  assert.ok(flagged('optional').includes('fsevents@2.3.3'));
  assert.deepEqual(flagged('peer'), every((n) => n.peer === true));
  // dependsOn = the dependencies npm recorded for that copy (express as the sample).
  const express = nodes.find((n) => n.name === 'express');
  const ours = result.packages?.find((p) => p.name === 'express');
  assert.deepEqual((ours?.dependsOn ?? []).slice().sort(), Object.keys(express?.dependencies ?? {}).sort());
});

test('lockfile v1 converted by npm: packages match npm ls of the v1 lock', (t) => {
  const dir = lockProject();
  if (!dir) return t.skip('npm could not resolve the fixture project (no registry access?)');
  const v1 = join(dir, 'v1');
  const doc = JSON.parse(readFileSync(join(v1, 'package-lock.json'), 'utf8')) as { lockfileVersion: number };
  if (doc.lockfileVersion !== 1) return t.skip(`this npm wrote lockfileVersion ${doc.lockfileVersion}, not 1`);
  const nodes = npmJson<QueryNode[]>(v1, ['query', '*', '--package-lock-only']).filter((n) => n.location !== '');
  const truth = [...new Set(nodes.map((n) => `${n.name}@${n.version}`))].sort();
  const result = extract('package-lock.json', readFileSync(join(v1, 'package-lock.json')));
  assert.deepEqual(ids(result.packages), truth);
  const devTruth = new Set(nodes.filter((n) => n.dev === true).map((n) => `${n.name}@${n.version}`));
  for (const p of result.packages ?? []) {
    if (p.metadata?.['dev'] === true) assert.ok(devTruth.has(`${p.name}@${p.version}`), `${p.name} is dev`);
  }
  assert.ok(devTruth.has('semver@7.6.3'));
});

function corpusLock(...parts: string[]): Buffer | undefined {
  const p = corpusPath('scanner', 'lang', 'npm', ...parts);
  return p ? readFileSync(p) : undefined;
}

test('corpus (osv-scalibr expectations): aliases, nesting, groups', (t) => {
  const dir = 'osv-scalibr-packagelockjson';
  if (!corpusLock(dir, 'alias.v1.json')) return t.skip('corpus lang/npm/osv-scalibr-packagelockjson absent');
  // Expected lists transcribed from osv-scalibr packagelockjson-v1_test.go / -v2_test.go.
  const expectations: Record<string, string[]> = {
    'alias.v1.json': ['@babel/code-frame@7.0.0', 'string-width@4.2.0', 'string-width@5.1.2'],
    'alias.v2.json': ['@babel/code-frame@7.0.0', 'string-width@4.2.0', 'string-width@5.1.2'],
    'nested-dependencies.v1.json': ['postcss-calc@7.0.1', 'postcss@6.0.23', 'postcss@7.0.16', 'supports-color@5.5.0', 'supports-color@6.1.0'],
    'nested-dependencies.v2.json': ['postcss-calc@7.0.1', 'postcss@6.0.23', 'postcss@7.0.16', 'supports-color@5.5.0', 'supports-color@6.1.0'],
    'scoped-packages.v1.json': ['@babel/code-frame@7.0.0', 'wrappy@1.0.2'],
    'scoped-packages.v2.json': ['@babel/code-frame@7.0.0', 'wrappy@1.0.2'],
    'empty.v1.json': [],
    'empty.v2.json': [],
  };
  for (const [file, want] of Object.entries(expectations)) {
    const bytes = corpusLock(dir, file);
    assert.ok(bytes, file);
    assert.deepEqual(ids(extract(file, bytes).packages), [...want].sort(), file);
  }
  // optional-package: v1 wrappy dev+optional, supports-color optional; v2 wrappy
  // optional, supports-color devOptional (scalibr: groups dev+optional).
  const v1 = extract('x', corpusLock(dir, 'optional-package.v1.json')!).packages ?? [];
  assert.deepEqual(v1.find((p) => p.name === 'wrappy')?.metadata, { dev: true, optional: true });
  assert.deepEqual(v1.find((p) => p.name === 'supports-color')?.metadata, { optional: true });
  const v2 = extract('x', corpusLock(dir, 'optional-package.v2.json')!).packages ?? [];
  assert.deepEqual(v2.find((p) => p.name === 'wrappy')?.metadata, { optional: true });
  assert.deepEqual(v2.find((p) => p.name === 'supports-color')?.metadata, { devOptional: true });
  // commits.v2: git dependencies keep their package version and the commit.
  const commits = extract('x', corpusLock(dir, 'commits.v2.json')!).packages ?? [];
  const pixel = commits.find((p) => p.name === '@segment/analytics.js-integration-facebook-pixel');
  assert.equal(pixel?.version, '2.4.1');
  assert.equal(pixel?.metadata?.['commit'], '3b1bb80b302c2e552685dc8a029797ec832ea7c9');
  // commits.v1: the v1 lock has no package version for git deps, only the commit.
  const commitsV1 = extract('x', corpusLock(dir, 'commits.v1.json')!).packages ?? [];
  const preset = commitsV1.find((p) => p.name === 'babel-preset-php');
  assert.equal(preset?.version, '');
  assert.equal(preset?.metadata?.['commit'], 'c5a7ba5e0ad98b8db1cb8ce105403dd4b768cced');
});

test('corpus (trivy): workspace members are the project, their dependencies are not', (t) => {
  const bytes = corpusLock('trivy-npm', 'package-lock_v3_with_workspace.json');
  if (!bytes) return t.skip('corpus lang/npm/trivy-npm absent');
  // Third-party packages in trivy's parse_testcase.go for this file; we leave out the
  // workspace members function1 / nested_func (link targets inside the project).
  assert.deepEqual(ids(extract('package-lock.json', bytes).packages), ['debug@2.5.2', 'debug@2.6.9', 'ms@0.7.2', 'ms@2.0.0']);
});

test('wants lockfiles outside node_modules only', () => {
  const meta = { path: '', size: 1, mode: 0o644 };
  for (const p of ['package-lock.json', 'app/package-lock.json', 'srv/npm-shrinkwrap.json']) {
    assert.equal(npmPackageLockExtractor.wants(p, meta), true, p);
  }
  for (const p of ['node_modules/x/package-lock.json', 'app/node_modules/x/npm-shrinkwrap.json', 'app/my-package-lock.json', 'node_modules/.package-lock.json', 'package-lock.json.bak']) {
    assert.equal(npmPackageLockExtractor.wants(p, meta), false, p);
  }
});

test('malformed lockfiles throw, malformed entries warn', () => {
  const malformed = (e: unknown) => isStockadeError(e) && e.code === 'malformed_input';
  assert.throws(() => extract('package-lock.json', '{"packages": '), malformed);
  assert.throws(() => extract('package-lock.json', 'null'), malformed);
  assert.throws(() => extract('package-lock.json', '[1]'), malformed);
  assert.throws(() => extract('package-lock.json', '{"packages": []}'), malformed);
  assert.throws(() => extract('package-lock.json', '{"dependencies": "x"}'), malformed);
  const not = corpusLock('osv-scalibr-packagelockjson', 'not-json.txt');
  if (not) assert.throws(() => extract('package-lock.json', not), malformed);
  const deep = '['.repeat(50_000) + ']'.repeat(50_000);
  assert.throws(() => extract('package-lock.json', deep), malformed);
  const mixed = extract(
    'package-lock.json',
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'root' },
        'node_modules/ok': { version: '1.0.0' },
        'node_modules/bad1': 'x',
        'node_modules/bad2': { version: 7 },
        'node_modules/@bad/': { version: '1.0.0' },
      },
    }),
  );
  assert.deepEqual(ids(mixed.packages), ['ok@1.0.0']);
  assert.equal(mixed.warnings?.length, 3);
});

test('a 50k-deep v1 dependency tree is walked without recursion', () => {
  let tree = '{}';
  for (let i = 0; i < 50_000; i++) tree = `{"a":{"version":"1.0.${i % 3}","dependencies":${tree}}}`;
  const result = extract('package-lock.json', `{"lockfileVersion":1,"dependencies":${tree}}`);
  assert.deepEqual(ids(result.packages), ['a@1.0.0', 'a@1.0.1', 'a@1.0.2']);
});
