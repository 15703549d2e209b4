/**
 * Oracle: npm itself. The test installs a small real project (scoped packages,
 * duplicates at two majors under different parents, dev dependencies, an optional
 * dependency that is skipped on Linux) and compares what we read from node_modules
 * with `npm ls --all --json` and `npm query '*'` over the same tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { corpusPath, fixtureCacheDir } from '../../testing/corpus.js';
import { isStockadeError } from '../../core/errors.js';
import type { ExtractedPackage } from '../../core/types.js';
import { isInstalledPackageJson, npmPackageJsonExtractor, npmPurl } from './npm-package-json.js';

const PROJECT = {
  name: 'stockade-npm-fixture',
  version: '1.0.0',
  private: true,
  dependencies: { express: '4.21.2', '@babel/code-frame': '7.26.2', 'agent-base': '6.0.2' },
  devDependencies: { semver: '7.6.3', '@types/node': '20.17.10' },
  optionalDependencies: { fsevents: '2.3.3' },
};

/** The installed project, built once per set of inputs and cached; undefined when npm cannot install. */
function npmProject(): string | undefined {
  const key = createHash('sha256').update(JSON.stringify(PROJECT)).digest('hex').slice(0, 16);
  const dir = join(fixtureCacheDir(), `npm-project-${key}`);
  if (existsSync(join(dir, 'package-lock.json'))) return dir;
  mkdirSync(fixtureCacheDir(), { recursive: true });
  const tmp = mkdtempSync(join(fixtureCacheDir(), 'npm-tmp-'));
  try {
    writeFileSync(join(tmp, 'package.json'), JSON.stringify(PROJECT, null, 2));
    execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: tmp, stdio: 'pipe', timeout: 300_000 });
    renameSync(tmp, dir);
    return dir;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    // Another test process may have built the same fixture meanwhile.
    return existsSync(dir) ? dir : undefined;
  }
}

function walkFiles(root: string, out: string[] = []): string[] {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const full = join(root, entry.name);
    if (entry.isDirectory()) walkFiles(full, out);
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

interface LsNode { version?: string; dependencies?: Record<string, LsNode> }

/** Flattens `npm ls --json` to the set of name@version it lists. */
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

async function extractTree(project: string): Promise<ExtractedPackage[]> {
  const packages: ExtractedPackage[] = [];
  for (const file of walkFiles(join(project, 'node_modules'))) {
    const path = relative(project, file);
    const bytes = readFileSync(file);
    const meta = { path, size: bytes.length, mode: 0o644 };
    if (!npmPackageJsonExtractor.wants(path, meta)) continue;
    if (npmPackageJsonExtractor.kind !== 'buffer') throw new Error('expected a buffer extractor');
    const result = await npmPackageJsonExtractor.extract({ path, meta, bytes });
    packages.push(...(result.packages ?? []));
  }
  return packages;
}

test('installed tree matches npm ls --all', async (t) => {
  const project = npmProject();
  if (!project) return t.skip('npm install of the fixture project failed (no registry access?)');
  const ls = JSON.parse(execFileSync('npm', ['ls', '--all', '--json'], { cwd: project, encoding: 'utf8' })) as LsNode;
  const truth = flattenLs(ls);
  const packages = await extractTree(project);
  const found = new Set(packages.map((p) => `${p.name}@${p.version}`));
  assert.deepEqual([...found].sort(), [...truth].sort());
  // One package per installed copy: debug is installed at two majors, and more than once.
  assert.ok(packages.length >= found.size);
  const debugVersions = new Set(packages.filter((p) => p.name === 'debug').map((p) => p.version.split('.')[0]));
  assert.ok(debugVersions.size >= 2, 'debug at two majors');
});

test('licenses and dependency names match npm query', async (t) => {
  const project = npmProject();
  if (!project) return t.skip('npm install of the fixture project failed (no registry access?)');
  interface QueryNode { name: string; version: string; license?: unknown; dependencies?: Record<string, string>; location: string }
  const nodes = JSON.parse(execFileSync('npm', ['query', '*'], { cwd: project, encoding: 'utf8' })) as QueryNode[];
  const byId = new Map<string, ExtractedPackage>();
  for (const p of await extractTree(project)) byId.set(`${p.name}@${p.version}`, p);
  let checked = 0;
  for (const node of nodes) {
    if (node.location === '') continue; // the project root
    const pkg = byId.get(`${node.name}@${node.version}`);
    assert.ok(pkg, `${node.name}@${node.version} found`);
    if (typeof node.license === 'string') assert.deepEqual(pkg.licenses, [node.license], node.name);
    assert.deepEqual((pkg.dependsOn ?? []).slice().sort(), Object.keys(node.dependencies ?? {}).sort(), node.name);
    checked++;
  }
  assert.ok(checked > 50, `checked ${checked} packages`);
});

test('wants only package roots inside node_modules', () => {
  const meta = { path: '', size: 1, mode: 0o644 };
  const yes = [
    'node_modules/express/package.json',
    'usr/lib/node_modules/npm/package.json',
    'app/node_modules/@babel/code-frame/package.json',
    'app/node_modules/a/node_modules/@s/b/package.json',
    'node_modules/.pnpm/express@4.21.2/node_modules/express/package.json',
  ];
  const no = [
    'package.json',
    'app/package.json',
    'node_modules/package.json',
    'node_modules/@babel/package.json',
    'node_modules/x/test/package.json',
    'node_modules/@babel/code-frame/lib/package.json',
    'node_modules/x/node_modules/package.json',
    'node_modules/x/package.json.bak',
    'my_node_modules/x/package.json',
    '@scope/x/package.json',
  ];
  for (const p of yes) assert.equal(npmPackageJsonExtractor.wants(p, meta), true, p);
  for (const p of no) assert.equal(npmPackageJsonExtractor.wants(p, meta), false, p);
  assert.equal(isInstalledPackageJson('node_modules/a/package.json'), true);
});

test('scoped purl follows the purl spec (namespace %40scope)', () => {
  // purl-spec PURL-TYPES: pkg:npm/%40angular/animation@12.3.1
  assert.equal(npmPurl('@angular/animation', '12.3.1'), 'pkg:npm/%40angular/animation@12.3.1');
  assert.equal(npmPurl('@angular', '1.0.0'), undefined);
  assert.equal(npmPurl('a/b', '1.0.0'), undefined);
});

async function extractBytes(path: string, text: string | Buffer) {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  if (npmPackageJsonExtractor.kind !== 'buffer') throw new Error('expected a buffer extractor');
  return npmPackageJsonExtractor.extract({ path, meta: { path, size: bytes.length, mode: 0o644 }, bytes });
}

test('legacy license forms', async () => {
  const path = 'node_modules/x/package.json';
  const obj = await extractBytes(path, JSON.stringify({ name: 'x', version: '1.0.0', license: { type: 'MIT', url: 'u' } }));
  assert.deepEqual(obj.packages?.[0]?.licenses, ['MIT']);
  const arr = await extractBytes(path, JSON.stringify({ name: 'x', version: '1.0.0', licenses: [{ type: 'MIT' }, 'Apache-2.0', 7] }));
  assert.deepEqual(arr.packages?.[0]?.licenses, ['MIT', 'Apache-2.0']);
  const priv = await extractBytes(path, JSON.stringify({ name: 'x', version: '1.0.0', private: true }));
  assert.equal(priv.packages?.[0]?.metadata?.['private'], true);
});

test('corpus: node_modules package.json samples', async (t) => {
  const base = ['scanner', 'lang', 'npm', 'osv-scalibr-packagejson', 'deps'];
  if (!corpusPath(...base)) return t.skip('corpus lang/npm/osv-scalibr-packagejson absent');
  // Expectations from osv-scalibr packagejson_test.go: nested_acorn -> acorn 1.2.2;
  // "empty name" (deps/acorn), "empty version" (deps/acorn-globals) and "missing name
  // and version" (deps/window-size) -> no package.
  const cases: Array<[string[], string[]]> = [
    [['with', 'deps', 'acorn'], ['acorn@1.2.2']],
    [['acorn'], []],
    [['acorn-globals'], []],
    [['window-size'], []],
  ];
  for (const [dir, want] of cases) {
    const file = corpusPath(...base, ...dir, 'package.json');
    assert.ok(file, dir.join('/'));
    const result = await extractBytes('node_modules/x/package.json', readFileSync(file));
    assert.deepEqual((result.packages ?? []).map((p) => `${p.name}@${p.version}`), want, dir.join('/'));
  }
});

test('hostile and malformed inputs', async () => {
  const path = 'node_modules/x/package.json';
  for (const bad of ['{', 'not json', '']) {
    await assert.rejects(async () => extractBytes(path, bad), (e: unknown) => isStockadeError(e) && e.code === 'malformed_input');
  }
  // Deep nesting: must not crash the process, and a non-object root is malformed.
  const deep = '['.repeat(50_000) + ']'.repeat(50_000);
  await assert.rejects(async () => extractBytes(path, deep), (e: unknown) => isStockadeError(e) && e.code === 'malformed_input');
  // Wrong types: skipped, not thrown.
  assert.deepEqual((await extractBytes(path, '{"name":7,"version":"1"}')).packages ?? [], []);
  assert.deepEqual((await extractBytes(path, '{"name":"x"}')).packages ?? [], []);
  const weird = await extractBytes(path, '{"name":"@x","version":"1.0.0"}');
  assert.deepEqual(weird.packages ?? [], []);
  assert.equal(weird.warnings?.length, 1);
  // A deep object under an ignored field is not walked.
  const deepObj = `{"name":"x","version":"1.0.0","config":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
  assert.equal((await extractBytes(path, deepObj)).packages?.length, 1);
});
