/**
 * The inventory-only sample result shared by the SBOM writer tests, and the
 * independent SPDX-expression oracle (python3-license-expression) they use.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import type { Ecosystem, LayerRef, OsInfo, Package, ScanResult } from '../../../core/types.js';
import { buildPurl, withDistro } from '../../../inventory/purl.js';

// ---------------------------------------------------------------------------
// A realistic result: a Debian 12 image with Python, Node, Rust and Go binaries,
// a Java jar and a Ruby gem. Purls come from inventory/purl.ts (packageurl-js).
// ---------------------------------------------------------------------------

export function digestOf(label: string): string {
  return `sha256:${createHash('sha256').update(label).digest('hex')}`;
}

export const LAYERS: LayerRef[] = [
  { index: 0, diffID: digestOf('layer0'), digest: digestOf('blob0'), createdBy: '# debian.sh --arch amd64 out/ bookworm @1714348800' },
  { index: 1, diffID: digestOf('layer1'), digest: digestOf('blob1'), createdBy: 'RUN /bin/sh -c apt-get update && apt-get install -y python3-requests # buildkit' },
  { index: 2, diffID: digestOf('layer2'), createdBy: 'COPY /app /app # buildkit' },
];

export const OS: OsInfo = { family: 'debian', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', codename: 'bookworm', source: '/etc/os-release' };

export interface Spec {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  namespace?: string;
  purlName?: string;
  purlVersion?: string;
  qualifiers?: Record<string, string>;
  arch?: string;
  epoch?: number;
  source?: { name: string; version: string };
  licenses?: string[];
  locations: string[];
  foundBy: string;
  layer?: number;
  ownedBy?: string;
  dependencies?: string[];
  metadata?: Record<string, string | number | boolean | undefined>;
}

export function pkg(spec: Spec): Package {
  const isOs = spec.ecosystem === 'deb' || spec.ecosystem === 'apk' || spec.ecosystem === 'rpm';
  let purl = buildPurl({
    type: spec.ecosystem,
    namespace: spec.namespace,
    name: spec.purlName ?? spec.name,
    version: spec.purlVersion ?? spec.version,
    qualifiers: spec.qualifiers,
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
  };
  if (spec.arch) p.arch = spec.arch;
  if (spec.epoch !== undefined) p.epoch = spec.epoch;
  if (spec.source) p.source = spec.source;
  if (spec.licenses) p.licenses = spec.licenses;
  if (spec.layer !== undefined) p.layer = LAYERS[spec.layer]!;
  if (spec.metadata) p.metadata = spec.metadata;
  return p;
}

export function sampleResult(): ScanResult {
  const dpkg = { locations: ['/var/lib/dpkg/status'], foundBy: 'dpkg-status' };
  const libc6 = pkg({ ecosystem: 'deb', name: 'libc6', version: '2.36-9+deb12u4', arch: 'amd64', qualifiers: { arch: 'amd64' },
    source: { name: 'glibc', version: '2.36-9+deb12u4' }, licenses: ['LGPL-2.1+', 'GPL-2.0-or-later'], layer: 0, ...dpkg });
  const libgcc = pkg({ ecosystem: 'deb', name: 'libgcc-s1', version: '12.2.0-14', arch: 'amd64', qualifiers: { arch: 'amd64' },
    source: { name: 'gcc-12', version: '12.2.0-14' }, licenses: ['GPL-3.0-or-later WITH GCC-exception-3.1'], layer: 0, ...dpkg });
  // Epoch kept apart from the version, as dpkg-status extractors report it.
  const passwd = pkg({ ecosystem: 'deb', name: 'passwd', version: '4.13+dfsg1-1', epoch: 1, purlVersion: '1:4.13+dfsg1-1',
    arch: 'amd64', qualifiers: { arch: 'amd64' }, source: { name: 'shadow', version: '1:4.13+dfsg1-1' },
    licenses: ['GPL-2+', 'BSD-3-clause'], layer: 0, ...dpkg });
  const pyRequestsDeb = pkg({ ecosystem: 'deb', name: 'python3-requests', version: '2.28.1+dfsg-1', arch: 'all', qualifiers: { arch: 'all' },
    source: { name: 'requests', version: '2.28.1+dfsg-1' }, licenses: ['Apache-2.0'], layer: 1, ...dpkg });
  const idna = pkg({ ecosystem: 'pypi', name: 'idna', version: '3.3', licenses: ['BSD-3-Clause'], layer: 1,
    locations: ['/usr/lib/python3/dist-packages/idna-3.3.egg-info/PKG-INFO'], foundBy: 'python-metadata' });
  const urllib3 = pkg({ ecosystem: 'pypi', name: 'urllib3', version: '1.26.12', licenses: ['MIT'], layer: 1,
    locations: ['/usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info/PKG-INFO'], foundBy: 'python-metadata' });
  const requests = pkg({ ecosystem: 'pypi', name: 'requests', version: '2.28.1', licenses: ['Apache 2.0'], layer: 1,
    locations: ['/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO'], foundBy: 'python-metadata' });
  const cryptography = pkg({ ecosystem: 'pypi', name: 'cryptography', version: '41.0.7', licenses: ['Apache-2.0 OR BSD-3-Clause', 'PSF-2.0'],
    layer: 2, locations: ['/app/venv/lib/python3.11/site-packages/cryptography-41.0.7.dist-info/METADATA'], foundBy: 'python-metadata' });
  const babelTypes = pkg({ ecosystem: 'npm', namespace: '@babel', name: '@babel/types', purlName: 'types', version: '7.24.0', licenses: ['MIT'],
    layer: 2, locations: ['/app/node_modules/@babel/types/package.json'], foundBy: 'npm-package-json' });
  const semver6 = pkg({ ecosystem: 'npm', name: 'semver', version: '6.3.1', licenses: ['ISC'], layer: 2,
    locations: ['/app/node_modules/@babel/core/node_modules/semver/package.json'], foundBy: 'npm-package-json' });
  const lruCache = pkg({ ecosystem: 'npm', name: 'lru-cache', version: '6.0.0', licenses: ['ISC'], layer: 2,
    locations: ['/app/node_modules/lru-cache/package.json'], foundBy: 'npm-package-json' });
  const semver7 = pkg({ ecosystem: 'npm', name: 'semver', version: '7.6.0', licenses: ['ISC'], layer: 2,
    locations: ['/app/node_modules/semver/package.json', '/app/package-lock.json'], foundBy: 'npm-package-json', metadata: { dev: false } });
  const babelCore = pkg({ ecosystem: 'npm', namespace: '@babel', name: '@babel/core', purlName: 'core', version: '7.24.0', licenses: ['MIT'],
    layer: 2, locations: ['/app/node_modules/@babel/core/package.json'], foundBy: 'npm-package-json', metadata: { dev: true } });
  const forge = pkg({ ecosystem: 'npm', name: 'node-forge', version: '1.3.1', licenses: ['(BSD-3-Clause OR GPL-2.0)', 'Custom license, see LICENSE'],
    layer: 2, locations: ['/app/node_modules/node-forge/package.json'], foundBy: 'npm-package-json' });
  const serde = pkg({ ecosystem: 'cargo', name: 'serde', version: '1.0.197', licenses: ['MIT OR Apache-2.0'], layer: 2,
    locations: ['/usr/local/bin/app'], foundBy: 'cargo-auditable' });
  const unicodeIdent = pkg({ ecosystem: 'cargo', name: 'unicode-ident', version: '1.0.12', licenses: ['(MIT OR Apache-2.0) AND Unicode-DFS-2016'],
    layer: 2, locations: ['/usr/local/bin/app'], foundBy: 'cargo-auditable' });
  // No layer: as a root-filesystem scan reports it.
  const cobra = pkg({ ecosystem: 'golang', namespace: 'github.com/spf13', name: 'github.com/spf13/cobra', purlName: 'cobra', version: 'v1.8.0',
    locations: ['/usr/local/bin/tool'], foundBy: 'go-binary', metadata: { goVersion: 'go1.22.1', mainModule: false } });
  const nashorn = pkg({ ecosystem: 'maven', namespace: 'org.openjdk.nashorn', name: 'org.openjdk.nashorn:nashorn-core', purlName: 'nashorn-core',
    version: '15.4', licenses: ['GPL-2.0-only WITH Classpath-exception-2.0'], layer: 2,
    locations: ['/opt/app/lib/nashorn-core-15.4.jar'], foundBy: 'java-archive' });
  const gemJson = pkg({ ecosystem: 'gem', name: 'json', version: '2.7.1', licenses: ['Ruby', 'BSD-2-Clause'], layer: 2,
    locations: ['/usr/local/bundle/specifications/json-2.7.1.gemspec'], foundBy: 'gemspec' });

  // libc6 and libgcc-s1 depend on each other in Debian: a real cycle.
  libc6.dependencies = [libgcc.id];
  libgcc.dependencies = [libc6.id];
  passwd.dependencies = [libc6.id];
  pyRequestsDeb.dependencies = [];
  requests.ownedBy = pyRequestsDeb.id;
  // One dependency that resolved to nothing in the inventory: writers must drop it.
  requests.dependencies = [urllib3.id, idna.id, 'pkg:pypi/charset-normalizer@2.1.1'];
  urllib3.dependencies = [];
  idna.dependencies = [];
  babelCore.dependencies = [babelTypes.id, semver6.id];
  babelTypes.dependencies = [];
  semver6.dependencies = [];
  semver7.dependencies = [lruCache.id];
  lruCache.dependencies = [];

  return {
    schemaVersion: 1,
    tool: { name: 'stockade', version: '0.1.0' },
    createdAt: '2024-05-01T12:34:56.789Z',
    target: {
      name: 'python:3.12-slim',
      sourceKind: 'registry',
      manifestDigest: digestOf('manifest'),
      configDigest: digestOf('config'),
      repoTags: ['python:3.12-slim'],
      repoDigests: [`python@${digestOf('manifest')}`],
      platform: { os: 'linux', architecture: 'amd64' },
      layers: LAYERS,
      created: '2024-04-30T08:00:00Z',
    },
    os: OS,
    packages: [libc6, libgcc, passwd, pyRequestsDeb, idna, urllib3, requests, cryptography, babelTypes, semver6, lruCache, semver7,
      babelCore, forge, serde, unicodeIdent, cobra, nashorn, gemJson],
    warnings: [{ input: '/var/lib/dpkg/status', message: 'record 212: missing Version field, skipped' }],
  };
}
// ---------------------------------------------------------------------------
// Oracles
// ---------------------------------------------------------------------------

/**
 * The python3-license-expression library (Debian package python3-license-expression)
 * judges SPDX expressions independently of our parser. Unknown keys are reported
 * separately so LicenseRef-* (which it does not know, by design) can be allowed.
 */
export const PYTHON_SPDX_CHECK = `
import json, sys
from license_expression import get_spdx_licensing
licensing = get_spdx_licensing()
out = []
for e in json.load(sys.stdin):
    try:
        info = licensing.validate(e, strict=True)
        out.append({"errors": [str(x) for x in info.errors], "unknown": [str(s) for s in info.invalid_symbols]})
    except Exception as x:
        out.append({"errors": ["exception: " + str(x)], "unknown": []})
print(json.dumps(out))
`;

export interface SpdxVerdict { errors: string[]; unknown: string[] }

export function pythonSpdxVerdicts(expressions: readonly string[]): SpdxVerdict[] | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const run = spawnSync(python, ['-c', PYTHON_SPDX_CHECK], { input: JSON.stringify(expressions), encoding: 'utf8', timeout: 60_000 });
    if (run.status === 0) return JSON.parse(run.stdout) as SpdxVerdict[];
  }
  return undefined;
}

/** Valid SPDX, allowing only LicenseRef-* as the unknown keys. */
export function validAllowingLicenseRefs(v: SpdxVerdict): boolean {
  const onlyRefsUnknown = v.unknown.every((s) => /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/.test(s));
  const otherErrors = v.errors.filter((e) => !e.startsWith('Unknown license key(s):'));
  return onlyRefsUnknown && otherErrors.length === 0;
}

export const PYTHON_MISSING = 'python3-license-expression is not installed (apt-get install -y python3-license-expression)';
