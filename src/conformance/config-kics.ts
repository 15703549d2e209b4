/**
 * Suite `kics`: the KICS Dockerfile, Compose and Kubernetes queries
 * (kics/assets/queries/{dockerfile,dockerCompose,k8s}/<query>/test). For each query
 * that means the same as one of our rules (MAPPED tables below, one reason each), every
 * positive file must give at least one finding of that rule and every negative file
 * none; whether our findings sit on the lines positive_expected_result.json names is a
 * separate `:lines` case per query. Every other query is listed in UNMAPPED with why.
 * Files run through the public runConfigChecks, so a file our adapters do not
 * recognise shows up as a miss. The Dockerfile and Compose tables agree with the ones
 * in checks/dockerfile/kics.test.ts and checks/compose/kics.test.ts.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { corpusPath } from '../testing/corpus.js';
import { checkPaths, describeFindings, findingsOf, tableCases, warningsOf, type ConfigRun, type PeerMapping } from './config-common.js';
import type { CaseResult, SuiteResult } from './report.js';

// ---------------------------------------------------------------------------------
// Dockerfile (same choices as checks/dockerfile/kics.test.ts)

const APT_CLEAN_ONLY = '`apt-get clean` empties /var/cache/apt/archives but leaves /var/lib/apt/lists; KICS accepts it, we do not';

const DOCKERFILE_MAPPED: Record<string, PeerMapping> = {
  last_user_is_root: { rule: 'SK-DF-0001', why: 'final stage runs as root' },
  missing_user_instruction: {
    rule: 'SK-DF-0001',
    why: 'no USER means the final stage runs as root',
    notOurs: { 'negative.dockerfile': 'final stage FROM scratch without USER runs as UID 0; KICS exempts scratch, we do not' },
  },
  add_instead_of_copy: {
    rule: 'SK-DF-0002',
    why: 'ADD where COPY would do',
    notOurs: { 'negative.dockerfile': 'ADD of a URL without --checksum is unverified remote content (CIS 4.9); KICS leaves URLs to another query' },
  },
  image_version_using_latest: { rule: 'SK-DF-0003', why: 'base image tagged latest' },
  image_version_not_explicit: { rule: 'SK-DF-0003', why: 'base image without a tag means latest' },
  apt_get_install_lists_were_not_deleted: {
    rule: 'SK-DF-0006',
    why: 'apt lists left in the image',
    notOurs: { 'negative.dockerfile': APT_CLEAN_ONLY, 'negative2.dockerfile': APT_CLEAN_ONLY },
  },
  apk_add_using_local_cache_path: { rule: 'SK-DF-0006', why: 'apk cache left in the image' },
  pip_install_keeping_cached_packages: { rule: 'SK-DF-0006', why: 'pip cache left in the image' },
  healthcheck_instruction_missing: { rule: 'SK-DF-0009', why: 'no HEALTHCHECK in the final stage' },
  exposing_port_22: { rule: 'SK-DF-0010', why: 'EXPOSE 22' },
  run_using_sudo: { rule: 'SK-DF-0011', why: 'sudo in RUN' },
};

const STYLE = 'build style or reproducibility advice (pinning, flags, instruction layout); no security rule with this meaning';
const DOCKERFILE_UNMAPPED: Record<string, string> = {
  apt_get_install_pin_version_not_defined: STYLE,
  apt_get_missing_flags_to_avoid_manual_input: STYLE,
  apt_get_not_avoiding_additional_packages: STYLE,
  changing_default_shell_using_run_command: STYLE,
  chown_flag_exists: 'COPY --chown is not a risk by itself; no rule',
  copy_from_references_current_from_alias: 'a build error, not a security setting',
  copy_with_more_than_two_arguments_not_ending_with_slash: 'a build error, not a security setting',
  curl_or_wget_instead_of_add: STYLE,
  gem_install_without_version: STYLE,
  maintainer_instruction_being_used: STYLE,
  missing_dnf_clean_all: 'dnf cache is not in SK-DF-0006 yet',
  missing_flag_from_dnf_install: STYLE,
  missing_version_specification_in_dnf_install: STYLE,
  missing_zypper_clean: 'zypper cache is not in SK-DF-0006 yet',
  missing_zypper_non_interactive_switch: STYLE,
  multiple_cmd_instructions_listed: STYLE,
  multiple_entrypoint_instructions_listed: STYLE,
  multiple_run_add_copy_instructions_listed: STYLE,
  not_using_json_in_cmd_and_entrypoint_arguments: STYLE,
  npm_install_without_pinned_version: STYLE,
  run_command_cd_instead_of_workdir: STYLE,
  run_using_apt: STYLE,
  run_using_wget_and_curl: STYLE,
  run_utilities_and_posix_commands: STYLE,
  same_alias_in_different_froms: 'a build error, not a security setting',
  shell_running_a_pipe_without_pipefail_flag: STYLE,
  unix_ports_out_of_range: 'a build error, not a security setting',
  unpinned_package_version_in_apk_add: STYLE,
  unpinned_package_version_in_pip_install: STYLE,
  update_instruction_alone: STYLE,
  using_platform_with_from: STYLE,
  using_unnamed_build_stages: STYLE,
  workdir_path_not_absolute: STYLE,
  yum_clean_all_missing: 'yum cache is not in SK-DF-0006 yet',
  yum_install_allows_manual_input: STYLE,
  yum_install_without_version: STYLE,
  zypper_install_without_version: STYLE,
};

// ---------------------------------------------------------------------------------
// Compose (same choices as checks/compose/kics.test.ts)

const COMPOSE_MAPPED: Record<string, PeerMapping> = {
  privileged_containers_enabled: { rule: 'SK-COMPOSE-0001', why: 'privileged: true' },
  container_capabilities_unrestricted: {
    rule: 'SK-COMPOSE-0002',
    why: 'dangerous cap_add',
    notOurs: { 'positive4.yaml': 'KICS also flags a service with no cap_drop; we flag only dangerous cap_add entries' },
  },
  host_namespace_is_shared: { rule: 'SK-COMPOSE-0003', why: 'pid: host' },
  shared_host_ipc_namespace: { rule: 'SK-COMPOSE-0003', why: 'ipc: host' },
  shared_host_network_namespace: { rule: 'SK-COMPOSE-0003', why: 'network_mode: host' },
  shared_host_user_namespace: { rule: 'SK-COMPOSE-0003', why: 'userns_mode: host' },
  docker_socket_mounted_in_container: { rule: 'SK-COMPOSE-0004', why: 'docker.sock bind mount' },
  volume_has_sensitive_host_directory: {
    rule: 'SK-COMPOSE-0005',
    why: 'sensitive host path mounted',
    notOurs: {
      'positive1.yaml': 'an anonymous volume at /var/lib/backup/data is not a host mount',
      'positive2.yaml': 'a named volume driver_opts device under /var/lib is outside our sensitive list',
      'positive3.yaml': 'a top-level volume mountpoint /var/data is outside our sensitive list and not a service mount',
      'positive4.yaml': '/etc/exercise is below /etc; we flag /etc itself, not every file under it',
    },
  },
  default_seccomp_profile_disabled: {
    rule: 'SK-COMPOSE-0006',
    why: 'seccomp:unconfined',
    notOurs: { 'positive1.yaml': '`label:seccomp:unconfined` is an SELinux label option Docker rejects, not a seccomp setting' },
  },
  no_new_privileges_not_set: { rule: 'SK-COMPOSE-0007', why: 'no-new-privileges missing' },
  memory_not_limited: { rule: 'SK-COMPOSE-0010', why: 'no memory limit' },
  cpus_not_limited: { rule: 'SK-COMPOSE-0011', why: 'no CPU limit' },
  pids_limit_not_set: { rule: 'SK-COMPOSE-0012', why: 'no pids limit' },
  container_traffic_not_bound_to_host_interface: { rule: 'SK-COMPOSE-0014', why: 'port published on every interface' },
  privileged_ports_mapped_in_container: {
    rule: 'SK-COMPOSE-0015',
    why: 'privileged host port published',
    notOurs: {
      'positive2.yaml': 'container port 80 is published on host port 7000; CIS 5.8 is about the host port',
      'positive4.yaml': '"70-8000" are container ports published on ephemeral host ports',
      'positive5.yaml': '"80" is a container port published on an ephemeral host port',
      'positive7.yaml': 'container ports 80-8081 are published on host ports 9090-9091',
      'positive8.yaml': 'container port 22 is published on host port 49100',
      'positive10.yaml': '"127.0.0.1::50": container port 50 on an ephemeral host port',
      'positive11.yaml': 'container port 124 is published on host ports 12400-12500',
      'positive12.yaml': 'container port 80 is published on host port 8080',
    },
  },
};

const COMPOSE_UNMAPPED: Record<string, string> = {
  cgroup_not_default: 'cgroup_parent is not among our rules (CIS 5.25 is a review item)',
  healthcheck_not_set: 'availability, not security: no HEALTHCHECK rule for Compose',
  restart_policy_on_failure_not_set_to_5: 'availability, not security: no restart-policy rule for Compose',
  security_opt_not_set: 'asks for security_opt to exist at all; what matters is covered by SK-COMPOSE-0006/0007',
  shared_volumes_between_containers: 'sharing a named volume between services is ordinary Compose use; no rule',
  volume_mounted_in_multiple_containers: 'mount propagation (shared/slave) is not among our rules yet',
};

// ---------------------------------------------------------------------------------
// Kubernetes: our rules are the PSS checks (SK-K8S-0101..0119)

const K8S_MAPPED: Record<string, PeerMapping> = {
  container_is_privileged: { rule: 'SK-K8S-0101', why: 'PSS privileged' },
  shared_host_ipc_namespace: { rule: 'SK-K8S-0102', why: 'PSS hostNamespaces (hostIPC)' },
  shared_host_network_namespace: { rule: 'SK-K8S-0102', why: 'PSS hostNamespaces (hostNetwork)' },
  shared_host_pid_namespace: { rule: 'SK-K8S-0102', why: 'PSS hostNamespaces (hostPID)' },
  non_kube_system_pod_with_host_mount: { rule: 'SK-K8S-0103', why: 'PSS hostPathVolumes: any hostPath volume' },
  workload_mounting_with_sensitive_os_directory: { rule: 'SK-K8S-0103', why: 'a sensitive hostPath is a hostPath (PSS hostPathVolumes)' },
  docker_daemon_socket_is_exposed_to_containers: { rule: 'SK-K8S-0103', why: 'the socket arrives through a hostPath volume (PSS hostPathVolumes)' },
  workload_host_port_not_specified: { rule: 'SK-K8S-0104', why: 'a container port with hostPort set (PSS hostPorts)' },
  container_runs_unmasked: { rule: 'SK-K8S-0108', why: 'procMount Unmasked (PSS procMount)' },
  containers_with_added_capabilities: { rule: 'SK-K8S-0114', why: 'added capabilities beyond the default set (PSS capabilities baseline)' },
  containers_with_sys_admin_capabilities: { rule: 'SK-K8S-0114', why: 'SYS_ADMIN is outside the baseline set' },
  no_drop_capabilities_for_containers: { rule: 'SK-K8S-0115', why: 'capabilities not dropped (PSS restricted requires drop ALL)' },
  privilege_escalation_allowed: { rule: 'SK-K8S-0116', why: 'allowPrivilegeEscalation not false (PSS restricted)' },
  containers_running_as_root: { rule: 'SK-K8S-0117', why: 'runAsNonRoot not ensured (PSS restricted)' },
  seccomp_profile_is_not_configured: { rule: 'SK-K8S-0111', why: 'no seccomp profile (PSS restricted)' },
  cluster_allows_unsafe_sysctls: { rule: 'SK-K8S-0112', why: 'unsafe sysctl in a pod (PSS sysctls)' },
};

const CONTROL_PLANE = 'kube-apiserver/kubelet/etcd/controller-manager flag: we check workload manifests, not control-plane configuration';
const PSP = 'PodSecurityPolicy (removed in Kubernetes 1.25): we check pods against PSS instead';
const RBAC = 'RBAC permissions are not among our rules yet';
const RESOURCES = 'resource requests/limits/quotas: availability, not among our rules';
const AVAILABILITY = 'probes, disruption budgets, replicas, scheduling: availability, not among our rules';
const NETWORK = 'network policy, service exposure, namespaces and cluster add-ons: not among our rules yet';
const HYGIENE = 'manifest hygiene (labels, API versions, image names, secret management); not a security setting we check';

const K8S_UNMAPPED: Record<string, string> = {
  always_admit_admission_control_plugin_set: CONTROL_PLANE,
  always_pull_images_admission_control_plugin_not_set: CONTROL_PLANE,
  anonymous_auth_is_not_set_to_false: CONTROL_PLANE,
  audit_log_maxage_not_properly_set: CONTROL_PLANE,
  audit_log_maxbackup_not_properly_set: CONTROL_PLANE,
  audit_log_maxsize_not_properly_set: CONTROL_PLANE,
  audit_log_path_not_set: CONTROL_PLANE,
  audit_policy_file_not_defined: CONTROL_PLANE,
  audit_policy_not_cover_key_security_concerns: CONTROL_PLANE,
  authorization_mode_node_not_set: CONTROL_PLANE,
  authorization_mode_rbac_not_set: CONTROL_PLANE,
  authorization_mode_set_to_always_allow: CONTROL_PLANE,
  auto_tls_set_to_true: CONTROL_PLANE,
  basic_auth_file_is_set: CONTROL_PLANE,
  bind_address_not_properly_set: CONTROL_PLANE,
  client_certificate_authentication_not_setup_properly: CONTROL_PLANE,
  cluster_admin_role_binding_with_super_user_permissions: RBAC,
  cni_plugin_does_not_support_network_policies: CONTROL_PLANE,
  containers_run_with_low_uid: 'wants UID > 10000 (kubesec policy); PSS restricted only forbids UID 0 (SK-K8S-0118)',
  cpu_limits_not_set: RESOURCES,
  cpu_requests_not_set: RESOURCES,
  cronjob_deadline_not_configured: AVAILABILITY,
  dashboard_is_enabled: NETWORK,
  deployment_has_no_pod_anti_affinity: AVAILABILITY,
  deployment_without_pod_disruption_budget: AVAILABILITY,
  encryption_provider_config_is_not_defined: CONTROL_PLANE,
  encryption_provider_not_properly_configured: CONTROL_PLANE,
  ensure_administrative_boundaries_between_resources: NETWORK,
  etcd_client_certificate_authentication_set_to_false: CONTROL_PLANE,
  etcd_client_certificate_file_not_defined: CONTROL_PLANE,
  etcd_peer_client_certificate_authentication_set_to_false: CONTROL_PLANE,
  etcd_peer_tls_certificate_files_not_properly_set: CONTROL_PLANE,
  etcd_tls_certificate_files_not_properly_set: CONTROL_PLANE,
  etcd_tls_certificate_not_properly_configured: CONTROL_PLANE,
  event_rate_limit_admission_control_plugin_not_set: CONTROL_PLANE,
  hpa_targeted_deployments_with_configured_replica_count: AVAILABILITY,
  hpa_targets_invalid_object: AVAILABILITY,
  image_policy_webhook_admission_control_plugin_not_set: CONTROL_PLANE,
  image_pull_policy_of_container_is_not_always: 'pull policy is operational hygiene; no rule',
  image_without_digest: 'image pinning in manifests has no Kubernetes rule yet (SK-DF-0004 covers Dockerfiles)',
  incorrect_volume_claim_access_mode_read_write_once: AVAILABILITY,
  ingress_controller_exposes_workload: NETWORK,
  insecure_bind_address_set: CONTROL_PLANE,
  insecure_port_not_properly_set: CONTROL_PLANE,
  invalid_image: HYGIENE,
  kubelet_certificate_authority_not_set: CONTROL_PLANE,
  kubelet_client_certificate_or_key_not_set: CONTROL_PLANE,
  kubelet_client_periodic_certificate_switch_disabled: CONTROL_PLANE,
  kubelet_event_qps_not_properly_set: CONTROL_PLANE,
  kubelet_hostname_override_is_set: CONTROL_PLANE,
  kubelet_https_set_to_false: CONTROL_PLANE,
  kubelet_not_managing_ip_tables: CONTROL_PLANE,
  kubelet_protect_kernel_defaults_set_to_false: CONTROL_PLANE,
  kubelet_read_only_port_is_not_set_to_zero: CONTROL_PLANE,
  kubelet_streaming_connection_timeout_disabled: CONTROL_PLANE,
  liveness_probe_is_not_defined: AVAILABILITY,
  memory_limits_not_defined: RESOURCES,
  memory_requests_not_defined: RESOURCES,
  metadata_label_is_invalid: HYGIENE,
  missing_app_armor_config: 'asks for an AppArmor annotation; PSS baseline (SK-K8S-0106) only forbids overriding to unconfined',
  namespace_lifecycle_admission_control_plugin_disabled: CONTROL_PLANE,
  net_raw_capabilities_disabled_for_psp: PSP,
  net_raw_capabilities_not_being_dropped: 'accepts dropping NET_RAW alone; SK-K8S-0115 requires dropping ALL, so negatives would differ',
  network_policy_is_not_targeting_any_pod: NETWORK,
  node_restriction_admission_control_plugin_not_set: CONTROL_PLANE,
  not_limited_capabilities_for_pod_security_policy: PSP,
  not_unique_certificate_authority: CONTROL_PLANE,
  object_is_using_a_deprecated_api_version: HYGIENE,
  peer_auto_tls_set_to_true: CONTROL_PLANE,
  permissive_access_to_create_pods: RBAC,
  pod_misconfigured_network_policy: NETWORK,
  pod_or_container_without_limit_range: RESOURCES,
  pod_or_container_without_resource_quota: RESOURCES,
  pod_or_container_without_security_context: 'asks for securityContext to exist; what matters inside it is covered by the PSS rules',
  pod_security_policy_admission_control_plugin_not_set: CONTROL_PLANE,
  profiling_not_set_to_false: CONTROL_PLANE,
  psp_allows_privilege_escalation: PSP,
  psp_allows_sharing_host_ipc: PSP,
  psp_allows_sharing_host_pid: PSP,
  psp_containers_share_host_network_namespace: PSP,
  psp_set_to_privileged: PSP,
  psp_with_added_capabilities: PSP,
  psp_with_unrestricted_access_to_host_path: PSP,
  rbac_roles_allow_privilege_escalation: RBAC,
  rbac_roles_with_attach_permission: RBAC,
  rbac_roles_with_exec_permission: RBAC,
  rbac_roles_with_impersonate_permission: RBAC,
  rbac_roles_with_portforwarding_permissions: RBAC,
  rbac_roles_with_read_secrets_permissions: RBAC,
  rbac_wildcard_in_rule: RBAC,
  readiness_probe_is_not_configured: AVAILABILITY,
  request_timeout_not_properly_set: CONTROL_PLANE,
  role_binding_to_default_service_account: RBAC,
  root_ca_file_not_defined: CONTROL_PLANE,
  root_container_not_mounted_as_read_only: 'readOnlyRootFilesystem is not a PSS control; no Kubernetes rule yet',
  root_containers_admitted: PSP,
  rotate_kubelet_server_certificate_not_active: CONTROL_PLANE,
  secrets_as_environment_variables: 'secretKeyRef env is a hygiene choice, not a PSS control; no rule yet',
  secure_port_set_to_zero: CONTROL_PLANE,
  security_context_deny_admission_control_plugin_not_set: CONTROL_PLANE,
  service_account_admission_control_plugin_disabled: CONTROL_PLANE,
  service_account_allows_access_secrets: RBAC,
  service_account_key_file_not_properly_set: CONTROL_PLANE,
  service_account_lookup_set_to_false: CONTROL_PLANE,
  service_account_name_undefined_or_empty: NETWORK,
  service_account_private_key_file_not_defined: CONTROL_PLANE,
  service_account_token_automount_not_disabled: 'token automount is not a PSS control; no rule yet',
  service_does_not_target_pod: NETWORK,
  service_type_is_nodeport: NETWORK,
  service_with_external_load_balancer: NETWORK,
  shared_service_account: NETWORK,
  statefulset_has_no_pod_anti_affinity: AVAILABILITY,
  statefulset_requests_storage: AVAILABILITY,
  statefulset_without_pod_disruption_budget: AVAILABILITY,
  statefulset_without_service_name: AVAILABILITY,
  terminated_pod_garbage_collector_threshold_not_properly_set: CONTROL_PLANE,
  tiller_deployment_is_accessible_from_within_the_cluster: NETWORK,
  tiller_is_deployed: NETWORK,
  tiller_service_is_not_deleted: NETWORK,
  tls_connection_certificate_not_setup: CONTROL_PLANE,
  token_auth_file_is_set: CONTROL_PLANE,
  use_service_account_credentials_not_set_to_true: CONTROL_PLANE,
  using_kubernetes_native_secret_management: HYGIENE,
  using_unrecommended_namespace: NETWORK,
  volume_mount_with_os_directory_write_permissions: 'writable volumeMount of an OS path; SK-K8S-0103 flags the hostPath itself, read-only or not',
  weak_tls_cipher_suites: CONTROL_PLANE,
};

// ---------------------------------------------------------------------------------

interface KicsKind {
  dir: 'dockerfile' | 'dockerCompose' | 'k8s';
  mapped: Record<string, PeerMapping>;
  unmapped: Record<string, string>;
}

const KINDS: readonly KicsKind[] = [
  { dir: 'dockerfile', mapped: DOCKERFILE_MAPPED, unmapped: DOCKERFILE_UNMAPPED },
  { dir: 'dockerCompose', mapped: COMPOSE_MAPPED, unmapped: COMPOSE_UNMAPPED },
  { dir: 'k8s', mapped: K8S_MAPPED, unmapped: K8S_UNMAPPED },
];

interface ExpectedLine {
  file: string;
  line: number;
}

/** positive_expected_result.json; a result without a file name belongs to the only (first) positive file. */
async function expectedLines(testDir: string, positives: readonly string[]): Promise<ExpectedLine[]> {
  const text = await readFile(join(testDir, 'positive_expected_result.json'), 'utf8').catch(() => '[]');
  const raw = JSON.parse(text) as Array<Record<string, unknown>>;
  return raw.map((r) => ({ file: String(r['fileName'] ?? r['filename'] ?? positives[0] ?? ''), line: Number(r['line']) }));
}

function isSample(name: string): boolean {
  return (name.startsWith('positive') || name.startsWith('negative')) && !name.endsWith('.json');
}

async function queryCases(kind: KicsKind, query: string, mapping: PeerMapping, run: ConfigRun, testDir: string): Promise<CaseResult[]> {
  const prefix = `kics/${kind.dir}/${query}`;
  const files = (await readdir(testDir).catch(() => [] as string[])).filter(isSample).sort();
  if (files.length === 0) return [{ id: `${prefix}/_query`, status: 'error', detail: 'query or its test files absent from the corpus' }];
  const positives = files.filter((f) => f.startsWith('positive'));
  const expected = await expectedLines(testDir, positives);
  const cases: CaseResult[] = [];
  const missedLines: string[] = [];
  let lineTotal = 0;
  for (const f of files) {
    const path = join(testDir, f);
    const found = findingsOf(run, path, mapping.rule);
    const id = `${prefix}/${f}`;
    const warnings = warningsOf(run, path);
    const notes = warnings.length > 0 ? [`warnings: ${warnings.join('; ')}`] : undefined;
    const divergence = mapping.notOurs?.[f];
    if (divergence !== undefined) {
      cases.push({ id, status: 'no-truth', detail: `meaning differs: ${divergence}; ${mapping.rule} findings: ${describeFindings(found)}` });
      continue;
    }
    if (f.startsWith('positive')) {
      cases.push(found.length > 0 ? { id, status: 'agree' } : { id, status: 'disagree', detail: `KICS positive, ${mapping.rule} finds nothing`, ...(notes ? { notes } : {}) });
      const ours = new Set(found.map((x) => x.line));
      for (const e of expected.filter((x) => x.file === f)) {
        lineTotal++;
        if (!ours.has(e.line)) missedLines.push(`${f}:${e.line} (ours ${found.map((x) => x.line ?? '?').join(',') || 'none'})`);
      }
    } else {
      cases.push(found.length === 0 ? { id, status: 'agree' } : { id, status: 'disagree', detail: `KICS negative, ${mapping.rule} reports ${describeFindings(found)}`, ...(notes ? { notes } : {}) });
    }
  }
  if (lineTotal > 0) {
    cases.push(
      missedLines.length === 0
        ? { id: `${prefix}:lines`, status: 'agree' }
        : { id: `${prefix}:lines`, status: 'disagree', detail: `${lineTotal - missedLines.length}/${lineTotal} KICS lines match ours; not matched: ${missedLines.join(' ')}` },
    );
  }
  return cases;
}

async function kindCases(root: string, kind: KicsKind): Promise<CaseResult[]> {
  const dir = join(root, kind.dir);
  const queries = (await readdir(dir).catch(() => [] as string[])).sort();
  if (queries.length === 0) return [{ id: `kics/${kind.dir}/_corpus`, status: 'no-truth', detail: `corpus kics/assets/queries/${kind.dir} absent` }];
  const cases = tableCases(`kics/${kind.dir}`, queries, kind.mapped, kind.unmapped);
  // One run over every mapped query's tests: one walk, findings keyed by file.
  const testDirs = Object.keys(kind.mapped).filter((q) => queries.includes(q)).map((q) => join(dir, q, 'test'));
  const run = await checkPaths(testDirs);
  for (const [query, mapping] of Object.entries(kind.mapped)) cases.push(...(await queryCases(kind, query, mapping, run, join(dir, query, 'test'))));
  return cases;
}

export async function runKicsSuite(): Promise<SuiteResult> {
  const started = Date.now();
  const root = corpusPath('kics', 'assets', 'queries');
  if (!root) return { name: 'kics', cases: [{ id: 'kics/_corpus', status: 'no-truth', detail: 'corpus kics/assets/queries absent' }], ms: 0 };
  const cases: CaseResult[] = [];
  for (const kind of KINDS) cases.push(...(await kindCases(root, kind)));
  return { name: 'kics', cases, ms: Date.now() - started };
}
