/**
 * The crafted images are checked by tools that share no code with craft-image.ts:
 * Python's tarfile and GNU tar read the tars, sha256sum hashes blobs, gzip/zstd test
 * and expand them, skopeo and umoci read layouts and archives (and must reject the
 * corrupt ones for the reason we built in).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  gzipBomb,
  makeLayerTar,
  writeDockerArchive,
  writeOciArchive,
  writeOciLayout,
  zstdBomb,
  type EntrySpec,
} from './craft-image.js';

const work = mkdtempSync(join(tmpdir(), 'stockade-craft-test-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

function have(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, tool)));
}

function missing(...tools: string[]): string | undefined {
  const absent = tools.filter((t) => !have(t));
  return absent.length ? `not installed: ${absent.join(', ')}` : undefined;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function sh(script: string, ...args: string[]): string {
  return execFileSync('sh', ['-c', script, 'sh', ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
}

function sha256sum(file: string): string {
  return `sha256:${sh('sha256sum "$1"', file).split(' ')[0]}`;
}

function blobPath(layout: string, digest: string): string {
  return join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

function fails(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.notEqual(r.status, 0, `${cmd} ${args.join(' ')} should fail`);
  return `${r.stdout}${r.stderr}`;
}

interface PyMember {
  name: string;
  type: string;
  linkname: string;
  mode: number;
  devmajor: number;
  devminor: number;
  size: number;
  content: string | null;
}

/** Python's tarfile: an independent tar reader that keeps names exactly as stored. */
function pythonTarList(file: string): PyMember[] {
  const script = [
    'import json, sys, tarfile',
    'kinds = {tarfile.REGTYPE: "file", tarfile.DIRTYPE: "dir", tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "link",',
    '         tarfile.CHRTYPE: "char", tarfile.BLKTYPE: "block", tarfile.FIFOTYPE: "fifo"}',
    'out = []',
    'with tarfile.open(sys.argv[1]) as t:',
    '    for m in t.getmembers():',
    '        data = t.extractfile(m).read().decode("latin-1") if m.isreg() else None',
    '        out.append(dict(name=m.name, type=kinds.get(m.type, repr(m.type)), linkname=m.linkname, mode=m.mode,',
    '                        devmajor=m.devmajor, devminor=m.devminor, size=m.size, content=data))',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 64 << 20 })) as PyMember[];
}

const HOSTILE_ENTRIES: EntrySpec[] = [
  { path: 'etc/', type: 'dir', mode: 0o755 },
  { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
  { path: '../escape', content: 'outside' },
  { path: '/abs/path', content: 'absolute' },
  { path: 'etc/.wh.passwd' },
  { path: 'var/lib/.wh..wh..opq' },
  { path: 'bin/sh', type: 'symlink', linkname: '/bin/dash' },
  { path: 'bin/hard', type: 'link', linkname: 'etc/os-release' },
  { path: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
  { path: 'dev/sda', type: 'block', mode: 0o660, devmajor: 8, devminor: 0 },
  { path: 'run/fifo', type: 'fifo' },
  { path: 'usr/bin/su', content: 'setuid', mode: 0o4755 },
  { path: `${'deep/'.repeat(40)}long-name-past-the-ustar-limit`, content: 'long' },
  { path: 'link-with-long-target', type: 'symlink', linkname: `${'t'.repeat(150)}` },
];

test('makeLayerTar writes every entry exactly as specified (read back by Python tarfile and GNU tar)', async (t) => {
  const why = missing('python3', 'tar');
  if (why) return t.skip(why);
  const file = join(work, 'hostile.tar');
  writeFileSync(file, await makeLayerTar(HOSTILE_ENTRIES));
  const members = pythonTarList(file);
  assert.equal(members.length, HOSTILE_ENTRIES.length);
  for (const [i, spec] of HOSTILE_ENTRIES.entries()) {
    const m = members[i] as PyMember;
    // tarfile strips one trailing slash from directory names; nothing else changes.
    assert.equal(m.name, spec.type === 'dir' ? spec.path.replace(/\/$/, '') : spec.path, `entry ${i}`);
    assert.equal(m.type, spec.type ?? 'file', spec.path);
    assert.equal(m.linkname, spec.linkname ?? '', spec.path);
    assert.equal(m.mode, spec.mode ?? (spec.type === 'dir' ? 0o755 : 0o644), spec.path);
    if (spec.type === 'char' || spec.type === 'block') assert.deepEqual([m.devmajor, m.devminor], [spec.devmajor, spec.devminor]);
    if ((spec.type ?? 'file') === 'file') assert.equal(m.content, String(spec.content ?? ''), spec.path);
  }
  // GNU tar lists it without error (it prints names as stored, minus leading '/').
  const listing = sh('tar -tf "$1" 2>/dev/null', file).split('\n').filter(Boolean);
  assert.ok(listing.includes('../escape'));
  assert.ok(listing.includes('var/lib/.wh..wh..opq'));
});

test('writeOciLayout: gzip, zstd and plain layers that skopeo, umoci, sha256sum, gzip and zstd accept', async (t) => {
  const why = missing('skopeo', 'umoci', 'sha256sum', 'gzip', 'zstd');
  if (why) return t.skip(why);
  const dir = join(work, 'layout-ok');
  const layout = await writeOciLayout(dir, {
    layers: [
      { entries: [{ path: 'etc/', type: 'dir' }, { path: 'etc/os-release', content: 'ID=debian\n' }], compression: 'gzip', createdBy: 'ADD base' },
      { entries: [{ path: 'app/', type: 'dir' }, { path: 'app/main.js', content: 'console.log(1)\n' }], compression: 'zstd', createdBy: 'COPY app' },
      { entries: [{ path: 'etc/.wh.os-release' }], compression: 'none', createdBy: 'RUN rm /etc/os-release' },
    ],
    config: { User: '1000:1000', Env: ['PATH=/usr/bin', 'NODE_ENV=production'], Cmd: ['node', '/app/main.js'] },
    refName: 'v1',
  });
  const layers = layout.manifests[0]?.layers ?? [];
  assert.equal(layers.length, 3);

  const inspected = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${dir}:v1`], { encoding: 'utf8' })) as { Layers: string[]; Env: string[] };
  assert.deepEqual(inspected.Layers, layers.map((l) => l.digest));
  assert.deepEqual(inspected.Env, ['PATH=/usr/bin', 'NODE_ENV=production']);
  const config = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `oci:${dir}:v1`], { encoding: 'utf8' })) as {
    config: { User: string; Cmd: string[] };
    history: Array<{ created_by: string }>;
    rootfs: { diff_ids: string[] };
  };
  assert.equal(config.config.User, '1000:1000');
  assert.deepEqual(config.history.map((h) => h.created_by), ['ADD base', 'COPY app', 'RUN rm /etc/os-release']);

  const expand = { gzip: 'gzip -dc "$1"', zstd: 'zstd -dcq "$1"', none: 'cat "$1"' } as const;
  const manifest = JSON.parse(readFileSync(blobPath(dir, layout.top.digest), 'utf8')) as { layers: Array<{ mediaType: string; size: number }> };
  for (const [i, l] of layers.entries()) {
    const file = blobPath(dir, l.digest);
    assert.equal(sha256sum(file), l.digest, `layer ${i} digest`);
    assert.equal(statSync(file).size, manifest.layers[i]?.size);
    assert.equal(`sha256:${sh(`${expand[l.compression]} | sha256sum`, file).split(' ')[0]}`, config.rootfs.diff_ids[i]);
  }
  assert.deepEqual(manifest.layers.map((l) => l.mediaType), [
    'application/vnd.oci.image.layer.v1.tar+gzip',
    'application/vnd.oci.image.layer.v1.tar+zstd',
    'application/vnd.oci.image.layer.v1.tar',
  ]);
  sh('gzip -t "$1"', blobPath(dir, layers[0]?.digest ?? ''));
  sh('zstd -tq "$1"', blobPath(dir, layers[1]?.digest ?? ''));

  // skopeo copy verifies every blob digest on the way.
  execFileSync('skopeo', ['copy', '-q', `oci:${dir}:v1`, `dir:${join(work, 'copied')}`]);
  if (isRoot) {
    // umoci applies the layers, checks diffIDs and honours the whiteout in the top
    // layer. umoci 0.4.7 has no zstd support, so this copy uses gzip for layer 1.
    const gzDir = join(work, 'layout-umoci');
    await writeOciLayout(gzDir, {
      layers: [
        { entries: [{ path: 'etc/', type: 'dir' }, { path: 'etc/os-release', content: 'ID=debian\n' }], compression: 'gzip' },
        { entries: [{ path: 'app/', type: 'dir' }, { path: 'app/main.js', content: 'console.log(1)\n' }], compression: 'gzip' },
        { entries: [{ path: 'etc/.wh.os-release' }], compression: 'none' },
      ],
    });
    const bundle = join(work, 'bundle-ok');
    execFileSync('umoci', ['unpack', '--image', `${gzDir}:latest`, bundle], { stdio: 'pipe' });
    assert.equal(readFileSync(join(bundle, 'rootfs/app/main.js'), 'utf8'), 'console.log(1)\n');
    assert.equal(existsSync(join(bundle, 'rootfs/etc/os-release')), false);
    assert.equal(existsSync(join(bundle, 'rootfs/etc')), true);
  }
});

test('writeOciLayout corruptions are each caught by skopeo or umoci for the built-in reason', async (t) => {
  const why = missing('skopeo', 'umoci', 'sha256sum', 'gzip') ?? (isRoot ? undefined : 'umoci unpack needs root here');
  if (why) return t.skip(why);
  const entries: EntrySpec[] = [{ path: 'etc/', type: 'dir' }, { path: 'etc/hostname', content: 'box\n' }];
  const make = async (corrupt: 'digest' | 'diffid' | 'truncate' | 'size') => {
    const dir = join(work, `corrupt-${corrupt}`);
    const l = await writeOciLayout(dir, { layers: [{ entries, compression: 'gzip', corrupt }] });
    return { dir, layer: l.manifests[0]?.layers[0] };
  };
  const unpackError = (dir: string, name: string): string => fails('umoci', ['unpack', '--image', `${dir}:latest`, join(work, `bundle-${name}`)]);

  const digest = await make('digest');
  assert.notEqual(sha256sum(blobPath(digest.dir, digest.layer?.digest ?? '')), digest.layer?.digest);
  sh('gzip -t "$1"', blobPath(digest.dir, digest.layer?.digest ?? ''));
  assert.match(fails('skopeo', ['copy', '-q', `oci:${digest.dir}:latest`, `dir:${join(work, 'copy-digest')}`]), /[Dd]igest did not match/);

  const diffid = await make('diffid');
  assert.equal(sha256sum(blobPath(diffid.dir, diffid.layer?.digest ?? '')), diffid.layer?.digest);
  assert.match(unpackError(diffid.dir, 'diffid'), /diffid mismatch/);

  const truncated = await make('truncate');
  const truncFile = blobPath(truncated.dir, truncated.layer?.digest ?? '');
  assert.equal(sha256sum(truncFile), truncated.layer?.digest);
  fails('gzip', ['-t', truncFile]);
  assert.match(unpackError(truncated.dir, 'truncate'), /EOF/);

  const size = await make('size');
  assert.equal(statSync(blobPath(size.dir, size.layer?.digest ?? '')).size + 1, size.layer?.size);
  assert.match(unpackError(size.dir, 'size'), /size mismatch/);
});

test('writeOciLayout: multi-platform, nested, self-referencing and overridden documents', async (t) => {
  const why = missing('skopeo', 'sha256sum');
  if (why) return t.skip(why);
  const platforms = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }];
  const layersFor = (p: { architecture: string }) => [{ entries: [{ path: 'arch', content: p.architecture }], compression: 'gzip' as const }];

  await t.test('nested index: skopeo picks each platform, and each has its own layers', async () => {
    const dir = join(work, 'multi-nested');
    const made = await writeOciLayout(dir, { layers: [], platforms, layersFor, nestedIndex: true });
    const raw = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', `oci:${dir}:latest`], { encoding: 'utf8' })) as { mediaType: string; manifests: Array<{ platform: { architecture: string } }> };
    assert.equal(raw.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(raw.manifests.map((m) => m.platform.architecture), ['amd64', 'arm64']);
    const arm = JSON.parse(execFileSync('skopeo', ['inspect', '--override-arch', 'arm64', '--override-variant', 'v8', `oci:${dir}:latest`], { encoding: 'utf8' })) as { Architecture: string; Layers: string[] };
    const amd = JSON.parse(execFileSync('skopeo', ['inspect', '--override-arch', 'amd64', `oci:${dir}:latest`], { encoding: 'utf8' })) as { Architecture: string; Layers: string[] };
    assert.equal(arm.Architecture, 'arm64');
    assert.equal(amd.Architecture, 'amd64');
    assert.deepEqual(arm.Layers, made.manifests[1]?.layers.map((l) => l.digest));
    assert.notDeepEqual(arm.Layers, amd.Layers);
  });

  await t.test('flat index: index.json lists both platform manifests, every blob hashes to its name', async () => {
    const dir = join(work, 'multi-flat');
    await writeOciLayout(dir, { layers: [], platforms, layersFor });
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; size: number; platform: { architecture: string } }> };
    assert.deepEqual(index.manifests.map((m) => m.platform.architecture), ['amd64', 'arm64']);
    for (const m of index.manifests) {
      assert.equal(sha256sum(blobPath(dir, m.digest)), m.digest);
      assert.equal(statSync(blobPath(dir, m.digest)).size, m.size);
    }
  });

  await t.test('five nested indexes still resolve in skopeo', async () => {
    const dir = join(work, 'deep');
    await writeOciLayout(dir, { layers: [{ entries: [{ path: 'f', content: 'x' }], compression: 'gzip' }], nestedIndex: 5 });
    const img = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${dir}:latest`], { encoding: 'utf8' })) as { Layers: string[] };
    assert.equal(img.Layers.length, 1);
    // Walk the chain on disk: every hop hashes to its name, five indexes then a manifest.
    let digest = (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> }).manifests[0]?.digest ?? '';
    let indexes = 0;
    for (;;) {
      assert.equal(sha256sum(blobPath(dir, digest)), digest);
      const doc = JSON.parse(readFileSync(blobPath(dir, digest), 'utf8')) as { manifests?: Array<{ digest: string }> };
      if (!doc.manifests) break;
      indexes++;
      digest = doc.manifests[0]?.digest ?? '';
    }
    assert.equal(indexes, 5);
  });

  await t.test('self-referencing index: the blob names itself and does not hash to its name', async () => {
    const dir = join(work, 'self');
    const made = await writeOciLayout(dir, { layers: [], selfReferencingIndex: true });
    const file = blobPath(dir, made.top.digest);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { manifests: Array<{ digest: string; size: number }> };
    assert.equal(doc.manifests[0]?.digest, made.top.digest);
    assert.equal(doc.manifests[0]?.size, statSync(file).size);
    assert.notEqual(sha256sum(file), made.top.digest);
    fails('skopeo', ['inspect', `oci:${dir}:latest`]);
  });

  await t.test('manifestOverride: the blob matches its descriptor but skopeo cannot parse it', async () => {
    const dir = join(work, 'not-json');
    const made = await writeOciLayout(dir, { layers: [{ entries: [], compression: 'gzip' }], manifestOverride: 'this is not JSON {' });
    assert.equal(sha256sum(blobPath(dir, made.top.digest)), made.top.digest);
    assert.equal(readFileSync(blobPath(dir, made.top.digest), 'utf8'), 'this is not JSON {');
    fails('skopeo', ['inspect', `oci:${dir}:latest`]);
  });

  await t.test('docker media types: schema 2 manifest with docker layer types, digests intact', async () => {
    const dir = join(work, 'docker-types');
    const made = await writeOciLayout(dir, { layers: [{ entries: [{ path: 'f', content: 'x' }], compression: 'gzip' }], mediaTypes: 'docker' });
    const manifest = JSON.parse(readFileSync(blobPath(dir, made.top.digest), 'utf8')) as { mediaType: string; config: { mediaType: string; digest: string }; layers: Array<{ mediaType: string; digest: string }> };
    assert.equal(manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(manifest.config.mediaType, 'application/vnd.docker.container.image.v1+json');
    assert.equal(manifest.layers[0]?.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    assert.equal(sha256sum(blobPath(dir, manifest.config.digest)), manifest.config.digest);
    assert.equal(sha256sum(blobPath(dir, manifest.layers[0]?.digest ?? '')), manifest.layers[0]?.digest);
  });
});

test('writeOciArchive: skopeo reads it as oci-archive; metadataFirst puts index.json first', async (t) => {
  const why = missing('skopeo', 'tar');
  if (why) return t.skip(why);
  const dir = join(work, 'for-archive');
  const made = await writeOciLayout(dir, { layers: [{ entries: [{ path: 'f', content: 'x' }], compression: 'zstd' }] });
  const sorted = join(work, 'sorted.oci.tar');
  const first = join(work, 'meta-first.oci.tar');
  await writeOciArchive(sorted, dir);
  await writeOciArchive(first, dir, { metadataFirst: true });
  for (const file of [sorted, first]) {
    const img = JSON.parse(execFileSync('skopeo', ['inspect', `oci-archive:${file}:latest`], { encoding: 'utf8' })) as { Digest: string };
    assert.equal(img.Digest, made.top.digest);
  }
  assert.equal(sh('tar -tf "$1" | head -1', sorted).trim(), 'blobs/');
  assert.equal(sh('tar -tf "$1" | head -1', first).trim(), 'index.json');
});

test('writeDockerArchive legacy: <id>/layer.tar, json, VERSION, repositories; skopeo reads it', async (t) => {
  const why = missing('skopeo', 'tar', 'sha256sum');
  if (why) return t.skip(why);
  const file = join(work, 'legacy.docker.tar');
  const made = await writeDockerArchive(file, {
    style: 'legacy',
    repoTags: ['example/app:1.0', 'alpine:3.19'],
    layers: [
      { entries: [{ path: 'etc/', type: 'dir' }, { path: 'etc/alpine-release', content: '3.19.1\n' }] },
      { entries: [{ path: 'app/', type: 'dir' }, { path: 'app/x', content: 'x' }] },
    ],
    config: { User: 'app' },
  });
  const names = sh('tar -tf "$1"', file).split('\n').filter(Boolean);
  const layerPaths = names.filter((n) => /^[0-9a-f]{64}\/layer\.tar$/.test(n));
  assert.equal(layerPaths.length, 2);
  for (const p of layerPaths) {
    const id = p.slice(0, 64);
    assert.ok(names.includes(`${id}/json`) && names.includes(`${id}/VERSION`), id);
    assert.equal(sh('tar -xOf "$1" "$2"', file, `${id}/VERSION`), '1.0');
  }
  const manifest = JSON.parse(sh('tar -xOf "$1" manifest.json', file)) as Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
  assert.deepEqual(manifest[0]?.RepoTags, ['example/app:1.0', 'alpine:3.19']);
  assert.equal(`sha256:${sh('tar -xOf "$1" "$2" | sha256sum', file, manifest[0]?.Config ?? '').split(' ')[0]}`, made.configDigest);
  assert.equal(manifest[0]?.Config, `${made.configDigest.slice(7)}.json`);
  const repositories = JSON.parse(sh('tar -xOf "$1" repositories', file)) as Record<string, Record<string, string>>;
  assert.equal(repositories['example/app']?.['1.0'], manifest[0]?.Layers[1]?.slice(0, 64));
  // skopeo names uncompressed docker-archive layers by their diffID.
  const img = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${file}:alpine:3.19`], { encoding: 'utf8' })) as { Layers: string[] };
  const diffIDs = manifest[0]?.Layers.map((p) => `sha256:${sh('tar -xOf "$1" "$2" | sha256sum', file, p).split(' ')[0]}`);
  assert.deepEqual(img.Layers, diffIDs);
  execFileSync('skopeo', ['copy', '-q', `docker-archive:${file}:example/app:1.0`, `oci:${join(work, 'from-legacy')}:x`]);
});

test('writeDockerArchive oci (Docker 25+): an OCI layout plus manifest.json with blobs/ paths', async (t) => {
  const why = missing('skopeo', 'tar', 'sha256sum');
  if (why) return t.skip(why);
  const file = join(work, 'docker25.tar');
  const made = await writeDockerArchive(file, {
    style: 'oci',
    repoTags: ['alpine:3.19'],
    layers: [{ entries: [{ path: 'etc/', type: 'dir' }, { path: 'etc/alpine-release', content: '3.19.1\n' }] }],
  });
  const names = sh('tar -tf "$1"', file).split('\n').filter(Boolean);
  for (const n of ['oci-layout', 'index.json', 'manifest.json', 'repositories']) assert.ok(names.includes(n), n);
  const manifest = JSON.parse(sh('tar -xOf "$1" manifest.json', file)) as Array<{ Config: string; Layers: string[] }>;
  assert.match(manifest[0]?.Config ?? '', /^blobs\/sha256\/[0-9a-f]{64}$/);
  for (const p of [manifest[0]?.Config ?? '', ...(manifest[0]?.Layers ?? [])]) {
    assert.equal(`sha256:${sh('tar -xOf "$1" "$2" | sha256sum', file, p).split(' ')[0]}`, `sha256:${p.slice('blobs/sha256/'.length)}`);
  }
  const index = JSON.parse(sh('tar -xOf "$1" index.json', file)) as { manifests: Array<{ annotations: Record<string, string> }> };
  assert.equal(index.manifests[0]?.annotations['io.containerd.image.name'], 'docker.io/library/alpine:3.19');
  // The same file is both a docker-archive and an oci-archive, and both views agree.
  const asDocker = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `docker-archive:${file}`], { encoding: 'utf8' })) as { rootfs: { diff_ids: string[] } };
  const asOci = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `oci-archive:${file}:3.19`], { encoding: 'utf8' })) as { rootfs: { diff_ids: string[] } };
  assert.deepEqual(asDocker.rootfs.diff_ids, asOci.rootfs.diff_ids);
  assert.deepEqual(asOci.rootfs.diff_ids, made.layers.map((l) => l.diffID));
});

test('bombs expand to the requested size (gzip/zstd read them), hash to their diffID, and are built in bounded memory', async (t) => {
  const why = missing('gzip', 'zstd', 'sha256sum', 'tar');
  if (why) return t.skip(why);
  const size = 64 << 20;
  const g = await gzipBomb(size);
  const z = await zstdBomb(size, 'zeros');
  const gz = join(work, 'bomb.tar.gz');
  const zs = join(work, 'bomb.zst');
  writeFileSync(gz, g.blob);
  writeFileSync(zs, z.blob);
  sh('gzip -t "$1"', gz);
  sh('zstd -tq "$1"', zs);
  assert.equal(Number(sh('gzip -dc "$1" | wc -c', gz).trim()), size);
  assert.equal(Number(sh('zstd -dcq "$1" | wc -c', zs).trim()), size);
  assert.equal(`sha256:${sh('gzip -dc "$1" | sha256sum', gz).split(' ')[0]}`, g.diffID);
  assert.equal(`sha256:${sh('zstd -dcq "$1" | sha256sum', zs).split(' ')[0]}`, z.diffID);
  assert.ok(g.blob.length * 500 < size, `gzip bomb ratio ${size / g.blob.length}`);
  assert.ok(z.blob.length * 5000 < size, `zstd bomb ratio ${size / z.blob.length}`);
  assert.match(sh('tar -tvzf "$1"', gz), /^-.* 67107328 .* bomb$/m);

  // 512 MiB of expansion must not cost 512 MiB of memory.
  const before = process.memoryUsage().rss;
  const big = await gzipBomb(512 << 20);
  const grown = process.memoryUsage().rss - before;
  assert.equal(big.uncompressedSize, 512 << 20);
  assert.ok(grown < 128 << 20, `RSS grew ${grown >> 20} MiB building a 512 MiB bomb`);

  // A bomb dropped into a layout keeps correct digests (skopeo copy verifies them).
  if (have('skopeo')) {
    const dir = join(work, 'bomb-layout');
    await writeOciLayout(dir, { layers: [{ prebuilt: g }] });
    execFileSync('skopeo', ['copy', '-q', `oci:${dir}:latest`, `dir:${join(work, 'bomb-copy')}`]);
  }
});
