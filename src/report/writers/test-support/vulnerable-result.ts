/**
 * A realistic scan result with vulnerability findings, shared by the writer tests: a
 * Debian 12 image with OS packages, a Python package installed by a deb, an npm app
 * (lockfile plus installed packages) and a Go binary. The advisories are real ones
 * for these versions (ids, fixed versions and CVSS vectors as the advisories publish
 * them), so the fixture looks like what the matcher will hand the writers:
 * every severity, all three statuses, aliases, two suppressions (VEX and ignore
 * file), a match via an OS-owned package, a package with several locations, and one
 * CVE that affects two packages.
 */
import type { Ecosystem, Package, ScanResult, VulnerabilityFinding } from '../../../core/types.js';
import { buildPurl, withDistro } from '../../../inventory/purl.js';
import { LAYERS, OS, digestOf } from './sample-inventory.js';

export { LAYERS, OS };

interface Spec {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  namespace?: string;
  purlName?: string;
  purlVersion?: string;
  arch?: string;
  epoch?: number;
  source?: { name: string; version: string };
  locations: string[];
  foundBy: string;
  layer: number;
}

function pkg(spec: Spec): Package {
  const isOs = spec.ecosystem === 'deb' || spec.ecosystem === 'apk' || spec.ecosystem === 'rpm';
  let purl = buildPurl({
    type: spec.ecosystem,
    namespace: spec.namespace,
    name: spec.purlName ?? spec.name,
    version: spec.purlVersion ?? spec.version,
    qualifiers: spec.arch ? { arch: spec.arch } : undefined,
  });
  if (isOs) purl = withDistro(purl, OS);
  const p: Package = {
    id: purl,
    ecosystem: spec.ecosystem,
    name: spec.name,
    version: spec.version,
    purl,
    locations: spec.locations,
    foundBy: spec.foundBy,
    layer: LAYERS[spec.layer]!,
  };
  if (spec.arch) p.arch = spec.arch;
  if (spec.epoch !== undefined) p.epoch = spec.epoch;
  if (spec.source) p.source = spec.source;
  return p;
}

const DPKG = { locations: ['/var/lib/dpkg/status'], foundBy: 'dpkg-status', layer: 0 };
const LOCK = '/app/package-lock.json';
const TOOL = '/usr/local/bin/tool';

export function vulnerablePackages(): Record<string, Package> {
  return {
    libssl3: pkg({ ecosystem: 'deb', namespace: 'debian', name: 'libssl3', version: '3.0.11-1~deb12u2', arch: 'amd64',
      source: { name: 'openssl', version: '3.0.11-1~deb12u2' }, ...DPKG }),
    openssl: pkg({ ecosystem: 'deb', namespace: 'debian', name: 'openssl', version: '3.0.11-1~deb12u2', arch: 'amd64', ...DPKG }),
    libc6: pkg({ ecosystem: 'deb', namespace: 'debian', name: 'libc6', version: '2.36-9+deb12u4', arch: 'amd64',
      source: { name: 'glibc', version: '2.36-9+deb12u4' }, ...DPKG }),
    zlib1g: pkg({ ecosystem: 'deb', namespace: 'debian', name: 'zlib1g', version: '1.2.13.dfsg-1', epoch: 1, purlVersion: '1:1.2.13.dfsg-1',
      arch: 'amd64', source: { name: 'zlib', version: '1:1.2.13.dfsg-1' }, ...DPKG }),
    bash: pkg({ ecosystem: 'deb', namespace: 'debian', name: 'bash', version: '5.2.15-2+b2', arch: 'amd64', ...DPKG }),
    tar: pkg({ ecosystem: 'deb', namespace: 'debian', name: 'tar', version: '1.34+dfsg-1.2+deb12u1', arch: 'amd64', ...DPKG }),
    pythonRequests: pkg({ ecosystem: 'deb', namespace: 'debian', name: 'python3-requests', version: '2.28.1+dfsg-1', arch: 'all',
      source: { name: 'requests', version: '2.28.1+dfsg-1' }, ...DPKG, layer: 1 }),
    requests: pkg({ ecosystem: 'pypi', name: 'requests', version: '2.28.1', layer: 1, foundBy: 'python-metadata',
      locations: ['/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO'] }),
    semver: pkg({ ecosystem: 'npm', name: 'semver', version: '7.5.1', layer: 2, foundBy: 'npm-package-json',
      locations: ['/app/node_modules/semver/package.json', LOCK] }),
    lodash: pkg({ ecosystem: 'npm', name: 'lodash', version: '4.17.20', layer: 2, foundBy: 'npm-package-lock', locations: [LOCK] }),
    express: pkg({ ecosystem: 'npm', name: 'express', version: '4.18.2', layer: 2, foundBy: 'npm-package-lock', locations: [LOCK] }),
    ws: pkg({ ecosystem: 'npm', name: 'ws', version: '8.17.0', layer: 2, foundBy: 'npm-package-json',
      locations: ['/app/node_modules/ws/package.json'] }),
    xnet: pkg({ ecosystem: 'golang', namespace: 'golang.org/x', name: 'golang.org/x/net', purlName: 'net', version: 'v0.17.0',
      layer: 2, foundBy: 'go-binary', locations: [TOOL] }),
    xcrypto: pkg({ ecosystem: 'golang', namespace: 'golang.org/x', name: 'golang.org/x/crypto', purlName: 'crypto', version: 'v0.14.0',
      layer: 2, foundBy: 'go-binary', locations: [TOOL] }),
  };
}

type FindingSpec = Omit<VulnerabilityFinding, 'packageId' | 'packageName' | 'installedVersion' | 'aliases' | 'references' | 'dataSources' | 'fixedVersions'>
  & Partial<Pick<VulnerabilityFinding, 'aliases' | 'references' | 'dataSources' | 'fixedVersions'>>;

function finding(p: Package, spec: FindingSpec): VulnerabilityFinding {
  return {
    packageId: p.id,
    packageName: p.name,
    installedVersion: p.epoch ? `${p.epoch}:${p.version}` : p.version,
    aliases: [],
    references: [],
    dataSources: ['osv:Debian'],
    fixedVersions: [],
    ...spec,
  };
}

export function vulnerableResult(): ScanResult {
  const p = vulnerablePackages();
  p.requests!.ownedBy = p.pythonRequests!.id;
  const vulnerabilities: VulnerabilityFinding[] = [
    finding(p.zlib1g!, {
      id: 'CVE-2023-45853', aliases: ['DEBIAN-CVE-2023-45853'], status: 'will_not_fix',
      severity: { level: 'CRITICAL', source: 'cvss-v3.1', score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
      title: 'MiniZip in zlib through 1.3 has an integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_64',
      primaryUrl: 'https://security-tracker.debian.org/tracker/CVE-2023-45853',
      references: ['https://nvd.nist.gov/vuln/detail/CVE-2023-45853', 'https://github.com/madler/zlib/pull/843'],
      published: '2023-10-14T02:15:09Z', modified: '2024-08-01T13:44:58Z',
    }),
    finding(p.libc6!, {
      id: 'CVE-2024-2961', aliases: ['DEBIAN-CVE-2024-2961', 'DSA-5673-1'], status: 'fixed', fixedVersions: ['2.36-9+deb12u7'],
      severity: { level: 'HIGH', source: 'cvss-v3.1', score: 7.3, vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:H/A:L' },
      title: 'glibc: Out of bounds write in iconv may lead to remote code execution',
      description: 'The iconv() function in the GNU C Library versions 2.39 and older may overflow the output buffer passed to it by up to 4 bytes when converting strings to the ISO-2022-CN-EXT character set.',
      primaryUrl: 'https://security-tracker.debian.org/tracker/CVE-2024-2961',
      published: '2024-04-17T18:15:15Z',
    }),
    finding(p.libssl3!, {
      id: 'CVE-2024-0727', aliases: ['DEBIAN-CVE-2024-0727'], status: 'fixed', fixedVersions: ['3.0.13-1~deb12u1'],
      severity: { level: 'MEDIUM', source: 'cvss-v3.1', score: 5.5, vector: 'CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H' },
      title: 'openssl: denial of service via null dereference in PKCS12 processing',
      primaryUrl: 'https://security-tracker.debian.org/tracker/CVE-2024-0727',
    }),
    // The same CVE against the second binary package of the openssl source.
    finding(p.openssl!, {
      id: 'CVE-2024-0727', aliases: ['DEBIAN-CVE-2024-0727'], status: 'fixed', fixedVersions: ['3.0.13-1~deb12u1'],
      severity: { level: 'MEDIUM', source: 'cvss-v3.1', score: 5.5, vector: 'CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H' },
      title: 'openssl: denial of service via null dereference in PKCS12 processing',
      primaryUrl: 'https://security-tracker.debian.org/tracker/CVE-2024-0727',
    }),
    finding(p.libssl3!, {
      id: 'CVE-2024-2511', aliases: ['DEBIAN-CVE-2024-2511'], status: 'fixed', fixedVersions: ['3.0.14-1~deb12u1'],
      severity: { level: 'LOW', source: 'debian-urgency' },
      title: 'openssl: Unbounded memory growth with session handling in TLSv1.3',
      primaryUrl: 'https://security-tracker.debian.org/tracker/CVE-2024-2511',
      suppressed: { kind: 'vex', justification: 'vulnerable_code_not_in_execute_path', source: '.stockade/openvex.json' },
    }),
    finding(p.bash!, {
      id: 'CVE-2022-3715', aliases: ['DEBIAN-CVE-2022-3715'], status: 'affected',
      severity: { level: 'LOW', source: 'debian-urgency' },
      title: 'bash: a heap-buffer-overflow in valid_parameter_transform',
      primaryUrl: 'https://security-tracker.debian.org/tracker/CVE-2022-3715',
    }),
    finding(p.tar!, {
      id: 'CVE-2005-2541', aliases: ['DEBIAN-CVE-2005-2541'], status: 'will_not_fix',
      severity: { level: 'UNKNOWN', source: 'debian-urgency' },
      title: 'tar: does not properly warn the user when extracting setuid or setgid files',
      primaryUrl: 'https://security-tracker.debian.org/tracker/CVE-2005-2541',
    }),
    finding(p.requests!, {
      id: 'CVE-2023-32681', aliases: ['GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74'], status: 'fixed', fixedVersions: ['2.31.0'],
      severity: { level: 'MEDIUM', source: 'cvss-v3.1', score: 6.1, vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N' },
      title: 'Unintended leak of Proxy-Authorization header in requests',
      primaryUrl: 'https://github.com/advisories/GHSA-j8r2-6x86-q33q',
      references: ['https://github.com/psf/requests/security/advisories/GHSA-j8r2-6x86-q33q'],
      dataSources: ['osv:PyPI'], viaOsOwned: true,
      published: '2023-05-26T18:15:14Z', modified: '2023-06-09T19:15:09Z',
    }),
    finding(p.semver!, {
      id: 'CVE-2022-25883', aliases: ['GHSA-c2qf-rxjj-qqgw'], status: 'fixed', fixedVersions: ['7.5.2', '6.3.1', '5.7.2'],
      severity: { level: 'HIGH', source: 'cvss-v3.1', score: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' },
      title: 'semver vulnerable to Regular Expression Denial of Service',
      primaryUrl: 'https://github.com/advisories/GHSA-c2qf-rxjj-qqgw',
      dataSources: ['osv:npm'],
    }),
    finding(p.lodash!, {
      id: 'CVE-2021-23337', aliases: ['GHSA-35jh-r3h4-6jhm'], status: 'fixed', fixedVersions: ['4.17.21'],
      severity: { level: 'HIGH', source: 'cvss-v3.1', score: 7.2, vector: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
      title: 'Command Injection in lodash',
      primaryUrl: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
      dataSources: ['osv:npm'],
    }),
    finding(p.ws!, {
      id: 'CVE-2024-37890', aliases: ['GHSA-3h5v-q93c-6h6q'], status: 'fixed', fixedVersions: ['8.17.1'],
      severity: { level: 'HIGH', source: 'cvss-v3.1', score: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' },
      title: 'ws affected by a DoS when handling a request with many HTTP headers',
      primaryUrl: 'https://github.com/advisories/GHSA-3h5v-q93c-6h6q',
      dataSources: ['osv:npm'],
      suppressed: { kind: 'ignorefile', justification: 'not reachable: the server sits behind a proxy that caps headers', source: '.stockadeignore', expires: '2099-01-31' },
    }),
    finding(p.xnet!, {
      id: 'CVE-2023-45288', aliases: ['GO-2024-2687', 'GHSA-4v7x-pqxf-cx7m'], status: 'fixed', fixedVersions: ['0.23.0'],
      severity: { level: 'MEDIUM', source: 'cvss-v3.1', score: 5.3, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' },
      title: 'HTTP/2 CONTINUATION flood in net/http',
      primaryUrl: 'https://pkg.go.dev/vuln/GO-2024-2687',
      dataSources: ['osv:Go'],
    }),
    finding(p.xcrypto!, {
      id: 'CVE-2023-48795', aliases: ['GO-2023-2402', 'GHSA-45x7-px36-x8w8'], status: 'fixed', fixedVersions: ['0.17.0'],
      severity: { level: 'MEDIUM', source: 'cvss-v3.1', score: 5.9, vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N' },
      title: 'Man-in-the-middle attacker can compromise integrity of secure channel in golang.org/x/crypto',
      primaryUrl: 'https://pkg.go.dev/vuln/GO-2023-2402',
      dataSources: ['osv:Go'],
    }),
  ];

  return {
    schemaVersion: 1,
    tool: { name: 'stockade', version: '0.1.0' },
    createdAt: '2024-06-20T09:30:00.123Z',
    target: {
      name: 'registry.example.com/shop/web:1.4.2',
      sourceKind: 'registry',
      manifestDigest: digestOf('manifest'),
      configDigest: digestOf('config'),
      repoTags: ['registry.example.com/shop/web:1.4.2'],
      repoDigests: [`registry.example.com/shop/web@${digestOf('manifest')}`],
      platform: { os: 'linux', architecture: 'amd64' },
      layers: LAYERS,
      created: '2024-06-19T08:00:00Z',
    },
    os: OS,
    packages: Object.values(p),
    vulnerabilities,
    warnings: [{ input: '/var/lib/dpkg/status', message: 'record 212: missing Version field, skipped' }],
  };
}
