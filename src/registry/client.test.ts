// RegistryClient against a real registry: Debian's docker-registry (distribution 2.8)
// on 127.0.0.1 with TLS from a test CA and htpasswd auth, images pushed by skopeo.
// Expected digests, manifests, configs and tag lists come from skopeo (`inspect`,
// `inspect --raw`, `inspect --config --raw`, `list-tags`) and from the layout files
// that were pushed (sha256sum); never from our own output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import { MEDIA } from '../image/oci.js';
import {
  missingRegistryTools,
  runAsync,
  sha256Of,
  sha256sum,
  skopeoInspect,
  startRegistry,
  startRegistryFixture,
  MULTI_PLATFORMS,
  type RegistryFixture,
} from '../testing/registry-server.js';
import { RegistryClient, registryHost, nextLink } from './client.js';
import { parseImageReference } from './reference.js';

const skip = missingRegistryTools();
let fx: RegistryFixture;

before(async () => {
  if (!skip) fx = await startRegistryFixture();
});
after(async () => {
  await fx?.stop();
});

function client(extra: ConstructorParameters<typeof RegistryClient>[0] = {}): RegistryClient {
  const c = new RegistryClient({
    caFiles: [fx.pki.caCert],
    env: fx.env,
    username: fx.username,
    password: fx.password,
    credentialsRegistry: fx.registry.host,
    timeoutMs: 10_000,
    ...extra,
  });
  fx.onStop(() => c.close());
  return c;
}

const auth = () => ({ certDir: fx.pki.certDir, creds: fx.creds });
const ref = (name: string) => parseImageReference(`${fx.registry.host}/${name}`);

async function expectError(p: Promise<unknown>, code: StockadeError['code'], pattern: RegExp): Promise<StockadeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StockadeError, `expected a StockadeError, got ${String(e)}`);
    assert.equal(e.code, code, e.oneLine);
    assert.match(e.oneLine, pattern);
    assert.ok(!e.oneLine.includes('\n'));
    return e;
  }
  assert.fail('expected an error');
}

test('manifest by tag: bytes and digest are what skopeo sees', async (t) => {
  if (skip) return t.skip(skip);
  const raw = await skopeoInspect(`${fx.registry.host}/app:1`, auth(), { raw: true });
  const inspected = JSON.parse((await skopeoInspect(`${fx.registry.host}/app:1`, auth())).toString()) as { Digest: string };
  const m = await client().getManifest(ref('app:1'));
  assert.equal(m.kind, 'manifest');
  assert.equal(m.mediaType, MEDIA.ociManifest);
  assert.deepEqual(m.bytes, raw);
  assert.equal(m.digest, sha256Of(raw));
  assert.equal(m.digest, inspected.Digest);
  // The pushed layout's own manifest blob: skopeo did not rewrite it.
  assert.equal(m.digest, fx.images.app.manifests[0]?.descriptor.digest);
  assert.equal(m.host, fx.registry.host);
});

test('manifest by digest: the digest from skopeo inspect fetches the same bytes', async (t) => {
  if (skip) return t.skip(skip);
  const inspected = JSON.parse((await skopeoInspect(`${fx.registry.host}/app:1`, auth())).toString()) as { Digest: string };
  const m = await client().getManifest(ref(`app@${inspected.Digest}`));
  assert.equal(m.digest, inspected.Digest);
  assert.equal(sha256Of(m.bytes), inspected.Digest);
});

test('multi-platform index (pushed with skopeo --all): kind index, digest and entries as skopeo sees them', async (t) => {
  if (skip) return t.skip(skip);
  const raw = await skopeoInspect(`${fx.registry.host}/multi:1`, auth(), { raw: true });
  const m = await client().getManifest(ref('multi:1'));
  assert.equal(m.kind, 'index');
  assert.equal(m.mediaType, MEDIA.ociIndex);
  assert.equal(m.digest, sha256Of(raw));
  // Pushed with --preserve-digests: the layout's own index blob.
  assert.equal(m.digest, fx.images.multi.top.digest);
  const index = JSON.parse(raw.toString()) as { manifests: Array<{ platform: { os: string; architecture: string; variant?: string } }> };
  assert.deepEqual(
    index.manifests.map((d) => d.platform),
    MULTI_PLATFORMS,
  );
});

test('Docker schema 2 media types are read as manifests', async (t) => {
  if (skip) return t.skip(skip);
  const raw = await skopeoInspect(`${fx.registry.host}/dockerv2:1`, auth(), { raw: true });
  const m = await client().getManifest(ref('dockerv2:1'));
  assert.equal(m.mediaType, MEDIA.dockerManifest);
  assert.equal(m.kind, 'manifest');
  assert.equal(m.digest, sha256Of(raw));
});

test('config blob in memory: bytes equal skopeo inspect --config --raw and the pushed layout file', async (t) => {
  if (skip) return t.skip(skip);
  const raw = await skopeoInspect(`${fx.registry.host}/app:1`, auth(), { raw: true, config: true });
  const manifest = JSON.parse((await skopeoInspect(`${fx.registry.host}/app:1`, auth(), { raw: true })).toString()) as { config: { digest: string; size: number } };
  const bytes = await client().getBlobBytes(ref('app'), manifest.config, 1 << 20);
  assert.deepEqual(bytes, raw);
  const file = join(fx.images.app.dir, 'blobs', 'sha256', manifest.config.digest.slice(7));
  assert.equal(sha256sum(file), manifest.config.digest);
  await expectError(client().getBlobBytes(ref('app'), manifest.config, 10), 'limit_exceeded', /more than the 10-byte limit/);
});

test('layer blob stream: the same bytes as the pushed layout file (sha256sum)', async (t) => {
  if (skip) return t.skip(skip);
  for (const layer of fx.images.app.manifests[0]?.layers ?? []) {
    const chunks: Buffer[] = [];
    for await (const c of client().getBlob(ref('app'), { digest: layer.digest, size: layer.size })) chunks.push(c as Buffer);
    const file = join(fx.images.app.dir, 'blobs', 'sha256', layer.digest.slice(7));
    assert.deepEqual(Buffer.concat(chunks), readFileSync(file));
    assert.equal(sha256sum(file), layer.digest);
  }
});

test('a blob descriptor with the wrong size fails (the real registry sends the true size)', async (t) => {
  if (skip) return t.skip(skip);
  const layer = fx.images.app.manifests[0]?.layers[0];
  assert.ok(layer);
  const read = async (size: number) => {
    for await (const _ of client().getBlob(ref('app'), { digest: layer.digest, size })) void _;
  };
  await expectError(read(layer.size + 1), 'digest_mismatch', new RegExp(`${layer.size} bytes, but its descriptor says ${layer.size + 1}`));
});

test('tags: the same list as skopeo list-tags', async (t) => {
  if (skip) return t.skip(skip);
  const out = JSON.parse((await runAsync('skopeo', ['list-tags', '--cert-dir', fx.pki.certDir, '--creds', fx.creds, `docker://${fx.registry.host}/app`])).toString()) as { Tags: string[] };
  const tags = await client().listTags(ref('app'));
  assert.deepEqual([...tags].sort(), [...out.Tags].sort());
  assert.deepEqual([...tags].sort(), ['1', '2']);
});

test('referrers: distribution 2.8 has no OCI 1.1 referrers API, so the answer is undefined', async (t) => {
  if (skip) return t.skip(skip);
  const inspected = JSON.parse((await skopeoInspect(`${fx.registry.host}/app:1`, auth())).toString()) as { Digest: string };
  assert.equal(await client().getReferrers(ref('app'), inspected.Digest), undefined);
});

test('unknown tag and unknown repository: not_found naming what is missing', async (t) => {
  if (skip) return t.skip(skip);
  await expectError(client().getManifest(ref('app:nope')), 'not_found', /manifest nope not found on 127\.0\.0\.1:\d+ \(MANIFEST_UNKNOWN/);
  // distribution 2.8 answers MANIFEST_UNKNOWN for a repository it never saw, too.
  await expectError(client().getManifest(ref('nothing-here:1')), 'not_found', /manifest 1 not found on 127\.0\.0\.1:\d+ \(/);
});

test('anonymous pull from an htpasswd registry: a clear "authentication required"', async (t) => {
  if (skip) return t.skip(skip);
  const anon = new RegistryClient({ caFiles: [fx.pki.caCert], env: fx.env });
  fx.onStop(() => anon.close());
  await expectError(anon.getManifest(ref('app:1')), 'not_found', /authentication required: .* asks for a username and password \(Basic\)/);
});

test('wrong password: "authentication failed" naming the user, never the password', async (t) => {
  if (skip) return t.skip(skip);
  const e = await expectError(client({ password: 'wrong-password' }).getManifest(ref('app:1')), 'not_found', /authentication failed: .* refused user stockade \(--username\/--password\)/);
  assert.ok(!e.oneLine.includes('wrong-password'));
});

test('mirrors: pulls by digest go to the mirror first, tags only to the registry, and a failing mirror falls back', async (t) => {
  if (skip) return t.skip(skip);
  const inspected = JSON.parse((await skopeoInspect(`${fx.registry.host}/app:1`, auth())).toString()) as { Digest: string };
  // A mirror that serves the same storage without auth: the registry's credentials are
  // bound to the registry, so a successful anonymous-only pull proves the mirror served it.
  const mirror = await startRegistry({ storageDir: fx.storage, tls: fx.pki });
  fx.onStop(() => mirror.stop());
  const viaMirror = new RegistryClient({ caFiles: [fx.pki.caCert], env: fx.env, mirrors: { [fx.registry.host]: [mirror.host] } });
  fx.onStop(() => viaMirror.close());
  const m = await viaMirror.getManifest(ref(`app@${inspected.Digest}`));
  assert.equal(m.host, mirror.host);
  assert.equal(m.digest, inspected.Digest);
  // Tags are never taken from a mirror: this goes to the registry, which wants credentials.
  await expectError(viaMirror.getManifest(ref('app:1')), 'not_found', /authentication required/);

  // An empty mirror answers 404: fall back to the registry (with its credentials).
  const empty = await startRegistry({ storageDir: join(fx.base, 'empty-storage'), tls: fx.pki });
  fx.onStop(() => empty.stop());
  const fallback = client({ mirrors: { [fx.registry.host]: [empty.host] } });
  const f = await fallback.getManifest(ref(`app@${inspected.Digest}`));
  assert.equal(f.host, fx.registry.host);
  const layer = fx.images.app.manifests[0]?.layers[1];
  assert.ok(layer);
  const blob = await fallback.getBlobBytes(ref('app'), layer, 1 << 20);
  assert.equal(sha256Of(blob), layer.digest);

  // A mirror that is down: fall back too.
  const down = await startRegistry({ storageDir: fx.storage, tls: fx.pki });
  await down.stop();
  const f2 = await client({ mirrors: { [fx.registry.host]: [down.host] } }).getManifest(ref(`app@${inspected.Digest}`));
  assert.equal(f2.host, fx.registry.host);
});

test('Docker Hub is served by registry-1.docker.io; Link headers page tags on the same origin only', () => {
  assert.equal(registryHost('docker.io'), 'registry-1.docker.io');
  assert.equal(registryHost('ghcr.io'), 'ghcr.io');
  const base = new URL('https://r.example/v2/app/tags/list?n=2');
  assert.equal(nextLink('</v2/app/tags/list?n=2&last=b>; rel="next"', base)?.href, 'https://r.example/v2/app/tags/list?n=2&last=b');
  assert.equal(nextLink('<https://other.example/x>; rel=next', base)?.host, 'other.example');
  assert.equal(nextLink('</x>; rel="prev"', base), undefined);
  assert.equal(nextLink(undefined, base), undefined);
});
