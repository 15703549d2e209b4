/**
 * Builds examples/demo-app.tar, the image the README's quick start scans: a
 * `docker save` archive of a small Node + Python service on a distroless-style
 * Debian 12 base, in four layers, with a whiteout and an overwritten file so layer
 * attribution shows. The package records are written here by hand in each format's
 * real syntax (dpkg status.d stanzas, package-lock v3, node_modules package.json,
 * Python METADATA) and pin versions that have published advisories, so later
 * vulnerability scanning has something to find. Deterministic: same bytes every run.
 *
 * Run by `npm run prepare` (so `npm ci` leaves the example ready); safe to re-run.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDockerArchive, type EntrySpec } from '../testing/craft-image.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEMO_IMAGE = join(REPO, 'examples', 'demo-app.tar');

interface Deb {
  name: string;
  version: string;
  arch?: string;
  source?: string;
  depends?: string;
}

const DEBS: Deb[] = [
  { name: 'base-files', version: '12.4+deb12u5' },
  { name: 'netbase', version: '6.4', arch: 'all' },
  { name: 'tzdata', version: '2024a-0+deb12u1', arch: 'all' },
  { name: 'libc6', version: '2.36-9+deb12u4', source: 'glibc', depends: 'libgcc-s1' },
  { name: 'libgcc-s1', version: '12.2.0-14', source: 'gcc-12 (12.2.0-14)', depends: 'libc6 (>= 2.35)' },
  { name: 'libssl3', version: '3.0.11-1~deb12u2', source: 'openssl', depends: 'libc6 (>= 2.34)' },
  { name: 'zlib1g', version: '1:1.2.13.dfsg-1', source: 'zlib', depends: 'libc6 (>= 2.14)' },
  { name: 'libexpat1', version: '2.5.0-1', source: 'expat', depends: 'libc6 (>= 2.25)' },
];

function dpkgStanza(d: Deb): string {
  const lines = [
    `Package: ${d.name}`,
    'Status: install ok installed',
    'Priority: optional',
    `Architecture: ${d.arch ?? 'amd64'}`,
    ...(d.source ? [`Source: ${d.source}`] : []),
    `Version: ${d.version}`,
    ...(d.depends ? [`Depends: ${d.depends}`] : []),
    'Maintainer: Debian Example Maintainers <example@lists.debian.org>',
    `Description: ${d.name} (demo image record)`,
  ];
  return lines.join('\n') + '\n';
}

const NPM: Array<{ name: string; version: string; license: string; deps?: Record<string, string> }> = [
  { name: 'express', version: '4.17.1', license: 'MIT', deps: { 'body-parser': '1.19.0', qs: '6.7.0', 'path-to-regexp': '0.1.7' } },
  { name: 'body-parser', version: '1.19.0', license: 'MIT', deps: { qs: '6.7.0' } },
  { name: 'qs', version: '6.7.0', license: 'BSD-3-Clause' },
  { name: 'path-to-regexp', version: '0.1.7', license: 'MIT' },
  { name: 'lodash', version: '4.17.20', license: 'MIT' },
  { name: 'minimist', version: '1.2.5', license: 'MIT' },
  { name: '@babel/traverse', version: '7.22.5', license: 'MIT' },
];

function packageLock(): string {
  const packages: Record<string, unknown> = {
    '': { name: 'demo-app', version: '1.0.0', dependencies: { express: '^4.17.1', lodash: '^4.17.20', minimist: '1.2.5', '@babel/traverse': '7.22.5' } },
  };
  for (const p of NPM) {
    packages[`node_modules/${p.name}`] = {
      version: p.version,
      resolved: `https://registry.npmjs.org/${p.name}/-/${p.name.split('/').pop()}-${p.version}.tgz`,
      license: p.license,
      ...(p.deps ? { dependencies: p.deps } : {}),
    };
  }
  return JSON.stringify({ name: 'demo-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2) + '\n';
}

function pyMetadata(name: string, version: string, license: string, requires: string[] = []): string {
  return ['Metadata-Version: 2.1', `Name: ${name}`, `Version: ${version}`, `License: ${license}`, ...requires.map((r) => `Requires-Dist: ${r}`), '', `${name} (demo image record)`, ''].join('\n');
}

const OS_RELEASE = [
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
  'NAME="Debian GNU/Linux"',
  'VERSION_ID="12"',
  'VERSION="12 (bookworm)"',
  'VERSION_CODENAME=bookworm',
  'ID=debian',
  '',
].join('\n');

export async function buildDemoImage(file = DEMO_IMAGE): Promise<string> {
  mkdirSync(dirname(file), { recursive: true });
  const dir = (p: string): EntrySpec => ({ path: p, type: 'dir' });
  const base: EntrySpec[] = [
    dir('etc'),
    { path: 'usr/lib/os-release', content: OS_RELEASE },
    { path: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    { path: 'etc/debian_version', content: '12.5\n' },
    dir('var/lib/dpkg/status.d'),
    ...DEBS.map((d) => ({ path: `var/lib/dpkg/status.d/${d.name}`, content: dpkgStanza(d) })),
    { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' },
    { path: 'tmp/build-cache.txt', content: 'left behind by the base build\n' },
  ];
  const node: EntrySpec[] = [
    // A developer's .env copied in with the app and deleted later: still in this layer.
    // The key is made up at install time in AWS's format, so nothing real ships with us.
    { path: 'app/.env', content: `NODE_ENV=development\nAWS_ACCESS_KEY_ID=${madeUpAwsKeyId()}\n` },
    { path: 'app/package.json', content: JSON.stringify({ name: 'demo-app', version: '1.0.0', private: true, dependencies: { express: '^4.17.1', lodash: '^4.17.20', minimist: '1.2.5' } }, null, 2) },
    { path: 'app/package-lock.json', content: packageLock() },
    ...NPM.map((p) => ({
      path: `app/node_modules/${p.name}/package.json`,
      content: JSON.stringify({ name: p.name, version: p.version, license: p.license, ...(p.deps ? { dependencies: p.deps } : {}) }, null, 2),
    })),
  ];
  const site = 'usr/local/lib/python3.11/site-packages';
  const python: EntrySpec[] = [
    { path: `${site}/requests-2.25.0.dist-info/METADATA`, content: pyMetadata('requests', '2.25.0', 'Apache 2.0', ['urllib3 (<1.27,>=1.21.1)', 'idna (<3,>=2.5)']) },
    { path: `${site}/urllib3-1.26.4.dist-info/METADATA`, content: pyMetadata('urllib3', '1.26.4', 'MIT') },
    { path: `${site}/idna-2.10.dist-info/METADATA`, content: pyMetadata('idna', '2.10', 'BSD-3-Clause') },
    { path: `${site}/PyYAML-5.3.1.dist-info/METADATA`, content: pyMetadata('PyYAML', '5.3.1', 'MIT') },
  ];
  const cleanup: EntrySpec[] = [
    // Deleting a file in a later layer hides it, but it is still in the image.
    { path: 'tmp/.wh.build-cache.txt', content: '' },
    { path: 'app/.wh..env', content: '' },
    // Upgrading a package in a later layer: the record is overwritten.
    { path: 'app/node_modules/minimist/package.json', content: JSON.stringify({ name: 'minimist', version: '1.2.6', license: 'MIT' }, null, 2) },
  ];
  await writeDockerArchive(file, {
    style: 'legacy',
    repoTags: ['stockade/demo-app:1.0'],
    config: { User: 'nonroot', Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'], Cmd: ['node', '/app/server.js'] },
    layers: [
      { entries: base, createdBy: 'ADD rootfs.tar / # distroless-style Debian 12 base' },
      { entries: node, createdBy: 'RUN npm ci --omit=dev # buildkit' },
      { entries: python, createdBy: 'RUN pip install requests==2.25.0 PyYAML==5.3.1 # buildkit' },
      { entries: cleanup, createdBy: 'RUN rm /tmp/build-cache.txt /app/.env && npm install minimist@1.2.6 # buildkit' },
    ],
  });
  return file;
}

/** AKIA + 16 characters of A-Z2-7 (AWS's access key id format), random each install. */
function madeUpAwsKeyId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return `AKIA${Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('')}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes('--force');
  if (force || !existsSync(DEMO_IMAGE)) await buildDemoImage();
}
