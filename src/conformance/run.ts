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
import { runSignaturesSuite } from './signatures.js';

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
  signatures: runSignaturesSuite,
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

/** A KICS query's per-file cases (`dockerfile/run_using_sudo` + `positive.dockerfile`). */
function kicsFiles(query: string, files: readonly string[]): string[] {
  return under(`kics/${query}/`, files);
}

/** The same plus the query's `:lines` case: KICS's result lines carry our findings. */
function kicsQuery(query: string, files: readonly string[]): string[] {
  return [...kicsFiles(query, files), `kics/${query}:lines`];
}

/** Both cases of each mapped kube-linter check: its dont-fire objects and its report count. */
function kubeLinter(checks: readonly string[]): string[] {
  return checks.flatMap((c) => [`kube-linter/${c}:dont-fire`, `kube-linter/${c}:count`]);
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
 * KICS cases whose meaning we deliberately do not share (the mappings' notOurs and
 * otherLines, each with its reason) report as no-truth and are not listed; once such a
 * divergence stops holding the case disagrees and shows up as a gap.
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
  ...under('config-realworld/', ['realworld-k8s:no-crash', 'realworld-compose:no-crash', 'realworld-dockerfiles:no-crash']),  // kics: every agreeing per-file case of a mapped query, its ':lines' case where KICS's
  // result lines carry our findings (documented divergences are no-truth and left out),
  // and each kind's mapping table
  ...under('kics/', ['dockerfile/_mapping', 'dockerCompose/_mapping', 'k8s/_mapping']),
  ...kicsQuery('dockerfile/last_user_is_root', ['negative.dockerfile', 'negative2.dockerfile', 'positive.dockerfile']),
  ...kicsQuery('dockerfile/missing_user_instruction', [
    'negative2.dockerfile', 'negative3.dockerfile', 'positive.dockerfile', 'positive2.dockerfile',
  ]),
  ...kicsQuery('dockerfile/add_instead_of_copy', ['positive.dockerfile']),
  ...kicsQuery('dockerfile/image_version_using_latest', ['negative.dockerfile', 'positive.dockerfile']),
  ...kicsQuery('dockerfile/image_version_not_explicit', [
    'negative1.dockerfile', 'negative2.dockerfile', 'positive1.dockerfile', 'positive2.dockerfile',
  ]),
  ...kicsQuery('dockerfile/apt_get_install_lists_were_not_deleted', ['positive.dockerfile', 'positive2.dockerfile']),
  ...kicsQuery('dockerfile/apk_add_using_local_cache_path', [
    'negative.dockerfile', 'negative2.dockerfile', 'positive.dockerfile', 'positive2.dockerfile',
  ]),
  ...kicsQuery('dockerfile/pip_install_keeping_cached_packages', ['negative.dockerfile', 'positive.dockerfile']),
  ...kicsQuery('dockerfile/healthcheck_instruction_missing', [
    'negative.dockerfile', 'negative2.dockerfile', 'positive.dockerfile', 'positive2.dockerfile',
  ]),
  ...kicsQuery('dockerfile/exposing_port_22', ['negative.dockerfile', 'positive.dockerfile']),
  ...kicsQuery('dockerfile/run_using_sudo', ['negative.dockerfile', 'positive.dockerfile']),
  ...kicsQuery('dockerCompose/privileged_containers_enabled', ['negative1.yaml', 'negative2.yaml', 'positive1.yaml', 'positive2.yaml']),
  ...kicsFiles('dockerCompose/container_capabilities_unrestricted', ['negative1.yaml', 'positive1.yaml', 'positive2.yaml', 'positive3.yaml']),
  ...kicsQuery('dockerCompose/host_namespace_is_shared', [
    'negative1.yaml', 'negative2.yaml', 'negative3.yaml', 'positive1.yaml', 'positive2.yaml', 'positive3.yaml',
  ]),
  ...kicsQuery('dockerCompose/shared_host_ipc_namespace', ['negative1.yaml', 'negative2.yaml', 'positive1.yaml', 'positive2.yaml']),
  ...kicsQuery('dockerCompose/shared_host_network_namespace', ['negative1.yaml', 'positive1.yaml']),
  ...kicsQuery('dockerCompose/shared_host_user_namespace', ['negative1.yaml', 'negative2.yaml', 'positive1.yaml']),
  ...kicsQuery('dockerCompose/docker_socket_mounted_in_container', ['negative1.yaml', 'positive1.yaml']),
  ...kicsFiles('dockerCompose/volume_has_sensitive_host_directory', ['negative1.yaml', 'negative2.yaml', 'negative3.yaml']),
  ...kicsQuery('dockerCompose/default_seccomp_profile_disabled', ['negative1.yaml', 'positive2.yaml']),
  ...kicsQuery('dockerCompose/no_new_privileges_not_set', ['negative1.yaml', 'positive1.yaml', 'positive2.yaml']),
  ...kicsQuery('dockerCompose/memory_not_limited', [
    'negative1.yaml', 'negative2.yaml', 'positive1.yaml', 'positive2.yaml', 'positive3.yaml', 'positive4.yaml', 'positive5.yaml',
  ]),
  ...kicsQuery('dockerCompose/cpus_not_limited', [
    'negative1.yaml', 'negative2.yaml', 'positive1.yaml', 'positive2.yaml', 'positive3.yaml', 'positive4.yaml', 'positive5.yaml',
  ]),
  ...kicsQuery('dockerCompose/pids_limit_not_set', ['negative1.yaml', 'positive1.yaml', 'positive2.yaml']),
  ...kicsFiles('dockerCompose/container_traffic_not_bound_to_host_interface', [
    'negative1.yaml', 'negative2.yaml', 'negative3.yaml', 'negative4.yaml', 'negative5.yaml', 'negative6.yaml', 'positive1.yaml',
    'positive2.yaml', 'positive3.yaml',
  ]),
  ...kicsFiles('dockerCompose/privileged_ports_mapped_in_container', [
    'negative1.yaml', 'negative10.yaml', 'negative2.yaml', 'negative3.yaml', 'negative4.yaml', 'negative5.yaml',
    'negative6.yaml', 'negative7.yaml', 'negative8.yaml', 'negative9.yaml', 'positive1.yaml', 'positive3.yaml', 'positive6.yaml',
    'positive9.yaml',
  ]),
  ...kicsQuery('k8s/container_is_privileged', ['negative.yaml', 'positive1.yaml', 'positive2.yaml']),
  ...kicsQuery('k8s/shared_host_ipc_namespace', ['negative.yaml', 'negative2.yaml', 'positive.yaml', 'positive2.yaml']),
  ...kicsQuery('k8s/shared_host_network_namespace', ['negative.yaml', 'negative2.yaml', 'positive.yaml', 'positive2.yaml']),
  ...kicsQuery('k8s/shared_host_pid_namespace', ['negative.yaml', 'negative2.yaml', 'positive.yaml', 'positive2.yaml']),
  ...kicsQuery('k8s/non_kube_system_pod_with_host_mount', ['positive.yaml']),
  ...kicsQuery('k8s/workload_mounting_with_sensitive_os_directory', ['positive.yaml']),
  ...kicsQuery('k8s/docker_daemon_socket_is_exposed_to_containers', ['negative.yaml', 'positive.yaml']),
  ...kicsFiles('k8s/workload_host_port_not_specified', ['negative.yaml', 'positive.yaml']),
  ...kicsQuery('k8s/containers_with_added_capabilities', ['negative1.yaml', 'negative2.yaml', 'positive.yaml']),
  ...kicsQuery('k8s/containers_with_sys_admin_capabilities', ['negative.yaml', 'positive.yaml']),
  ...kicsQuery('k8s/no_drop_capabilities_for_containers', ['positive.yaml']),
  ...kicsQuery('k8s/privilege_escalation_allowed', ['negative.yaml', 'positive1.yaml', 'positive2.yaml']),
  ...kicsQuery('k8s/containers_running_as_root', ['negative1.yaml', 'positive1.yaml', 'positive2.yaml', 'positive3.yaml', 'positive4.yaml']),
  ...kicsQuery('k8s/seccomp_profile_is_not_configured', [
    'negative2.yaml', 'negative3.yaml', 'positive1.yaml', 'positive2.yaml', 'positive3.yaml', 'positive4.yaml',
  ]),
  ...kicsQuery('k8s/cluster_allows_unsafe_sysctls', ['negative1.yaml', 'positive1.yaml', 'positive2.yaml']),
  // kube-linter: every mapped check, its dont-fire objects and its report count
  'kube-linter/_mapping',
  ...kubeLinter([
    'docker-sock', 'host-ipc', 'host-network', 'host-pid', 'privilege-escalation-container', 'privileged-container',
    'run-as-non-root', 'sensitive-host-mounts', 'unsafe-proc-mount', 'unsafe-sysctls',
  ]),
  // polaris: every mapped check's success and failure fixtures
  'polaris/_mapping',
  ...under('polaris/runAsPrivileged/', [
    'failure.pod.yaml', 'failure.two_cont.yaml', 'failure.two_cont_one_unspecified.yaml', 'failure.yaml', 'success.pod.yaml',
    'success.pod_no_cont.yaml', 'success.yaml',
  ]),
  ...under('polaris/hostIPCSet/', ['failure.yaml', 'success.yaml']),
  ...under('polaris/hostNetworkSet/', ['failure.yaml', 'success.yaml']),
  ...under('polaris/hostPIDSet/', ['failure.yaml', 'success.yaml']),
  ...under('polaris/hostPathSet/', ['failure.yaml', 'success.yaml']),
  ...under('polaris/hostPortSet/', ['failure.yaml', 'success.yaml']),
  ...under('polaris/hostProcess/', ['failure.container.yaml', 'failure.yaml', 'success.container.yaml', 'success.yaml']),
  ...under('polaris/procMount/', ['failure.yaml', 'success.yaml']),
  ...under('polaris/dangerousCapabilities/', ['failure.all-caps.yaml', 'failure.all.yaml', 'failure.case.yaml', 'failure.yaml', 'success.yaml']),
  ...under('polaris/privilegeEscalationAllowed/', [
    'failure.pod.yaml', 'failure.pod_unspecified.yaml', 'failure.unspecified.yaml', 'failure.yaml', 'success.pod.yaml',
    'success.yaml',
  ]),
  ...under('polaris/runAsRootAllowed/', ['failure.yaml', 'success.yaml']),
  // signatures: every sigstore-conformance bundle-verify case (verdict, and for _fail cases the README's reason)
  ...under('signatures/', [
    'bundle-with-sct-with-extensions', 'happy-path-intoto-in-dsse-v3', 'happy-path-v0.1', 'happy-path-v0.2', 'happy-path-v0.3',
    'happy-path-v0.3-new-mediaType', 'intoto-with-custom-trust-root', 'managed-key-and-trusted-root', 'managed-key-happy-path',
    'rekor2-checkpoint-cosigned', 'rekor2-checkpoint-multiple-cosigs', 'rekor2-checkpoint-origin-not-first',
    'rekor2-checkpoint-two-sigs-cosigned', 'rekor2-checkpoint-two-sigs-from-origin', 'rekor2-dsse-happy-path',
    'rekor2-happy-path', 'rekor2-timestamp-with-embedded-cert', 'rekor2-timestamp-with-expired-cert-chain',
    'rekor2-timestamp-without-embedded-cert', 'trust-root-tlog-validity-end-inclusive', 'trust-root-tsa-validity-end-inclusive',
  ]),
  ...under('signatures/', [
    'bundle-empty-certificate-chain_fail', 'bundle-from-wrong-instance_fail', 'bundle-invalid-base64-signature_fail',
    'bundle-malformed-json_fail', 'bundle-negative-log-index_fail', 'bundle-unknown-version_fail', 'bundle-with-root-cert_fail',
    'checkpoint-bad-keyhint_fail', 'checkpoint-wrong-roothash_fail', 'dsse-invalid-sig_fail', 'dsse-mismatch-envelope_fail',
    'dsse-mismatch-sig_fail', 'inclusion-proof-corrupted-hash_fail', 'incorrect-public-key_fail',
    'integrated-time-in-future_fail', 'intoto-expired-certificate_fail', 'intoto-log-entry-mismatch_fail',
    'intoto-missing-inclusion-proof_fail', 'intoto-set-outside-signing-cert-validity_fail',
    'intoto-tsa-timestamp-outside-cert-validity_fail', 'invalid-checkpoint-signature_fail', 'invalid-ct-key_fail',
    'invalid-inclusion-proof_fail', 'managed-key-no-key_fail', 'managed-key-wrong-key_fail', 'message-digest-mismatch_fail',
    'rekor2-checkpoint-missing-log-signature_fail', 'rekor2-checkpoint-missing-origin_fail',
    'rekor2-checkpoint-missing-root-hash_fail', 'rekor2-checkpoint-missing-size_fail',
    'rekor2-checkpoint-no-matching-signature_fail', 'rekor2-dsse-invalid-sig_fail', 'rekor2-dsse-mismatch-envelope_fail',
    'rekor2-dsse-mismatch-sig_fail', 'rekor2-no-inclusion-proof_fail', 'rekor2-no-timestamp_fail',
    'rekor2-timestamp-outside-trust-root-tsa-validity_fail', 'rekor2-timestamp-outside-tsa-cert-validity_fail',
    'rekor2-timestamp-payload-mismatch_fail', 'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail',
    'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail', 'rekor2-timestamp-with-incorrect-time_fail',
    'set-invalid-signature_fail', 'signature-mismatch_fail', 'trust-root-tlog-missing-validity-start_fail',
    'wrong-hashedrekord-artifact_fail', 'wrong-hashedrekord-cert-and-sig_fail', 'wrong-hashedrekord-entry_fail',
    'wrong-material_fail',
  ]),
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
