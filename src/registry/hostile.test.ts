// Registries that lie. A real registry verifies what is pushed and cannot be made to
// serve a manifest whose digest lies, a 100 MB manifest, a blob shorter or longer than
// its descriptor, a tampered layer or a schema 1 manifest, so every server here is a
// HAND-WRITTEN FAKE for hostile behaviour. The honest content it starts from is an OCI
// layout written by craft-image.ts; expected digests are those of the layout's files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import { walkLayer, DEFAULT_WALK_LIMITS } from '../image/walk-layer.js';
import { writeOciLayout, type CraftedLayout } from '../testing/craft-image.js';
import { APP_ENTRIES, makeTestPki, missingRegistryTools, sha256Of, startHttpsServer, tempDir, type SmallServer, type TestPki } from '../testing/registry-server.js';
import { RegistryClient, type RegistryClientOptions } from './client.js';
import { openRegistryImage } from './open-registry-image.js';
import { parseImageReference } from './reference.js';

const skip = missingRegistryTools();
let base: string;
let pki: TestPki;
let layout: CraftedLayout;
const servers: SmallServer[] = [];
const clients: RegistryClient[] = [];

before(async () => {
  if (skip) return;
  base = tempDir('hostile');
  pki = makeTestPki(join(base, 'pki'));
  layout = await writeOciLayout(join(base, 'layout'), {
    layers: APP_ENTRIES.map((entries, i) => ({ entries, compression: i === 2 ? 'none' : 'gzip' })),
  });
});
after(async () => {
  for (const c of clients) c.close();
  for (const s of servers) await s.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

async function fake(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<SmallServer> {
  const s = await startHttpsServer(pki, handler);
  servers.push(s);
  return s;
}
function client(extra: RegistryClientOptions = {}): RegistryClient {
  const c = new RegistryClient({ caFiles: [pki.caCert], env: { PATH: process.env.PATH ?? '' }, timeoutMs: 2000, retries: 0, ...extra });
  clients.push(c);
  return c;
}
async function rejectsWith(p: Promise<unknown>, code: StockadeError['code'], pattern: RegExp): Promise<StockadeError> {
  let caught: StockadeError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StockadeError, String(e));
    assert.equal(e.code, code, e.oneLine);
    assert.match(e.oneLine, pattern);
    caught = e;
    return true;
  });
  return caught as StockadeError;
}

const manifest = () => layout.manifests[0]!;
const blobFile = (digest: string) => join(layout.dir, 'blobs', 'sha256', digest.slice(7));
const manifestBytes = () => readFileSync(blobFile(manifest().descriptor.digest));

/** Serves the layout honestly except where `override` answers first. */
function layoutServer(override: (req: IncomingMessage, res: ServerResponse) => boolean = () => false) {
  return fake((req, res) => {
    if (override(req, res)) return;
    const url = req.url ?? '';
    const m = /^\/v2\/app\/(manifests|blobs)\/([^/?]+)$/.exec(url);
    if (!m) {
      res.statusCode = 404;
      res.end();
      return;
    }
    if (m[1] === 'manifests') {
      res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
      res.end(manifestBytes());
      return;
    }
    const file = blobFile(m[2] as string);
    if (!existsSync(file)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.end(readFileSync(file));
  });
}

test('a manifest whose digest lies: pull by digest and Docker-Content-Digest are both checked', async (t) => {
  if (skip) return t.skip(skip);
  const honest = manifest().descriptor.digest;
  const lie = `sha256:${'0'.repeat(64)}`;
  const s = await layoutServer((req, res) => {
    if (req.url?.startsWith('/v2/app/manifests/') && req.url.endsWith('tag-with-bad-header')) {
      res.setHeader('docker-content-digest', lie);
      res.end(manifestBytes());
      return true;
    }
    return false;
  });
  // Asked for `lie`, served the honest bytes.
  await rejectsWith(client().getManifest(parseImageReference(`${s.host}/app@${lie}`)), 'digest_mismatch', new RegExp(`served a manifest whose digest is ${honest}, not the ${lie} asked for`));
  await rejectsWith(client().getManifest(parseImageReference(`${s.host}/app:tag-with-bad-header`)), 'digest_mismatch', new RegExp(`says manifest tag-with-bad-header has digest ${lie} \\(Docker-Content-Digest\\) but its bytes hash to ${honest}`));
  // Honest by digest: the layout's own digest.
  assert.equal((await client().getManifest(parseImageReference(`${s.host}/app@${honest}`))).digest, sha256Of(manifestBytes()));
});

test('a 100 MB manifest is refused at 4 MiB, whether Content-Length says so or not', async (t) => {
  if (skip) return t.skip(skip);
  const total = 100 * 1024 * 1024;
  let written = 0;
  let declare = true;
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const s = await fake((_req, res) => {
    res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
    if (declare) res.setHeader('content-length', String(total));
    written = 0;
    const pump = (): void => {
      while (written < total) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    res.on('error', () => undefined);
    pump();
  });
  const ref = parseImageReference(`${s.host}/app:big`);
  await rejectsWith(client().getManifest(ref), 'limit_exceeded', /manifest big from 127\.0\.0\.1:\d+ is 104857600 bytes, more than the 4194304-byte limit/);
  declare = false;
  await rejectsWith(client().getManifest(ref), 'limit_exceeded', /manifest big from 127\.0\.0\.1:\d+ is larger than the 4194304-byte limit/);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(written < 40 * 1024 * 1024, `the server got to write ${written} bytes`);
});

test('blobs shorter or longer than their descriptor, cut off, stalled or tampered: a clear error, never a clean end', async (t) => {
  if (skip) return t.skip(skip);
  const layer = manifest().layers[2]!;
  const bytes = readFileSync(blobFile(layer.digest));
  let mode = 'short-chunked';
  const s = await fake((req, res) => {
    // write() then end(): chunked encoding, no Content-Length to give the lie away early.
    if (mode === 'short-chunked') {
      res.write(bytes.subarray(0, bytes.length - 10));
      res.end();
    } else if (mode === 'long-chunked') {
      res.write(Buffer.concat([bytes, Buffer.alloc(10)]));
      res.end();
    }
    else if (mode === 'wrong-length') {
      res.setHeader('content-length', String(bytes.length - 10));
      res.end(bytes.subarray(0, bytes.length - 10));
    } else if (mode === 'cut') {
      res.setHeader('content-length', String(bytes.length));
      res.write(bytes.subarray(0, 1000), () => setTimeout(() => req.socket.destroy(), 50));
    } else if (mode === 'stall') {
      res.setHeader('content-length', String(bytes.length));
      res.write(bytes.subarray(0, 1000));
    } else if (mode === 'tampered') {
      const copy = Buffer.from(bytes);
      copy[2000] = (copy[2000] ?? 0) ^ 0xff;
      res.end(copy);
    }
  });
  const ref = parseImageReference(`${s.host}/app`);
  const read = async (): Promise<void> => {
    for await (const _ of client().getBlob(ref, { digest: layer.digest, size: layer.size })) void _;
  };
  mode = 'short-chunked';
  await rejectsWith(read(), 'digest_mismatch', new RegExp(`ended after ${bytes.length - 10} of the ${bytes.length} bytes its descriptor says`));
  await rejectsWith(client().getBlobBytes(ref, { digest: layer.digest, size: layer.size }, 1 << 20), 'digest_mismatch', /ended after/);
  mode = 'long-chunked';
  await rejectsWith(read(), 'digest_mismatch', new RegExp(`is longer than the ${bytes.length} bytes its descriptor says`));
  mode = 'wrong-length';
  await rejectsWith(read(), 'digest_mismatch', new RegExp(`sends blob ${layer.digest} as ${bytes.length - 10} bytes, but its descriptor says ${bytes.length}`));
  mode = 'cut';
  await rejectsWith(read(), 'not_found', new RegExp(`connection to 127\\.0\\.0\\.1:\\d+ closed after 1000 of ${bytes.length} bytes of blob ${layer.digest}`));
  mode = 'stall';
  const t0 = Date.now();
  await rejectsWith(
    (async () => {
      for await (const _ of client({ timeoutMs: 500 }).getBlob(ref, { digest: layer.digest, size: layer.size })) void _;
    })(),
    'limit_exceeded',
    new RegExp(`127\\.0\\.0\\.1:\\d+ stalled while sending blob ${layer.digest} within 500 ms`),
  );
  assert.ok(Date.now() - t0 < 3000);
  mode = 'tampered';
  await rejectsWith(read(), 'digest_mismatch', new RegExp(`has digest sha256:[0-9a-f]{64}, expected ${layer.digest}`));
});

test('a tampered layer served through openRegistryImage fails inside the layer walk (digest_mismatch)', async (t) => {
  if (skip) return t.skip(skip);
  const victim = manifest().layers[2]!;
  const s = await layoutServer((req, res) => {
    if (req.url === `/v2/app/blobs/${victim.digest}`) {
      const copy = Buffer.from(readFileSync(blobFile(victim.digest)));
      // Flip a byte inside opt/big.bin's content: the tar still parses, only the digest can tell.
      copy[100_000] = (copy[100_000] ?? 0) ^ 0x01;
      res.end(copy);
      return true;
    }
    return false;
  });
  const image = await openRegistryImage(`${s.host}/app:1`, { caFiles: [pki.caCert], env: { PATH: process.env.PATH ?? '' }, timeoutMs: 2000 });
  try {
    // The honest layers walk; the tampered one does not.
    await walkLayer(image.layers[0]!, { extractors: [], limits: DEFAULT_WALK_LIMITS });
    await rejectsWith(walkLayer(image.layers[2]!, { extractors: [], limits: DEFAULT_WALK_LIMITS }), 'digest_mismatch', new RegExp(`expected ${victim.digest}`));
  } finally {
    await image.close();
  }
});

test('an index entry whose size lies, and a Docker schema 1 manifest, are refused', async (t) => {
  if (skip) return t.skip(skip);
  const m = manifest().descriptor;
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ ...m, size: m.size + 1, platform: { os: 'linux', architecture: 'amd64' } }] }));
  const schema1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'app', tag: 'old', fsLayers: [], signatures: [] }));
  const s = await layoutServer((req, res) => {
    if (req.url === '/v2/app/manifests/lying-index') {
      res.setHeader('content-type', 'application/vnd.oci.image.index.v1+json');
      res.end(index);
      return true;
    }
    if (req.url === '/v2/app/manifests/old') {
      res.setHeader('content-type', 'application/vnd.docker.distribution.manifest.v1+prettyjws');
      res.end(schema1);
      return true;
    }
    return false;
  });
  const opts = { caFiles: [pki.caCert], env: { PATH: process.env.PATH ?? '' }, timeoutMs: 2000 };
  await rejectsWith(openRegistryImage(`${s.host}/app:lying-index`, opts), 'digest_mismatch', new RegExp(`image manifest ${m.digest} is ${m.size} bytes but its descriptor says ${m.size + 1}`));
  await rejectsWith(openRegistryImage(`${s.host}/app:old`, opts), 'unsupported_format', /Docker schema 1 manifest, which is deprecated and not supported/);
});

test('referrers from a registry with the OCI 1.1 API (hand-written fake: distribution 2.8 has none)', async (t) => {
  if (skip) return t.skip(skip);
  const subject = manifest().descriptor.digest;
  const sig = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'b'.repeat(64)}`, size: 123, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' };
  let asked = '';
  let body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [sig] });
  const s = await fake((req, res) => {
    asked = req.url ?? '';
    res.setHeader('content-type', 'application/vnd.oci.image.index.v1+json');
    res.end(body);
  });
  const ref = parseImageReference(`${s.host}/app`);
  const got = await client().getReferrers(ref, subject, sig.artifactType);
  assert.equal(asked, `/v2/app/referrers/${subject}?artifactType=${encodeURIComponent(sig.artifactType)}`);
  assert.deepEqual(got?.manifests, [sig]);
  body = '{"schemaVersion":2,"manifests":[{"digest":"nope"}]}';
  await rejectsWith(client().getReferrers(ref, subject), 'malformed_input', /referrers of sha256:[0-9a-f]+ from 127\.0\.0\.1:\d+ is not an OCI image index/);
});
