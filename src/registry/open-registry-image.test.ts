// openRegistryImage against a real registry (docker-registry 2.8, TLS, htpasswd),
// with every layer walked by the real layer walker (src/image/walk-layer.ts), which
// verifies blob digests and diffIDs while it streams from the registry.
// Oracles: `skopeo inspect` (Digest), `skopeo inspect --raw` (manifest, index),
// `skopeo inspect --config --raw` (diff_ids, history, config), `gzip -dc | sha256sum`
// of the pushed layout's blob files (diffIDs), and the tar entries the test wrote.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import type { Extractor } from '../inventory/extractor.js';
import { walkLayer, DEFAULT_WALK_LIMITS } from '../image/walk-layer.js';
import { normalizeEntryPath } from '../image/entry-path.js';
import {
  APP_ENTRIES,
  missingRegistryTools,
  skopeoInspect,
  startRegistryFixture,
  type RegistryFixture,
} from '../testing/registry-server.js';
import { RegistryClient } from './client.js';
import { openRegistryImage, parseRegistryReference } from './open-registry-image.js';

const skip = missingRegistryTools();
let fx: RegistryFixture;
before(async () => {
  if (!skip) fx = await startRegistryFixture();
});
after(async () => {
  await fx?.stop();
});

const auth = () => ({ certDir: fx.pki.certDir, creds: fx.creds });
const options = () => ({ caFiles: [fx.pki.caCert], env: fx.env, username: fx.username, password: fx.password, timeoutMs: 10_000 });

async function inspectJson<T>(ref: string, opts: Parameters<typeof skopeoInspect>[2] = {}): Promise<T> {
  return JSON.parse((await skopeoInspect(ref, auth(), opts)).toString()) as T;
}

/** sha256 of the uncompressed blob, by gzip and sha256sum (not our code). */
function diffIdOfFile(file: string, mediaType: string): string {
  const script = mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip') ? 'gzip -dc "$1" | sha256sum' : 'sha256sum < "$1"';
  return `sha256:${execFileSync('sh', ['-c', script, 'sh', file], { encoding: 'utf8' }).split(' ')[0]}`;
}

/** Captures the content of one file while the walker streams a layer. */
function capture(path: string, into: Map<string, string>): Extractor {
  return {
    id: 'test-capture',
    version: 1,
    kind: 'buffer',
    wants: (p) => p === path,
    extract: ({ path: p, bytes }) => {
      into.set(p, bytes.toString('utf8'));
      return {};
    },
  };
}

const typeCode: Record<string, string> = { file: 'f', dir: 'd', symlink: 'l', link: 'h' };

test('openRegistryImage: ImageInfo and layers as skopeo sees the image; every layer walks to the layout diffIDs', async (t) => {
  if (skip) return t.skip(skip);
  const name = `${fx.registry.host}/app:1`;
  const inspected = await inspectJson<{ Digest: string }>(name);
  const manifest = await inspectJson<{ config: { digest: string }; layers: Array<{ digest: string; size: number; mediaType: string }> }>(name, { raw: true });
  const config = await inspectJson<{ rootfs: { diff_ids: string[] }; history: Array<{ created_by: string }>; config: { User: string } }>(name, { raw: true, config: true });

  const image = await openRegistryImage(name, options());
  try {
    assert.equal(image.info.sourceKind, 'registry');
    assert.equal(image.info.name, name);
    assert.equal(image.info.manifestDigest, inspected.Digest);
    assert.equal(image.info.configDigest, manifest.config.digest);
    assert.deepEqual(image.info.repoTags, [name]);
    assert.deepEqual(image.info.repoDigests, [`${fx.registry.host}/app@${inspected.Digest}`]);
    assert.deepEqual(image.info.platform, { os: 'linux', architecture: 'amd64' });
    assert.equal(image.info.config?.['User'], config.config.User);
    assert.deepEqual(image.layers.map((l) => l.digest), manifest.layers.map((l) => l.digest));
    assert.deepEqual(image.layers.map((l) => l.size), manifest.layers.map((l) => l.size));
    assert.deepEqual(image.layers.map((l) => l.diffID), config.rootfs.diff_ids);
    assert.deepEqual(image.layers.map((l) => l.createdBy), config.history.map((h) => h.created_by));
    assert.deepEqual(image.layers.map((l) => l.mediaType), manifest.layers.map((l) => l.mediaType));

    for (const [i, layer] of image.layers.entries()) {
      const analysis = await walkLayer(layer, { extractors: [], limits: DEFAULT_WALK_LIMITS });
      // The walker checked the streamed blob against its digest and the decompressed
      // tar against the diffID; both must be the layout's, computed by gzip+sha256sum.
      const m = manifest.layers[i];
      assert.ok(m);
      const file = join(fx.images.app.dir, 'blobs', 'sha256', m.digest.slice(7));
      assert.equal(analysis.diffID, diffIdOfFile(file, m.mediaType));
      assert.deepEqual(analysis.digests, [m.digest]);
      const expected = (APP_ENTRIES[i] ?? [])
        .filter((e) => !e.path.split('/').pop()?.startsWith('.wh.'))
        .map((e) => [normalizeEntryPath('test', e.path), typeCode[e.type ?? 'file']]);
      assert.deepEqual(analysis.entries.map((e) => [e[0], e[1]]), expected);
    }
    // The whiteout in layer 1 is seen as one.
    const l1 = await walkLayer(image.layers[1]!, { extractors: [], limits: DEFAULT_WALK_LIMITS });
    assert.deepEqual(l1.whiteouts, ['etc/remove-me']);
  } finally {
    await image.close();
  }
});

test('pull by digest: repoTags empty, repoDigests the digest asked for', async (t) => {
  if (skip) return t.skip(skip);
  const inspected = await inspectJson<{ Digest: string }>(`${fx.registry.host}/app:1`);
  const name = `${fx.registry.host}/app@${inspected.Digest}`;
  const image = await openRegistryImage(name, options());
  try {
    assert.deepEqual(image.info.repoTags, []);
    assert.deepEqual(image.info.repoDigests, [name]);
    assert.equal(image.info.manifestDigest, inspected.Digest);
  } finally {
    await image.close();
  }
});

test('multi-platform index: linux/amd64 by default, others with platform; digests from the index skopeo sees', async (t) => {
  if (skip) return t.skip(skip);
  const name = `${fx.registry.host}/multi:1`;
  const rawIndex = await skopeoInspect(name, auth(), { raw: true });
  const index = JSON.parse(rawIndex.toString()) as { manifests: Array<{ digest: string; platform: { architecture: string; variant?: string } }> };
  const indexDigest = (await inspectJson<{ Digest: string }>(name)).Digest;
  const digestFor = (arch: string) => index.manifests.find((d) => d.platform.architecture === arch)?.digest;

  const client = new RegistryClient({ ...options(), credentialsRegistry: fx.registry.host });
  fx.onStop(() => client.close());
  const cases: Array<{ platform?: { os: string; architecture: string; variant?: string }; arch: string; content: string }> = [
    { arch: 'amd64', content: 'linux/amd64\n' },
    { platform: { os: 'linux', architecture: 'arm64' }, arch: 'arm64', content: 'linux/arm64/v8\n' },
    { platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, arch: 'arm', content: 'linux/arm/v7\n' },
  ];
  for (const c of cases) {
    const image = await openRegistryImage(name, { client, ...(c.platform ? { platform: c.platform } : {}) });
    assert.equal(image.info.manifestDigest, digestFor(c.arch));
    assert.deepEqual(image.info.repoDigests, [`${fx.registry.host}/multi@${indexDigest}`]);
    assert.equal(image.info.platform?.architecture, c.arch);
    assert.ok(image.notes.some((n) => n.includes('multi-platform image: picked')), image.notes.join('; '));
    const seen = new Map<string, string>();
    await walkLayer(image.layers[0]!, { extractors: [capture('platform', seen)], limits: DEFAULT_WALK_LIMITS });
    assert.equal(seen.get('platform'), c.content);
    await image.close();
  }
  await assert.rejects(openRegistryImage(name, { client, platform: { os: 'linux', architecture: 's390x' } }), (e: unknown) => {
    assert.ok(e instanceof StockadeError);
    assert.equal(e.code, 'platform_not_found');
    assert.match(e.oneLine, /no linux\/s390x image in the index \(available: linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7\)/);
    return true;
  });
});

test('a single-platform image asked for another platform: platform_not_found', async (t) => {
  if (skip) return t.skip(skip);
  await assert.rejects(openRegistryImage(`${fx.registry.host}/app:1`, { ...options(), platform: { os: 'linux', architecture: 'arm64' } }), (e: unknown) => {
    assert.ok(e instanceof StockadeError);
    assert.equal(e.code, 'platform_not_found');
    assert.match(e.oneLine, /image is for linux\/amd64, not linux\/arm64/);
    return true;
  });
});

test('Docker schema 2 image (skopeo --format v2s2) opens and walks', async (t) => {
  if (skip) return t.skip(skip);
  const name = `${fx.registry.host}/dockerv2:1`;
  const config = await inspectJson<{ rootfs: { diff_ids: string[] } }>(name, { raw: true, config: true });
  const image = await openRegistryImage(name, options());
  try {
    assert.equal(image.layers[0]?.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    const a = await walkLayer(image.layers[0]!, { extractors: [], limits: DEFAULT_WALK_LIMITS });
    assert.equal(a.diffID, config.rootfs.diff_ids[0]);
    assert.deepEqual(a.entries.map((e) => e[0]), ['hello.txt']);
  } finally {
    await image.close();
  }
});

test('errors name the reference as typed; a bad reference is a usage error', async (t) => {
  if (skip) return t.skip(skip);
  const name = `${fx.registry.host}/app:1`;
  await assert.rejects(openRegistryImage(name, { caFiles: [fx.pki.caCert], env: fx.env }), (e: unknown) => {
    assert.ok(e instanceof StockadeError);
    assert.ok(e.oneLine.startsWith(`${name}: authentication required`), e.oneLine);
    return true;
  });
  await assert.rejects(openRegistryImage('Not/A/Valid:Ref!', options()), (e: unknown) => {
    assert.ok(e instanceof StockadeError);
    assert.equal(e.code, 'usage');
    assert.match(e.oneLine, /not a valid image reference/);
    return true;
  });
});

test('Docker Hub short names are normalised the way Docker does', () => {
  assert.deepEqual(parseRegistryReference('nginx'), { registry: 'docker.io', repository: 'library/nginx' });
  assert.deepEqual(parseRegistryReference('index.docker.io/user/app:1'), { registry: 'docker.io', repository: 'user/app', tag: '1' });
});
