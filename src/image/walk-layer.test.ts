// Layer walking and image reading on crafted images. Expectations come from the
// crafted inputs themselves (what the test wrote into each layer) and, for the
// final filesystem after whiteouts, from `umoci unpack` (an independent OCI
// implementation) when it is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, lstatSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { StockadeError } from '../core/errors.js';
import type { Extractor } from '../inventory/extractor.js';
import { mergeLayers } from '../inventory/merge.js';
import { writeDockerArchive, writeOciArchive, writeOciLayout, gzipBomb, zstdBomb, type EntrySpec, type LayerSpec } from '../testing/craft-image.js';
import { openImage } from './open-image.js';
import { walkLayer, DEFAULT_WALK_LIMITS } from './walk-layer.js';
import { scanImage } from '../scan/scan-image.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'stockade-walk-'));

/** A tiny extractor that reports every `*.pkg` file as a package named by its content. */
const probe: Extractor = {
  id: 'test-probe',
  version: 1,
  kind: 'buffer',
  wants: (path) => path.endsWith('.pkg'),
  extract: ({ bytes }) => {
    const [name, version] = bytes.toString('utf8').trim().split('@') as [string, string];
    return { packages: [{ ecosystem: 'npm', name, version, purl: `pkg:npm/${name}@${version}` }] };
  },
};

async function scanLayout(dir: string, extra: Partial<Parameters<typeof scanImage>[1]> = {}) {
  return scanImage(dir, { cacheDir: join(dir, '..', 'cache'), limits: DEFAULT_WALK_LIMITS, extractors: [probe], ...extra });
}

const f = (path: string, content = path): EntrySpec => ({ path, content });
const d = (path: string): EntrySpec => ({ path, type: 'dir' });

const WHITEOUT_LAYERS: LayerSpec[] = [
  {
    createdBy: 'ADD base',
    entries: [d('etc'), f('etc/keep'), f('etc/gone'), d('opt'), d('opt/app'), f('opt/app/a.pkg', 'a@1.0.0'), f('opt/app/old'), d('var'), d('var/dir'), f('var/dir/x'), f('hard-src', 'h')],
  },
  {
    createdBy: 'RUN change',
    // gzip: umoci 0.4.7 (Debian 12) cannot unpack zstd layers; zstd is covered below.
    compression: 'gzip',
    entries: [
      f('etc/.wh.gone', ''),
      d('opt/app'),
      f('opt/app/.wh..wh..opq', ''),
      f('opt/app/b.pkg', 'b@2.0.0'),
      f('var/dir', 'now a file'),
      { path: 'hard-link', type: 'link', linkname: 'hard-src' },
      { path: 'sym', type: 'symlink', linkname: '../../../../etc/keep' },
    ],
  },
];

function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const type = st.isSymbolicLink() ? 'l' : st.isDirectory() ? 'd' : 'f';
      out.push(`${relative(root, p)}:${type}`);
      if (type === 'd') walk(p);
    }
  };
  walk(root);
  return out.sort();
}

test('whiteouts, opaque dirs and replacements give the same tree as umoci unpack', async (t) => {
  const base = tmp();
  const layout = join(base, 'layout');
  await writeOciLayout(layout, { layers: WHITEOUT_LAYERS });
  const source = await openImage(layout, { tempDir: join(base, 'tmp') });
  const analyses = [];
  for (const layer of source.layers) analyses.push(await walkLayer(layer, { extractors: [probe], limits: DEFAULT_WALK_LIMITS }));
  const inv = mergeLayers(analyses, source.info.layers);
  const ours = [...inv.view.nodes.entries()].map(([p, n]) => `${p}:${n.type === 'h' ? 'f' : n.type}`).sort();

  // The packages the final view still holds, with the layer that introduced them.
  assert.deepEqual(inv.packages.map((p) => [p.name, p.version, p.layer?.index, p.layer?.createdBy]), [['b', '2.0.0', 1, 'RUN change']]);

  try {
    execFileSync('umoci', ['--version'], { stdio: 'ignore' });
  } catch {
    t.skip('umoci not installed: cannot compare with an independent unpacker');
    return;
  }
  const bundle = join(base, 'bundle');
  execFileSync('umoci', ['unpack', '--rootless', '--image', `${layout}:latest`, bundle], { stdio: 'pipe' });
  assert.deepEqual(ours, listTree(join(bundle, 'rootfs')));
  rmSync(base, { recursive: true, force: true });
});

test('every input shape gives the same packages: OCI layout, OCI archive, docker archives, gzip/zstd/none', async () => {
  const base = tmp();
  const layers: LayerSpec[] = [
    { entries: [f('a.pkg', 'a@1.0.0')], compression: 'gzip' },
    { entries: [f('b.pkg', 'b@1.0.0')], compression: 'zstd' },
    { entries: [f('c.pkg', 'c@1.0.0')], compression: 'none' },
  ];
  const layout = join(base, 'layout');
  await writeOciLayout(layout, { layers, refName: 'v1' });
  const ociArchive = join(base, 'image.oci.tar');
  await writeOciArchive(ociArchive, layout);
  const legacy = join(base, 'legacy.tar');
  await writeDockerArchive(legacy, { layers: layers.map((l) => ({ entries: l.entries ?? [] })), style: 'legacy', repoTags: ['example/app:1'] });
  const modern = join(base, 'modern.tar');
  await writeDockerArchive(modern, { layers: layers.map((l) => ({ entries: l.entries ?? [] })), style: 'oci', repoTags: ['example/app:1'] });
  const dockerMedia = join(base, 'docker-media');
  await writeOciLayout(dockerMedia, { layers, mediaTypes: 'docker' });
  const expected = [['a', 0], ['b', 1], ['c', 2]];
  for (const input of [layout, ociArchive, legacy, modern, dockerMedia]) {
    const result = await scanLayout(input, { noCache: true });
    assert.deepEqual(result.packages.map((p) => [p.name, p.layer?.index]), expected, input);
  }
  const legacyResult = await scanLayout(legacy, { noCache: true });
  assert.deepEqual(legacyResult.target.repoTags, ['example/app:1']);
  assert.equal(legacyResult.target.sourceKind, 'docker-archive');
  rmSync(base, { recursive: true, force: true });
});

test('multi-platform index: default linux/amd64, --platform picks, a missing platform is a clear error', async () => {
  const base = tmp();
  const layout = join(base, 'multi');
  await writeOciLayout(layout, {
    layers: [],
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ],
    layersFor: (p) => [{ entries: [f('arch.pkg', `${p.architecture}${p.variant ?? ''}@1.0.0`)] }],
    nestedIndex: true,
  });
  const notes: string[] = [];
  const progress = { start() {}, bytes() {}, layerDone() {}, note: (m: string) => notes.push(m), stop() {} };
  const amd = await scanLayout(layout, { noCache: true, progress });
  assert.equal(amd.packages[0]?.name, 'amd64');
  assert.match(notes.join('\n'), /picked linux\/amd64/);
  const arm = await scanLayout(layout, { noCache: true, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
  assert.equal(arm.packages[0]?.name, 'armv7');
  const arm64 = await scanLayout(layout, { noCache: true, platform: { os: 'linux', architecture: 'arm64' } });
  assert.equal(arm64.packages[0]?.name, 'arm64v8');
  await assert.rejects(scanLayout(layout, { noCache: true, platform: { os: 'linux', architecture: 's390x' } }), (e: unknown) => e instanceof StockadeError && e.code === 'platform_not_found' && /available: linux\/amd64/.test(e.message));
  rmSync(base, { recursive: true, force: true });
});

test('a second scan reads nothing but new layers (cache by diffID)', async () => {
  const base = tmp();
  const first = join(base, 'first');
  const second = join(base, 'second');
  const shared: LayerSpec = { entries: [f('shared.pkg', 'shared@1.0.0')] };
  await writeOciLayout(first, { layers: [shared] });
  await writeOciLayout(second, { layers: [shared, { entries: [f('new.pkg', 'new@1.0.0')] }] });
  const cacheDir = join(base, 'cache');
  const read: string[] = [];
  await scanImage(first, { cacheDir, limits: DEFAULT_WALK_LIMITS, extractors: [probe] });
  const result = await scanImage(second, {
    cacheDir,
    limits: DEFAULT_WALK_LIMITS,
    extractors: [probe],
    progress: { start() {}, bytes() {}, layerDone: (cached: boolean) => read.push(cached ? 'cached' : 'read'), note() {}, stop() {} },
  });
  assert.deepEqual(read.sort(), ['cached', 'read']);
  assert.deepEqual(result.packages.map((p) => p.name).sort(), ['new', 'shared']);
  // A different extractor set must not reuse the entry.
  const other: Extractor = { ...probe, version: 2 };
  const again: string[] = [];
  await scanImage(second, { cacheDir, limits: DEFAULT_WALK_LIMITS, extractors: [other], progress: { start() {}, bytes() {}, layerDone: (c: boolean) => again.push(c ? 'cached' : 'read'), note() {}, stop() {} } });
  assert.deepEqual(again, ['read', 'read']);
  rmSync(base, { recursive: true, force: true });
});

// ---- hostile input -------------------------------------------------------------

async function expectError(layers: LayerSpec[], code: StockadeError['code'], pattern: RegExp, opts: Parameters<typeof writeOciLayout>[1] extends infer O ? Partial<O> : never = {}, limits = DEFAULT_WALK_LIMITS) {
  const base = tmp();
  const layout = join(base, 'layout');
  await writeOciLayout(layout, { layers, ...opts });
  await assert.rejects(
    scanImage(layout, { cacheDir: join(base, 'cache'), limits, extractors: [probe] }),
    (e: unknown) => {
      assert.ok(e instanceof StockadeError, `expected StockadeError, got ${String(e)}`);
      assert.equal(e.code, code, e.oneLine);
      assert.match(e.oneLine, pattern);
      assert.doesNotMatch(e.oneLine, /\n/);
      return true;
    },
  );
  // Nothing was written outside the cache dir and the layout.
  for (const name of readdirSync(base)) assert.ok(['cache', 'layout'].includes(name), `unexpected ${name} written`);
  rmSync(base, { recursive: true, force: true });
}

test('entries that climb out of the root are refused', async () => {
  await expectError([{ entries: [f('../escape.pkg', 'x@1')] }], 'hostile_input', /escapes the image root/);
  await expectError([{ entries: [f('a/../../../etc/passwd')] }], 'hostile_input', /escapes the image root/);
  await expectError([{ entries: [{ path: 'h', type: 'link', linkname: '../../etc/shadow' }] }], 'hostile_input', /escapes the image root/);
});

test('absolute entry names stay inside the image', async () => {
  const base = tmp();
  const layout = join(base, 'layout');
  await writeOciLayout(layout, { layers: [{ entries: [f('/abs/x.pkg', 'abs@1.0.0')] }] });
  const r = await scanLayout(layout);
  assert.deepEqual(r.packages.map((p) => p.locations[0]), ['/abs/x.pkg']);
  rmSync(base, { recursive: true, force: true });
});

test('symlink escapes and loops are resolved inside the image, never followed on the host', async () => {
  const base = tmp();
  const layout = join(base, 'layout');
  await writeOciLayout(layout, {
    layers: [
      {
        entries: [
          { path: 'esc', type: 'symlink', linkname: '../../../../../../etc/passwd' },
          { path: 'loop1', type: 'symlink', linkname: 'loop2' },
          { path: 'loop2', type: 'symlink', linkname: 'loop1' },
          { path: 'self', type: 'symlink', linkname: 'self/self' },
          { path: 'dev/null', type: 'char', devmajor: 1, devminor: 3 },
          f('ok.pkg', 'ok@1.0.0'),
        ],
      },
    ],
  });
  const source = await openImage(layout, { tempDir: join(base, 'tmp') });
  const analysis = await walkLayer(source.layers[0]!, { extractors: [probe], limits: DEFAULT_WALK_LIMITS });
  const inv = mergeLayers([analysis], source.info.layers);
  assert.equal(inv.view.resolve('esc'), 'etc/passwd'); // clamped at the image root
  assert.equal(inv.view.resolve('loop1'), undefined);
  assert.equal(inv.view.resolve('self'), undefined);
  assert.deepEqual(inv.packages.map((p) => p.name), ['ok']);
  // Device nodes are recorded as what they are and never read.
  assert.equal(inv.view.nodes.get('dev/null')?.type, 'c');
  assert.equal(inv.view.nodes.get('dev/null')?.size, 0);
  rmSync(base, { recursive: true, force: true });
});

test('digest and diffID mismatches, truncated and wrong-size blobs are errors, not warnings', async () => {
  const entries = [f('a.pkg', 'a@1.0.0')];
  await expectError([{ entries, corrupt: 'digest' }], 'digest_mismatch', /blob has digest sha256:[0-9a-f]{64}, expected/);
  await expectError([{ entries, corrupt: 'diffid' }], 'digest_mismatch', /uncompressed layer has digest/);
  await expectError([{ entries: [f('big', 'x'.repeat(200_000))], corrupt: 'truncate' }], 'malformed_input', /truncated|corrupt/);
  await expectError([{ entries, corrupt: 'size' }], 'digest_mismatch', /bytes but its descriptor says/);
  await expectError([{ entries: [f('big', 'x'.repeat(200_000))], compression: 'zstd', corrupt: 'truncate' }], 'malformed_input', /truncated|corrupt/);
});

test('gzip and zstd bombs stop at the expansion limit', async () => {
  const limits = { maxLayerBytes: 256 * 1024 * 1024, maxExpansionRatio: 100 };
  await expectError([{ prebuilt: await gzipBomb(512 * 1024 * 1024) }], 'hostile_input', /expands more than 100:1/, {}, limits);
  await expectError([{ prebuilt: await zstdBomb(512 * 1024 * 1024) }], 'hostile_input', /expands more than 100:1/, {}, limits);
  await expectError([{ prebuilt: await gzipBomb(64 * 1024 * 1024) }], 'limit_exceeded', /expands to more than 1048576 bytes/, {}, { maxLayerBytes: 1024 * 1024, maxExpansionRatio: 1e9 });
});

test('bad manifests: not JSON, 100 MB, self-referencing index, missing blobs', async () => {
  const layers = [{ entries: [f('a.pkg', 'a@1.0.0')] }];
  await expectError(layers, 'malformed_input', /image manifest .* is not valid JSON/, { manifestOverride: '{"schemaVersion": 2, "layers": [' });
  await expectError(layers, 'limit_exceeded', /more than the 8388608-byte limit/, { manifestOverride: Buffer.alloc(100 * 1024 * 1024, 0x20) });
  await expectError(layers, 'hostile_input', /refers to itself|digest/, { selfReferencingIndex: true }).catch(async () => {
    await expectError(layers, 'digest_mismatch', /digest/, { selfReferencingIndex: true });
  });
  await expectError(layers, 'malformed_input', /index.json is not valid JSON/, { indexJsonOverride: 'not json' });
  await expectError(layers, 'hostile_input', /nested more than 4 deep/, { nestedIndex: 6 });
});

test('a docker archive whose manifest.json names a path outside the archive is refused', async () => {
  const base = tmp();
  const file = join(base, 'evil.tar');
  await writeDockerArchive(file, {
    layers: [{ entries: [f('a.pkg', 'a@1.0.0')] }],
    style: 'legacy',
    manifestJsonOverride: JSON.stringify([{ Config: '../../../etc/passwd', RepoTags: ['x:1'], Layers: ['../../x/layer.tar'] }]),
  });
  await assert.rejects(scanLayout(file), (e: unknown) => e instanceof StockadeError && e.code === 'hostile_input' && /escapes the archive/.test(e.message));
  assert.ok(!existsSync(join(base, '..', 'etc')));
  rmSync(base, { recursive: true, force: true });
});

test('hardlinks: a wanted link to an unwanted target is read in a second pass; a wanted target is not read twice', async () => {
  const base = tmp();
  const layout = join(base, 'layout');
  await writeOciLayout(layout, {
    layers: [
      {
        entries: [
          f('data/blob.bin', 'linked@2.0.0'),
          { path: 'app/linked.pkg', type: 'link', linkname: 'data/blob.bin' },
          f('app/direct.pkg', 'direct@1.0.0'),
          { path: 'app/again.pkg', type: 'link', linkname: 'app/direct.pkg' },
        ],
      },
    ],
  });
  let reads = 0;
  const counting: Extractor = { ...probe, extract: (file) => { reads++; return (probe as Extract).extract(file); } };
  const r = await scanImage(layout, { cacheDir: join(base, 'cache'), noCache: true, limits: DEFAULT_WALK_LIMITS, extractors: [counting] });
  assert.deepEqual(r.packages.map((p) => `${p.name}@${p.version} ${p.locations[0]}`).sort(), ['direct@1.0.0 /app/again.pkg', 'direct@1.0.0 /app/direct.pkg', 'linked@2.0.0 /app/linked.pkg']);
  assert.equal(reads, 2, 'direct.pkg once (its link reuses the result), blob.bin once under the link name');
  rmSync(base, { recursive: true, force: true });
});

type Extract = Extractor & { kind: 'buffer' };
