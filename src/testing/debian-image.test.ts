/**
 * Checks the cached Debian fixture with tools other than the ones that built it:
 * skopeo reads all three forms, tar lists the archives, dpkg-query (the truth) was run
 * on a rootfs whose dpkg database must also be the one inside the layers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildDebianImage, debianImageUnavailable, DEBIAN_SMALL, parseDpkgQuery, type DebianImage } from './debian-image.js';

interface SkopeoInspect {
  Layers: string[];
  Os: string;
  Architecture: string;
  Env: string[] | null;
}

function skopeoInspect(ref: string): SkopeoInspect {
  return JSON.parse(execFileSync('skopeo', ['inspect', ref], { encoding: 'utf8' })) as SkopeoInspect;
}

function tarList(file: string): string[] {
  return execFileSync('tar', ['-tf', file], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter(Boolean);
}

test('parseDpkgQuery reads tab-separated lines and fills a missing source from the binary', () => {
  const parsed = parseDpkgQuery('bash\t5.2.15-2+b7\tamd64\tbash\t5.2.15-2\nzlib1g\t1:1.2.13\tamd64\t\t\n');
  assert.deepEqual(parsed[0], { name: 'bash', version: '5.2.15-2+b7', arch: 'amd64', sourceName: 'bash', sourceVersion: '5.2.15-2' });
  assert.deepEqual(parsed[1], { name: 'zlib1g', version: '1:1.2.13', arch: 'amd64', sourceName: 'zlib1g', sourceVersion: '1:1.2.13' });
  assert.throws(() => parseDpkgQuery('only-a-name\n'));
});

test('buildDebianImage: three forms, a rootfs and dpkg truth for a small bookworm image', { timeout: 15 * 60_000 }, async (t) => {
  const why = debianImageUnavailable();
  if (why) {
    t.skip(why);
    return;
  }
  const img: DebianImage = await buildDebianImage(DEBIAN_SMALL);

  await t.test('truth lists dpkg, base-files and the requested packages', () => {
    const names = new Set(img.truth.map((p) => p.name));
    for (const n of ['dpkg', 'base-files', ...DEBIAN_SMALL.packages]) assert.ok(names.has(n), `${n} missing from truth`);
    const six = img.truth.find((p) => p.name === 'python3-six');
    assert.equal(six?.sourceName, 'six');
    // The truth must equal what dpkg-query reads straight from the extracted rootfs now.
    const again = execFileSync('dpkg-query', [`--admindir=${join(img.rootfsDir, 'var/lib/dpkg')}`, '-W', '-f', '${Package}\\n'], { encoding: 'utf8' });
    assert.deepEqual([...names].sort(), again.split('\n').filter(Boolean).sort());
  });

  await t.test('skopeo reads the OCI layout, the OCI archive and the docker-archive as the same image', () => {
    const layout = skopeoInspect(`oci:${img.ociLayout}:${img.refName}`);
    const archive = skopeoInspect(`oci-archive:${img.ociArchive}:${img.refName}`);
    const docker = skopeoInspect(`docker-archive:${img.dockerArchive}`);
    assert.deepEqual(layout.Layers, img.layers.map((l) => l.digest));
    assert.deepEqual(archive.Layers, layout.Layers);
    // docker-archive layers are stored uncompressed, so skopeo names them by diffID.
    assert.deepEqual(docker.Layers, img.layers.map((l) => l.diffID));
    assert.equal(layout.Os, 'linux');
    assert.ok(layout.Env?.some((e) => e.startsWith('PATH=')), 'umoci config set PATH');
  });

  await t.test('layer blobs hash to their digests and gunzip to their diffIDs', () => {
    for (const l of img.layers) {
      const file = join(img.ociLayout, 'blobs', 'sha256', l.digest.slice('sha256:'.length));
      const sum = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
      assert.equal(`sha256:${sum}`, l.digest);
      assert.equal(statSync(file).size, l.compressedSize);
      const diff = execFileSync('sh', ['-c', 'gzip -dc "$1" | sha256sum', 'sh', file], { encoding: 'utf8' }).split(' ')[0];
      assert.equal(`sha256:${diff}`, l.diffID);
    }
  });

  await t.test('docker-archive has the shape skopeo 1.9 writes (top-level <diffid>.tar, symlinked <id>/layer.tar)', () => {
    const names = tarList(img.dockerArchive);
    assert.ok(names.includes('manifest.json'));
    assert.ok(names.includes('repositories'));
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', img.dockerArchive, 'manifest.json'], { encoding: 'utf8' })) as Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
    assert.equal(manifest.length, 1);
    assert.deepEqual(manifest[0]?.RepoTags, [img.dockerRef]);
    assert.deepEqual(manifest[0]?.Layers, img.layers.map((l) => `${l.diffID.slice('sha256:'.length)}.tar`));
    const verbose = execFileSync('tar', ['-tvf', img.dockerArchive], { encoding: 'utf8' });
    assert.match(verbose, /^l.* [0-9a-f]{64}\/layer\.tar -> \.\.\/[0-9a-f]{64}\.tar$/m);
  });

  await t.test('the rootfs tar, the rootfs dir and the top layer agree on the dpkg status file', () => {
    const status = readFileSync(join(img.rootfsDir, 'var/lib/dpkg/status'));
    const fromTar = execFileSync('tar', ['-xOf', img.rootfsTar, './var/lib/dpkg/status'], { maxBuffer: 64 << 20 });
    assert.equal(createHash('sha256').update(status).digest('hex'), createHash('sha256').update(fromTar).digest('hex'));
    assert.ok(existsSync(join(img.rootfsDir, 'usr/bin/python3')));
  });

  await t.test('a second call returns the cached build', async () => {
    const t0 = Date.now();
    const again = await buildDebianImage(DEBIAN_SMALL);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(again.ociLayout, img.ociLayout);
  });
});
