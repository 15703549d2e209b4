/**
 * Every extractor Stockade runs, in one explicit list. The meta-test
 * (extractors/index.test.ts) fails when a file in this folder is missing here,
 * when two share an id, or when an id is not kebab-case.
 */
import type { Extractor } from '../extractor.js';
import { apkInstalledExtractor } from './apk-installed.js';
import { cargoLockExtractor } from './cargo-lock.js';
import { composerInstalledExtractor } from './composer-installed.js';
import { dotnetDepsJsonExtractor } from './dotnet-deps-json.js';
import { dpkgFileListExtractor } from './dpkg-file-list.js';
import { dpkgStatusDExtractor } from './dpkg-status-d.js';
import { dpkgStatusExtractor } from './dpkg-status.js';
import { goBinary } from './go-binary.js';
import { javaArchive } from './java-archive.js';
import { npmPackageJsonExtractor } from './npm-package-json.js';
import { osReleaseExtractor } from './os-release.js';
import { npmPackageLockExtractor } from './npm-package-lock.js';
import { pnpmLockExtractor } from './pnpm-lock.js';
import { pythonDistInfoExtractor } from './python-dist-info.js';
import { pythonEggExtractor } from './python-egg.js';
import { rpmdbBdbExtractor } from './rpmdb-bdb.js';
import { rpmdbNdbExtractor } from './rpmdb-ndb.js';
import { rpmdbSqliteExtractor } from './rpmdb-sqlite.js';
import { rubyGemspecExtractor } from './ruby-gemspec.js';
import { rustAuditable } from './rust-auditable.js';
import { yarnLockExtractor } from './yarn-lock.js';

export const EXTRACTORS: readonly Extractor[] = [
  // OS identity and OS packages
  osReleaseExtractor,
  dpkgStatusExtractor,
  dpkgStatusDExtractor,
  dpkgFileListExtractor,
  apkInstalledExtractor,
  rpmdbSqliteExtractor,
  rpmdbBdbExtractor,
  rpmdbNdbExtractor,
  // Language packages
  npmPackageJsonExtractor,
  npmPackageLockExtractor,
  yarnLockExtractor,
  pnpmLockExtractor,
  pythonDistInfoExtractor,
  pythonEggExtractor,
  rubyGemspecExtractor,
  composerInstalledExtractor,
  dotnetDepsJsonExtractor,
  cargoLockExtractor,
  // Binaries and archives
  goBinary,
  rustAuditable,
  javaArchive,
];

/** `id@version` of every extractor, sorted: part of the layer cache key. */
export function extractorFingerprint(list: readonly Extractor[] = EXTRACTORS): string {
  return list.map((e) => `${e.id}@${e.version}`).sort().join(',');
}
