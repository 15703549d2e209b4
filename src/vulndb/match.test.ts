// The matcher's distro rules. Affected/not-affected expectations for Debian come from
// dpkg itself (`dpkg --compare-versions`), for Alpine from the advisory's own fixed
// version; the rest are the OSV rules stated in the test names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { OsInfo, Package } from '../core/types.js';
import { matchPackages, type AdvisoryLookup } from './match.js';
import type { OsvRecord } from './osv.js';
import { normalizePackageName } from './store.js';
import { splitEcosystem } from './osv.js';

function lookupOf(records: OsvRecord[]): AdvisoryLookup {
  return {
    lookup(ecosystem, name) {
      return records.filter((r) =>
        (r.affected ?? []).some((a) => a.package && splitEcosystem(a.package.ecosystem).base === ecosystem && normalizePackageName(ecosystem, a.package.name) === normalizePackageName(ecosystem, name)),
      );
    },
  };
}

const debian12: OsInfo = { family: 'debian', version: '12', source: '/etc/os-release' };

function deb(name: string, version: string, source?: { name: string; version: string }): Package {
  return { ecosystem: 'deb', name, version, purl: `pkg:deb/debian/${name}@${version}`, id: `deb:${name}`, locations: ['/var/lib/dpkg/status'], foundBy: 'dpkg-status', ...(source ? { source } : {}) };
}

function debAdvisory(id: string, release: string, pkg: string, fixed: string | undefined, extra: Partial<OsvRecord> = {}, specific?: Record<string, unknown>): OsvRecord {
  return {
    id,
    modified: '2024-01-01T00:00:00Z',
    affected: [
      {
        package: { ecosystem: `Debian:${release}`, name: pkg },
        ranges: [{ type: 'ECOSYSTEM', events: fixed ? [{ introduced: '0' }, { fixed }] : [{ introduced: '0' }] }],
        ...(specific ? { ecosystem_specific: specific } : {}),
      },
    ],
    ...extra,
  };
}

function dpkgLess(a: string, b: string): boolean | undefined {
  const r = spawnSync('dpkg', ['--compare-versions', a, 'lt', b]);
  if (r.error) return undefined;
  return r.status === 0;
}

test('Debian: advisories name the source package and version; every binary built from it matches', (t) => {
  const installed = '3.0.11-1~deb12u2';
  const fix = '3.0.13-1~deb12u1';
  const expected = dpkgLess(installed, fix);
  if (expected === undefined) return t.skip('dpkg not available');
  const pkgs = [deb('libssl3', installed, { name: 'openssl', version: installed }), deb('openssl', installed)];
  const records = [
    debAdvisory('DSA-5000-1', '12', 'openssl', fix, { aliases: ['CVE-2024-0001'] }),
    debAdvisory('DEBIAN-CVE-2024-0001', '12', 'openssl', fix, { aliases: ['CVE-2024-0001'] }),
    debAdvisory('DSA-4000-1', '11', 'openssl', '9.9.9-1', { aliases: ['CVE-2019-0001'] }),
    debAdvisory('DSA-4001-1', '12', 'libssl3', '9.9.9-1'),
  ];
  const { findings } = matchPackages(pkgs, debian12, lookupOf(records));
  assert.equal(findings.length, expected ? 2 : 0, 'one merged finding per binary package');
  for (const f of findings) {
    assert.equal(f.id, 'CVE-2024-0001', 'CVE shown, DSA and DEBIAN ids kept as aliases');
    assert.deepEqual(f.aliases, ['DEBIAN-CVE-2024-0001', 'DSA-5000-1']);
    assert.deepEqual(f.fixedVersions, [fix]);
    assert.equal(f.status, 'fixed');
    assert.equal(f.installedVersion, installed);
  }
  assert.deepEqual(findings.map((f) => f.packageName).sort(), ['libssl3', 'openssl']);
});

test('Debian: versions that dpkg orders tricky ways (epochs, tildes) follow dpkg', (t) => {
  const cases: Array<[string, string]> = [
    ['1:1.2.13.dfsg-1', '1:1.2.13.dfsg-1+deb12u1'],
    ['1:1.2.13.dfsg-1', '1.2.99-1'],
    ['2.36-9+deb12u4', '2.36-9+deb12u10'],
    ['1.0~rc1-1', '1.0-1'],
    ['1.0-1', '1.0~rc1-1'],
  ];
  for (const [installed, fixed] of cases) {
    const expected = dpkgLess(installed, fixed);
    if (expected === undefined) return t.skip('dpkg not available');
    const { findings } = matchPackages([deb('zlib1g', installed)], debian12, lookupOf([debAdvisory('DSA-1', '12', 'zlib1g', fixed)]));
    assert.equal(findings.length > 0, expected, `${installed} vs fixed ${fixed}`);
  }
});

test('unfixed and will-not-fix are reported as such', () => {
  const pkgs = [deb('tiff-tools', '4.5.0-6')];
  const records = [debAdvisory('DEBIAN-CVE-2023-1', '12', 'tiff-tools', undefined), debAdvisory('DEBIAN-CVE-2023-2', '12', 'tiff-tools', undefined, {}, { nodsa_reason: 'ignored' })];
  const { findings } = matchPackages(pkgs, debian12, lookupOf(records));
  assert.deepEqual(findings.map((f) => [f.id, f.status, f.fixedVersions.length]).sort(), [
    ['DEBIAN-CVE-2023-1', 'affected', 0],
    ['DEBIAN-CVE-2023-2', 'will_not_fix', 0],
  ]);
});

test('language packages installed by the OS are judged by the distro, not upstream, unless asked', () => {
  const owner = deb('python3-requests', '2.28.1+dfsg-1', { name: 'requests', version: '2.28.1+dfsg-1' });
  const owned: Package = { ecosystem: 'pypi', name: 'requests', version: '2.28.1', purl: 'pkg:pypi/requests@2.28.1', id: 'pypi:requests', locations: ['/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO'], foundBy: 'python-dist-info', ownedBy: owner.id };
  const pysec: OsvRecord = { id: 'PYSEC-2023-74', modified: '2023-06-01T00:00:00Z', aliases: ['CVE-2023-32681'], affected: [{ package: { ecosystem: 'PyPI', name: 'requests' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.3.0' }, { fixed: '2.31.0' }] }] }] };
  const byDefault = matchPackages([owner, owned], debian12, lookupOf([pysec]));
  assert.equal(byDefault.findings.length, 0);
  const included = matchPackages([owner, owned], debian12, lookupOf([pysec]), { includeOsOwned: true });
  assert.equal(included.findings.length, 1);
  assert.equal(included.findings[0]?.viaOsOwned, true);
  assert.deepEqual(included.findings[0]?.fixedVersions, ['2.31.0']);
  // The same package installed by pip (not owned) gets the upstream advisory.
  const pip = matchPackages([{ ...owned, ownedBy: undefined }], debian12, lookupOf([pysec]));
  assert.equal(pip.findings[0]?.id, 'CVE-2023-32681');
});

test('Alpine: origin package, branch from the OS version; other branches never match', () => {
  const os: OsInfo = { family: 'alpine', version: '3.19.1', source: '/etc/os-release' };
  const pkg: Package = { ecosystem: 'apk', name: 'libcrypto3', version: '3.1.4-r2', purl: 'pkg:apk/alpine/libcrypto3@3.1.4-r2', id: 'apk:libcrypto3', locations: ['/lib/apk/db/installed'], foundBy: 'apk-installed', source: { name: 'openssl', version: '3.1.4-r2' } };
  const adv = (branch: string, fixed: string): OsvRecord => ({ id: `ALPINE-CVE-2024-1-${branch}`, modified: '2024-01-01T00:00:00Z', aliases: ['CVE-2024-1'], affected: [{ package: { ecosystem: `Alpine:${branch}`, name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }] });
  const { findings } = matchPackages([pkg], os, lookupOf([adv('v3.19', '3.1.4-r5'), adv('v3.18', '9.9.9-r0')]));
  assert.deepEqual(findings.map((f) => [f.id, f.fixedVersions]), [['CVE-2024-1', ['3.1.4-r5']]]);
});

test('withdrawn advisories are ignored; an unparsable installed version is reported, not guessed', () => {
  const pkg: Package = { ecosystem: 'npm', name: 'lodash', version: 'not-a-version', purl: 'pkg:npm/lodash@x', id: 'npm:lodash', locations: ['/app/node_modules/lodash/package.json'], foundBy: 'npm-package-json' };
  const rec: OsvRecord = { id: 'GHSA-x', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }] };
  const bad = matchPackages([pkg], undefined, lookupOf([rec]));
  assert.equal(bad.findings.length, 0);
  assert.match(bad.warnings[0]?.message ?? '', /not a valid .* version; vulnerabilities were not checked/);
  const good = { ...pkg, version: '4.17.20' };
  assert.equal(matchPackages([good], undefined, lookupOf([rec])).findings.length, 1);
  assert.equal(matchPackages([good], undefined, lookupOf([{ ...rec, withdrawn: '2024-02-01T00:00:00Z' }])).findings.length, 0);
});

test('end-of-life releases are called out', () => {
  const old: OsInfo = { family: 'debian', version: '10', source: '/etc/os-release' };
  const { warnings } = matchPackages([], old, lookupOf([]), { today: new Date('2026-01-01') });
  assert.match(warnings[0]?.message ?? '', /Debian 10 reached end of life on 2024-06-30/);
});
