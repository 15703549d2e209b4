// A real Debian image built from Debian packages (mmdebstrap -> umoci -> skopeo),
// scanned in every form Stockade reads. Truth is dpkg-query over the same rootfs,
// and `dpkg-query -S` for which Debian package installed a Python distribution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DEBIAN_SMALL, buildDebianImage, debianImageUnavailable } from '../testing/debian-image.js';
import { scanImage, scanRootfs } from '../scan/scan-image.js';
import { DEFAULT_WALK_LIMITS } from '../image/walk-layer.js';
import type { ScanResult } from '../core/types.js';

const why = debianImageUnavailable();

function debs(result: ScanResult): string[] {
  return result.packages
    .filter((p) => p.ecosystem === 'deb')
    .map((p) => `${p.name} ${p.version} ${p.arch} ${p.source?.name ?? p.name} ${p.source?.version ?? p.version}`)
    .sort();
}

test('Debian image: every form lists exactly the packages dpkg-query lists', { skip: why ?? false, timeout: 900_000 }, async () => {
  const image = await buildDebianImage(DEBIAN_SMALL);
  const truth = image.truth.map((t) => `${t.name} ${t.version} ${t.arch} ${t.sourceName} ${t.sourceVersion}`).sort();
  assert.ok(truth.length > 50, 'a minbase image has dozens of packages');
  const cacheDir = mkdtempSync(join(tmpdir(), 'stockade-deb-'));
  const forms: Array<[string, string]> = [
    ['oci-layout', `${image.ociLayout}:${image.refName}`],
    ['oci-archive', image.ociArchive],
    ['docker-archive', image.dockerArchive],
  ];
  for (const [kind, input] of forms) {
    const result = await scanImage(input, { cacheDir, limits: DEFAULT_WALK_LIMITS });
    assert.equal(result.target.sourceKind, kind);
    assert.deepEqual(debs(result), truth, kind);
    assert.equal(result.os?.family, 'debian');
    assert.equal(result.os?.version, '12');
    for (const p of result.packages.filter((x) => x.ecosystem === 'deb')) {
      assert.match(p.purl, /^pkg:deb\/debian\/[^@]+@[^?]+\?arch=[a-z0-9]+(&distro=debian-12|.*&distro=debian-12)/, p.purl);
      assert.equal(p.layer?.index, 0);
      assert.equal(p.layer?.diffID, image.layers[0]?.diffID);
    }
  }
  const rootfs = await scanRootfs(image.rootfsDir);
  assert.deepEqual(debs(rootfs), truth, 'rootfs');
});

test('Debian image: a Python distribution installed by a Debian package is owned by it', { skip: why ?? false, timeout: 900_000 }, async () => {
  const image = await buildDebianImage(DEBIAN_SMALL);
  const result = await scanImage(image.ociArchive, { cacheDir: mkdtempSync(join(tmpdir(), 'stockade-deb-')), limits: DEFAULT_WALK_LIMITS });
  const six = result.packages.find((p) => p.ecosystem === 'pypi' && p.name.toLowerCase() === 'six');
  assert.ok(six, 'six found from its dist-info/egg-info');
  const location = six.locations[0] as string;
  // Which Debian package owns that path, per dpkg itself:
  const owner = execFileSync('dpkg-query', [`--admindir=${join(image.rootfsDir, 'var/lib/dpkg')}`, '-S', location.replace(/\/(METADATA|PKG-INFO)$/, '')], { encoding: 'utf8' })
    .split(':')[0]
    ?.trim();
  const ownerPkg = result.packages.find((p) => p.id === six.ownedBy);
  assert.equal(ownerPkg?.name, owner);
  // And the version agrees with what Python's own importlib.metadata reads from the rootfs.
  const pyVersion = execFileSync('python3', ['-c', `import importlib.metadata as m, sys; sys.path.insert(0, ${JSON.stringify(join(image.rootfsDir, 'usr/lib/python3/dist-packages'))}); print([d.version for d in m.distributions(path=[sys.path[0]]) if d.metadata['Name'].lower()=='six'][0])`], { encoding: 'utf8' }).trim();
  assert.equal(six.version, pyVersion);
});
