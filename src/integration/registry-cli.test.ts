/**
 * `stockade image REF` and `stockade verify REF` against a real registry: Debian's
 * docker-registry 2.8 with TLS from a test CA and htpasswd auth (testing/registry-server.ts),
 * images pushed by skopeo, cosign signatures written in cosign's storage format (the
 * simple-signing payload as a layer of the `sha256-<hex>.sig` manifest, the signature
 * in its annotation) and pushed by skopeo too. Expected digests come from skopeo.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScanResult } from '../core/types.js';
import { REPO_ROOT } from '../testing/corpus.js';
import { missingRegistryTools, skopeoCopy, skopeoInspect, startRegistryFixture, type RegistryFixture } from '../testing/registry-server.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const missing = missingRegistryTools();
let fx: RegistryFixture | undefined;

before(async () => {
  if (!missing) fx = await startRegistryFixture();
});
after(async () => {
  await fx?.stop();
});

function cli(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: fx?.env, cwd: cwd ?? REPO_ROOT, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function auth(f: RegistryFixture): string[] {
  return ['--ca-file', f.pki.caCert, '--username', f.username, '--password', f.password];
}

async function digestOf(f: RegistryFixture, ref: string): Promise<string> {
  const info = JSON.parse((await skopeoInspect(`docker://${f.registry.host}/${ref}`, { certDir: f.pki.certDir, creds: f.creds })).toString()) as { Digest: string };
  return info.Digest;
}

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A cosign signature object, as cosign writes it, pushed to `<repo>:sha256-<hex>.sig`. */
async function pushCosignSignature(f: RegistryFixture, repo: string, signedDigest: string, tagDigest: string, key: KeyObject): Promise<void> {
  const payload = Buffer.from(
    `{"critical":{"identity":{"docker-reference":${JSON.stringify(`${f.registry.host}/${repo}`)}},"image":{"docker-manifest-digest":${JSON.stringify(signedDigest)}},"type":"cosign container image signature"},"optional":null}`,
  );
  const signature = sign('sha256', payload, key).toString('base64');
  const config = Buffer.from('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: sha256(payload), size: payload.length, annotations: { 'dev.cosignproject.cosign/signature': signature } }],
    }),
  );
  const dir = join(f.base, 'sig-layouts', createHash('sha256').update(`${repo}${signedDigest}${tagDigest}`).digest('hex').slice(0, 12));
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const blob of [payload, config, manifest]) writeFileSync(join(dir, 'blobs', 'sha256', sha256(blob).slice(7)), blob);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'sig' } }] }),
  );
  const tag = `sha256-${tagDigest.slice(7)}.sig`;
  await skopeoCopy(`oci:${dir}:sig`, `docker://${f.registry.host}/${repo}:${tag}`, { certDir: f.pki.certDir, creds: f.creds }, { preserveDigests: true });
}

/** The distribution API's monolithic upload (POST then PUT ?digest=), with basic auth over the test CA. */
function registryCall(f: RegistryFixture, method: string, path: string, body?: Buffer, contentType?: string): Promise<{ status: number; location?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const [host, port] = f.registry.host.split(':');
    const req = httpsRequest(
      {
        host,
        port: Number(port),
        method,
        path,
        ca: readFileSync(f.pki.caCert),
        headers: { authorization: `Basic ${Buffer.from(f.creds).toString('base64')}`, ...(body ? { 'content-length': body.length, 'content-type': contentType ?? 'application/octet-stream' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}), text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function pushBlob(f: RegistryFixture, repo: string, blob: Buffer): Promise<void> {
  const start = await registryCall(f, 'POST', `/v2/${repo}/blobs/uploads/`);
  assert.equal(start.status, 202, start.text);
  const location = new URL(start.location ?? '', `https://${f.registry.host}`);
  location.searchParams.set('digest', sha256(blob));
  const put = await registryCall(f, 'PUT', `${location.pathname}${location.search}`, blob);
  assert.equal(put.status, 201, put.text);
}

async function pushManifest(f: RegistryFixture, repo: string, reference: string, manifest: Buffer, mediaType: string): Promise<void> {
  const put = await registryCall(f, 'PUT', `/v2/${repo}/manifests/${reference}`, manifest, mediaType);
  assert.equal(put.status, 201, put.text);
}

test('image REF: pulled over TLS with credentials, layers verified and walked as they stream', async (t) => {
  if (!fx) return t.skip(missing ?? 'registry fixture unavailable');
  const r = cli(['image', `${fx.registry.host}/app:1`, ...auth(fx), '-f', 'json', '-q', '--scanners', 'none', '--no-cache']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as ScanResult;
  const expected = JSON.parse((await skopeoInspect(`docker://${fx.registry.host}/app:1`, { certDir: fx.pki.certDir, creds: fx.creds }, { config: true, raw: true })).toString()) as { rootfs: { diff_ids: string[] } };
  assert.equal(result.target.sourceKind, 'registry');
  assert.deepEqual(result.target.layers.map((l) => l.diffID), expected.rootfs.diff_ids);
  assert.deepEqual(result.target.repoDigests, [`${fx.registry.host}/app@${await digestOf(fx, 'app:1')}`]);

  // Without the test CA: TLS refused, one line, no stack.
  const untrusted = cli(['image', `${fx.registry.host}/app:1`, '--username', fx.username, '--password', fx.password, '-q', '--scanners', 'none']);
  assert.notEqual(untrusted.code, 0);
  assert.match(untrusted.stderr, /certificate|TLS/i);
  assert.equal(untrusted.stderr.trim().split('\n').length, 1, untrusted.stderr);
  // Wrong password: refused, naming the registry.
  const refused = cli(['image', `${fx.registry.host}/app:1`, '--ca-file', fx.pki.caCert, '--username', fx.username, '--password', 'wrong', '-q', '--scanners', 'none']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(fx.registry.host.replace(/[.]/g, '\\.')));
});

test('verify REF: cosign key signatures, the trust policy, and each failure named', async (t) => {
  if (!fx) return t.skip(missing ?? 'registry fixture unavailable');
  const good = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = join(fx.base, 'keys');
  mkdirSync(keys, { recursive: true });
  writeFileSync(join(keys, 'cosign.pub'), good.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(keys, 'other.pub'), other.publicKey.export({ type: 'spki', format: 'pem' }));

  const appDigest = await digestOf(fx, 'app:1');
  const v2Digest = await digestOf(fx, 'dockerv2:1');
  await pushCosignSignature(fx, 'app', appDigest, appDigest, good.privateKey);
  // dockerv2's signature tag holds a payload signed for app's digest: signed for another digest.
  await pushCosignSignature(fx, 'dockerv2', appDigest, v2Digest, good.privateKey);

  const verify = (ref: string, ...extra: string[]) => cli(['verify', `${fx!.registry.host}/${ref}`, ...auth(fx!), '-f', 'json', ...extra]);
  const signed = verify('app:1', '--key', join(keys, 'cosign.pub'));
  assert.equal(signed.code, 0, signed.stdout + signed.stderr);
  const report = JSON.parse(signed.stdout) as { ok: boolean; digest: string; results: Array<{ requirement: string; ok: boolean; message: string }> };
  assert.equal(report.digest, appDigest);
  assert.deepEqual(report.results.map((x) => [x.requirement, x.ok]), [['signature', true]]);

  const wrongKey = verify('app:1', '--key', join(keys, 'other.pub'));
  assert.equal(wrongKey.code, 1);
  assert.match(wrongKey.stdout, /does not verify|another key/i);
  const unsigned = verify('multi:1', '--key', join(keys, 'cosign.pub'));
  assert.equal(unsigned.code, 1);
  assert.match(unsigned.stdout, /unsigned|no signature/i);
  const otherDigest = verify('dockerv2:1', '--key', join(keys, 'cosign.pub'));
  assert.equal(otherDigest.code, 1);
  assert.match(otherDigest.stdout, /another digest|digest/i);

  // The policy file: keys per repository (relative to the file), trusted registries, no `latest`.
  const dir = join(fx.base, 'policy');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cosign.pub'), good.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(
    join(dir, 'stockade.yaml'),
    `trust:\n  registries: ["${fx.registry.host}/app"]\n  forbiddenTags: [latest]\n  signatures:\n    - repositories: ["${fx.registry.host}/app"]\n      keys: [cosign.pub]\n`,
  );
  const byPolicy = cli(['verify', `${fx.registry.host}/app:1`, ...auth(fx), '-f', 'json'], dir);
  assert.equal(byPolicy.code, 0, byPolicy.stdout + byPolicy.stderr);
  assert.deepEqual((JSON.parse(byPolicy.stdout) as typeof report).results.map((x) => [x.requirement, x.ok]), [['registry', true], ['tag', true], ['signature', true]]);
  const outside = cli(['verify', `${fx.registry.host}/multi:1`, ...auth(fx), '-f', 'table'], dir);
  assert.equal(outside.code, 1);
  assert.match(outside.stdout, /FAIL registry/);
  assert.match(outside.stdout, /NOT verified/);
});

test('admission trust facts: signatures verified once per digest, only where the policy asks', async (t) => {
  if (!fx) return t.skip(missing ?? 'registry fixture unavailable');
  const { RegistryClient } = await import('../registry/client.js');
  const { registryTrustFactsProvider } = await import('../trust/registry-facts.js');
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const dir = join(fx.base, 'facts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'k.pub'), key.publicKey.export({ type: 'spki', format: 'pem' }));
  const digest = await digestOf(fx, 'app:2');
  await pushCosignSignature(fx, 'app', digest, digest, key.privateKey);
  const project = { file: join(dir, 'stockade.yaml'), trust: { signatures: [{ repositories: [`${fx.registry.host}/app`], keys: ['k.pub'] }] } };
  const client = new RegistryClient({ caFiles: [fx.pki.caCert], username: fx.username, password: fx.password, credentialsRegistry: fx.registry.host, env: fx.env });
  try {
    const facts = registryTrustFactsProvider(project, client);
    const signed = await facts(`${fx.registry.host}/app:2`);
    assert.equal(signed.signature?.ok, true, signed.signature?.message);
    assert.ok(signed.created instanceof Date);
    // Pinned by the same digest: the cached verdict, the same object.
    assert.equal(await facts(`${fx.registry.host}/app@${digest}`), await facts(`${fx.registry.host}/app:2`));
    const uncovered = await facts(`${fx.registry.host}/multi:1`);
    assert.equal(uncovered.signature, undefined, 'no signature requirement covers multi');
  } finally {
    client.close();
  }
});

test('verify REF finds Sigstore bundles among referrers (fallback tag schema on distribution 2.8) and names why one fails', async (t) => {
  if (!fx) return t.skip(missing ?? 'registry fixture unavailable');
  const { bundleCases } = await import('../conformance/signatures.js');
  const happy = bundleCases()?.find((c) => c.name === 'managed-key-happy-path');
  if (!happy) return t.skip('../shared/corpus/signatures not present');
  // A real, valid Sigstore bundle (managed key) — but for the conformance artifact, not this image.
  const bundle = readFileSync(join(happy.dir, 'bundle.sigstore.json'));
  const imageDigest = await digestOf(fx, 'dockerv2:1');
  const bundleType = 'application/vnd.dev.sigstore.bundle.v0.3+json';
  const empty = Buffer.from('{}');
  const referrer = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: bundleType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: empty.length },
      layers: [{ mediaType: bundleType, digest: sha256(bundle), size: bundle.length }],
      subject: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: imageDigest, size: 1 },
      annotations: { 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1', 'dev.sigstore.bundle.content': 'dsse-envelope' },
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(referrer), size: referrer.length, artifactType: bundleType, annotations: { 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' } }],
    }),
  );
  // skopeo (Debian 12) will not push an OCI 1.1 artifact index with digests preserved, so the
  // test speaks the distribution API itself: blob uploads, then the manifests.
  const tag = `sha256-${imageDigest.slice(7)}`;
  for (const blob of [bundle, empty]) await pushBlob(fx, 'dockerv2', blob);
  await pushManifest(fx, 'dockerv2', sha256(referrer), referrer, 'application/vnd.oci.image.manifest.v1+json');
  await pushManifest(fx, 'dockerv2', tag, index, 'application/vnd.oci.image.index.v1+json');
  const r = cli(['verify', `${fx.registry.host}/dockerv2:1`, ...auth(fx), '-f', 'json', '--key', join(happy.dir, 'key.pub')]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as { results: Array<{ requirement: string; ok: boolean; message: string }> };
  const signature = report.results.find((x) => x.requirement === 'signature');
  assert.match(signature?.message ?? '', /Sigstore bundle referrer/);
  assert.match(signature?.message ?? '', /digest|subject|artifact/i);
});
