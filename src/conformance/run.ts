/**
 * The scanner conformance run: `node dist/conformance/run.js [suite ...]`.
 *
 * Scans the shared corpus (../shared/corpus, or $STOCKADE_CORPUS) through the real
 * pipeline and compares each result with an independent truth (see truth.ts and each
 * suite's header). Prints, per suite, how many cases agree and one line per case that
 * does not, then `known gaps: K` and `conformance: N passed, M failed`.
 *
 * Exit status is 1 only when a case in REQUIRED below disagrees (or vanishes): a
 * required case is one that agrees today and states a real expectation. Every other
 * disagreement is a known gap, printed on every run so it stays in sight. When a gap
 * is closed the summary lists the case under "agreeing but not required": add it here.
 */
import { join } from 'node:path';
import { corpusRoot } from '../testing/corpus.js';
import { runConfigRealworldSuite } from './config-realworld.js';
import { runKicsSuite } from './config-kics.js';
import { runKubeLinterSuite } from './config-kube-linter.js';
import { runPolarisSuite } from './config-polaris.js';
import { runPssSuite } from './config-pss.js';
import { Scratch } from './harness.js';
import { runImagesSuite } from './images.js';
import { runLangSuite } from './lang.js';
import { runOsPkgdbSuite } from './os-pkgdb.js';
import { renderSuite, renderSummary, summarize, type SuiteResult } from './report.js';
import { runRootfsSuite } from './rootfs.js';

type SuiteRunner = (scanner: string, scratch: Scratch) => Promise<SuiteResult>;

const SUITES: Record<string, SuiteRunner> = {
  'os-pkgdb': runOsPkgdbSuite,
  images: runImagesSuite,
  rootfs: runRootfsSuite,
  lang: runLangSuite,
  pss: runPssSuite,
  kics: runKicsSuite,
  polaris: runPolarisSuite,
  'kube-linter': runKubeLinterSuite,
  'config-realworld': runConfigRealworldSuite,
};

/**
 * Suites where every case is required (parity is the goal): a case id they produce is
 * required whatever its name, so new corpus versions are covered without listing them.
 */
const REQUIRED_SUITES: ReadonlySet<string> = new Set(['pss']);

function requiredFor(result: SuiteResult): ReadonlySet<string> {
  if (!REQUIRED_SUITES.has(result.name)) return REQUIRED;
  return new Set([...REQUIRED, ...result.cases.filter((c) => c.status !== 'no-truth').map((c) => c.id)]);
}

function under(prefix: string, names: readonly string[]): string[] {
  return names.map((n) => `${prefix}${n}`);
}

/**
 * Cases that agree today and state a real expectation: each must keep agreeing.
 * Ids as the suites print them. Left out on purpose (known gaps, printed every run):
 * - lang/java/osv-scalibr-archive/nested_at_{10,100}.jar: java-archive stops at 4 nested
 *   levels (a safety limit), the pom.properties sit 9 and 99 levels down;
 * - lang/npm/osv-scalibr-packagelockjson/commits.v1.json: v1 locks record git deps with
 *   the git URL as version; we report an empty version;
 * - lang/npm/osv-scalibr-packagelockjson/files.v1.json: a `file:` dependency is not reported;
 * - lang/python/osv-scalibr-wheelegg/monotonic-1.6-py2.py3-none-any.whl: no extractor reads
 *   wheel files (an unpacked wheel's .dist-info is read).
 */
export const REQUIRED: ReadonlySet<string> = new Set<string>([
  // os-pkgdb
  ...under('os-pkgdb/images/rootfs/grype-debian-match-coverage/var/lib/dpkg/', ['status']),
  ...under('os-pkgdb/dpkg/osv-scalibr/dpkg/', [
    'empty', 'invalid', 'nopackage', 'noversion', 'single', 'statusfield', 'trailingnewlines', 'transitional', 'transitional_dummy',
    'transitional_empty', 'valid',
  ]),
  ...under('os-pkgdb/rpm/go-rpmdb/cbl-mariner-2.0/', ['rpmdb.sqlite']),
  ...under('os-pkgdb/rpm/go-rpmdb/libuuid/', ['Packages']),
  ...under('os-pkgdb/rpm/osv-scalibr/', ['Packages_epoch']),
  ...under('os-pkgdb/rpm/syft/', ['Packages']),
  ...under('os-pkgdb/images/rootfs/grype-centos-match-coverage/var/lib/rpm/', ['Packages']),
  ...under('os-pkgdb/images/rootfs/grype-sles-match-coverage/var/lib/rpm/', ['Packages']),
  ...under('os-pkgdb/rpm/go-rpmdb/sle15-bci/', ['Packages.db']),
  ...under('os-pkgdb/apk/osv-scalibr/', ['different-arch', 'empty', 'installed', 'invalid', 'no-origin', 'single']),
  ...under('os-pkgdb/dpkg/trivy/', ['corrupsed.txtar', 'digest.txtar', 'md5sums.txtar', 'only-apt.txtar', 'third-party.txtar', 'valid.txtar']),
  // images
  ...under('images/docker-save/osv-scalibr-layerscanning/', [
    'basic.tar', 'empty.tar', 'multiple-files.tar', 'overwrite-file.tar', 'single-file.tar', 'symlink-attack.tar', 'symlink-basic.tar',
    'symlink-cycle.tar', 'symlink-dangling.tar', 'symlink-depth-exceeded.tar', 'two-files.tar',
  ]),
  ...under('images/docker-save/osv-scalibr-unpack/', ['basic.tar', 'dangling-symlinks.tar', 'escape.tar', 'escape.tar:as-layer', 'permissions.tar', 'symlinks.tar']),
  ...under('images/docker-save/trivy/', [
    'alpine-310.tar.gz', 'alpine-310.tar.gz:apk', 'alpine-310.tar.gz:os', 'alpine-311.tar.gz', 'alpine-311.tar.gz:apk', 'alpine-311.tar.gz:os',
  ]),
  // rootfs
  ...under('rootfs/grype-alpine-match-coverage/lib/apk/db/', ['installed']),
  ...under('rootfs/', [
    'grype-alpine-match-coverage:os', 'grype-centos-match-coverage:os', 'grype-debian-match-coverage:os', 'grype-sles-match-coverage:os',
  ]),
  ...under('rootfs/grype-centos-match-coverage/var/lib/rpm/', ['Packages']),
  ...under('rootfs/grype-debian-match-coverage/var/lib/dpkg/', ['status']),
  ...under('rootfs/grype-sles-match-coverage/var/lib/rpm/', ['Packages']),
  // lang
  ...under('lang/go-binaries/osv-scalibr/', ['binary_with_module_replacement-linux-amd64', 'dummy']),
  ...under('lang/go-binaries/trivy/', ['goexperiment', 'main-version-via-ldflags.elf', 'test.elf']),
  ...under('lang/java/osv-scalibr-archive/', ['complex.jar', 'guava-31.1-jre.jar', 'invalid_jar.jar', 'not_jar', 'simple.jar']),
  ...under('lang/java/trivy-jar/', [
    'gradle.war', 'hadoop-shaded-guava-1.1.0-SNAPSHOT.jar', 'io.quarkus.gizmo.gizmo-1.1.jar', 'maven.war', 'multi-license-1.0.0.jar', 'nested.jar',
  ]),
  ...under('lang/npm/osv-scalibr-packagejson/deps/accepts/', ['package.json']),
  ...under('lang/npm/osv-scalibr-packagejson/deps/acorn/', ['package.json']),
  ...under('lang/npm/osv-scalibr-packagejson/deps/acorn-globals/', ['package.json']),
  ...under('lang/npm/osv-scalibr-packagejson/deps/no-person-name/', ['package.json']),
  ...under('lang/npm/osv-scalibr-packagejson/deps/window-size/', ['package.json']),
  ...under('lang/npm/osv-scalibr-packagejson/deps/with/deps/acorn/', ['package.json']),
  ...under('lang/npm/osv-scalibr-packagejson/', ['duplicate-keys.json', 'invalid', 'package-with-deps.json', 'package.json', 'undici-package.json']),
  ...under('lang/npm/osv-scalibr-packagelockjson/', [
    'alias.v1.json', 'alias.v2.json', 'bundled-dependencies.v3.json', 'commits.v2.json', 'empty.v1.json', 'empty.v2.json', 'files.v2.json',
    'nested-dependencies-dup.v1.json', 'nested-dependencies-dup.v2.json', 'nested-dependencies.v1.json', 'nested-dependencies.v2.json',
    'not-json.txt', 'null.v2.jsontest', 'one-package-dev.v1.json', 'one-package-dev.v2.json', 'one-package.v1.json', 'one-package.v2.json',
    'optional-package.v1.json', 'optional-package.v2.json', 'same-package-different-groups.v1.json', 'same-package-different-groups.v2.json',
    'scoped-packages.v1.json', 'scoped-packages.v2.json', 'two-packages.v1.json', 'two-packages.v2.json',
  ]),
  ...under('lang/npm/osv-scalibr-packagelockjson/both/', ['npm-shrinkwrap.json', 'package-lock.json']),
  ...under('lang/npm/osv-scalibr-packagelockjson/npm-shrinkwrap-only/', ['npm-shrinkwrap.json']),
  ...under('lang/npm/osv-scalibr-packagelockjson/package-lock-only/', ['package-lock.json']),
  ...under('lang/npm/trivy-npm/', [
    'package-lock_v1.json', 'package-lock_v2.json', 'package-lock_v3.json', 'package-lock_v3_broken_link.json',
    'package-lock_v3_with-same-dev-and-non-dev.json', 'package-lock_v3_with_legacy_licenses.json', 'package-lock_v3_with_peer.json',
    'package-lock_v3_with_workspace.json', 'package-lock_v3_with_workspace_as_object.json', 'package-lock_v3_without_root_deps_field.json',
  ]),
  ...under('lang/python/osv-scalibr-wheelegg/', [
    'distinfo_meta', 'egginfo', 'egginfo_pkginfo', 'empty', 'malformed_pkginfo', 'mixed_case', 'monotonic-1.6-py3.10.egg',
    'monotonic_no_pkginfo-1.6-py3.10.egg', 'pkginfo', 'pyopenssl-26.0.0.dist-info', 'repeated_pkginfo', 'special_chars',
  ]),
  ...under('lang/python/trivy-packaging/', [
    'asyncssh-2.14.2.METADATA', 'distlib-0.3.1-py3.9.egg-info', 'distlib-0.3.1.METADATA', 'iniconfig-2.0.0.METADATA', 'invalid.json',
    'networkx-3.0.METADATA', 'pyphen-0.14.0.METADATA', 'setuptools-51.3.3-py3.8.egg-info.PKG-INFO', 'simple-0.1.0.METADATA',
    'unidecode-egg-info.PKG-INFO', 'zipp-3.12.1.METADATA',
  ]),
  ...under('lang/rust-auditable/osv-scalibr/no_deps/', ['no_deps']),
  ...under('lang/rust-auditable/osv-scalibr/not_binary/', ['not_binary']),
  ...under('lang/rust-auditable/osv-scalibr/uses_serde_json/', ['uses_serde_json']),
  // config-realworld: nothing crashes (pss: every case, see REQUIRED_SUITES)
  ...under('config-realworld/', ['realworld-k8s:no-crash', 'realworld-compose:no-crash', 'realworld-dockerfiles:no-crash']),
]);

async function runSuite(name: string, runner: SuiteRunner, scanner: string, scratch: Scratch): Promise<SuiteResult> {
  const started = Date.now();
  try {
    return await runner(scanner, scratch);
  } catch (e) {
    // A suite that dies still reports, and the other suites still run.
    const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { name, cases: [{ id: `${name}/_suite`, status: 'error', detail }], ms: Date.now() - started };
  }
}

async function main(args: string[]): Promise<number> {
  const unknown = args.filter((a) => !(a in SUITES));
  if (unknown.length > 0) {
    console.error(`conformance: unknown suite ${unknown.join(', ')}; suites: ${Object.keys(SUITES).join(', ')}`);
    return 2;
  }
  const root = corpusRoot();
  if (!root) {
    console.log('conformance: corpus not found (../shared/corpus or $STOCKADE_CORPUS); nothing checked');
    console.log('conformance: 0 passed, 0 failed');
    return 0;
  }
  const scanner = join(root, 'scanner');
  const names = args.length > 0 ? args : Object.keys(SUITES);
  const scratch = await Scratch.create();
  const results: SuiteResult[] = [];
  try {
    for (const name of names) {
      const result = await runSuite(name, SUITES[name] as SuiteRunner, scanner, scratch);
      results.push(result);
      console.log(renderSuite(result, requiredFor(result)).join('\n'));
    }
  } finally {
    await scratch.dispose();
  }
  const required = new Set(results.flatMap((r) => [...requiredFor(r)]));
  const summary = summarize(results, required);
  console.log(renderSummary(summary).join('\n'));
  return summary.failed.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`conformance: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 70;
  },
);
