/**
 * Which KICS Kubernetes queries mean the same as one of our rules (and the inputs or
 * result lines where our meaning deliberately differs), and why every other query is
 * not mapped. Read by the conformance runner's kics suite.
 *
 * Most rules mapped here are Pod Security Standards checks, which keep parity with
 * pod-security-admission (PSA): where KICS judges a pod differently from PSA, PSA wins
 * and the file is listed in notOurs. Only the conformance suite reads this table; its
 * agreeing cases are required there (conformance/run.ts).
 */
import type { KicsMapping } from '../kics-mapping.js';

const PERSISTENT_VOLUME =
  'a PersistentVolume, not a pod: PSS hostPathVolumes judges the volumes a pod declares, and a PVC-backed pod passes it';
const PORTS_KEY = 'KICS points at the ports key; we point at the hostPort field, one finding per port';
const RUN_AS_USER = 'KICS points at runAsUser (the UID); our rule is about runAsNonRoot and points at the runAsNonRoot: false line of the same securityContext';

export const KICS_K8S_MAPPED: Record<string, KicsMapping> = {
  container_is_privileged: { rule: 'SK-K8S-0101', why: 'PSS privileged' },
  shared_host_ipc_namespace: { rule: 'SK-K8S-0102', why: 'PSS hostNamespaces (hostIPC)' },
  shared_host_network_namespace: { rule: 'SK-K8S-0102', why: 'PSS hostNamespaces (hostNetwork)' },
  shared_host_pid_namespace: { rule: 'SK-K8S-0102', why: 'PSS hostNamespaces (hostPID)' },
  non_kube_system_pod_with_host_mount: {
    rule: 'SK-K8S-0103',
    why: 'PSS hostPathVolumes: any hostPath volume',
    notOurs: {
      'negative.yaml':
        'KICS exempts the kube-system namespace; PSS baseline has no namespace exemption (PSA exempts namespaces only by cluster configuration)',
    },
    otherLines: { 'positive.yaml:153': PERSISTENT_VOLUME, 'positive.yaml:168': PERSISTENT_VOLUME },
  },
  workload_mounting_with_sensitive_os_directory: {
    rule: 'SK-K8S-0103',
    why: 'a sensitive hostPath is a hostPath (PSS hostPathVolumes)',
    notOurs: { 'negative.yaml': 'hostPaths /opt and /tmp are not sensitive to KICS; PSS baseline forbids every hostPath volume' },
    otherLines: { 'positive.yaml:265': PERSISTENT_VOLUME, 'positive.yaml:280': PERSISTENT_VOLUME },
  },
  docker_daemon_socket_is_exposed_to_containers: { rule: 'SK-K8S-0009', why: 'a hostPath volume exposing the container runtime socket' },
  workload_host_port_not_specified: {
    rule: 'SK-K8S-0104',
    why: 'a container port with hostPort set (PSS hostPorts)',
    otherLines: { 'positive.yaml:9': PORTS_KEY, 'positive.yaml:24': PORTS_KEY },
  },
  containers_with_added_capabilities: { rule: 'SK-K8S-0114', why: 'added capabilities beyond the default set (PSS capabilities baseline)' },
  containers_with_sys_admin_capabilities: { rule: 'SK-K8S-0114', why: 'SYS_ADMIN is outside the baseline set' },
  no_drop_capabilities_for_containers: {
    rule: 'SK-K8S-0115',
    why: 'capabilities not dropped (PSS restricted requires drop ALL)',
    notOurs: {
      'negative.yaml': 'drops `all` in lower case: PSA compares with "ALL" exactly (policy/check_capabilities_restricted.go), so PSS restricted denies it',
    },
  },
  privilege_escalation_allowed: { rule: 'SK-K8S-0116', why: 'allowPrivilegeEscalation not false (PSS restricted)' },
  containers_running_as_root: {
    rule: 'SK-K8S-0117',
    why: 'runAsNonRoot not ensured (PSS restricted)',
    notOurs: {
      'negative2.yaml': 'a container sets runAsUser: 1000 with runAsNonRoot: false; KICS accepts the non-zero UID, PSS runAsNonRoot requires runAsNonRoot not be false',
      'negative3.yaml': 'pod and container set runAsNonRoot: false (container UID 1000); KICS accepts the non-zero UID, PSS runAsNonRoot does not',
    },
    otherLines: {
      'positive1.yaml:13': RUN_AS_USER,
      'positive1.yaml:38': 'KICS points at the pod\'s runAsUser: 1000; the offender is the container below that sets runAsNonRoot: false (line 46), where we point',
      'positive1.yaml:44': RUN_AS_USER,
      'positive2.yaml:13': RUN_AS_USER,
      'positive2.yaml:18': RUN_AS_USER,
      'positive3.yaml:13': RUN_AS_USER,
      'positive4.yaml:12': RUN_AS_USER,
    },
  },
  seccomp_profile_is_not_configured: {
    rule: 'SK-K8S-0111',
    why: 'no seccomp profile (PSS restricted)',
    notOurs: {
      'negative1.yaml':
        'its only seccomp setting is the PodSecurityPolicy annotation seccomp.security.alpha.kubernetes.io/defaultProfileName, which sets nothing on a pod; PSS restricted reads only securityContext.seccompProfile',
    },
    otherLines: {
      'positive1.yaml:26': 'KICS points at the PSP defaultProfileName annotation (which sets nothing on a pod); we point at the container that has no seccompProfile',
      'positive1.yaml:43': 'KICS points at the PSP defaultProfileName annotation (which sets nothing on a pod); we point at the container that has no seccompProfile',
    },
  },
  cluster_allows_unsafe_sysctls: {
    rule: 'SK-K8S-0112',
    why: 'unsafe sysctl in a pod (PSS sysctls)',
    notOurs: {
      'negative2.yaml': 'sysctl net/ipv4/tcp_syncookies in slash form: PSA compares names literally with its dotted allow-list (policy/check_sysctls.go), so PSS baseline denies it',
    },
    otherLines: { 'positive1.yaml:24': 'a PodSecurityPolicy allowedUnsafeSysctls entry; PSP was removed in 1.25 and we check the sysctls pods set' },
  },
};

const CONTROL_PLANE = 'kube-apiserver/kubelet/etcd/controller-manager flag: we check workload manifests, not control-plane configuration';
const PSP = 'PodSecurityPolicy (removed in Kubernetes 1.25): we check pods against PSS instead';
const RBAC = 'RBAC permissions are not among our rules yet';
const RESOURCES = 'resource requests/limits/quotas: availability, not among our rules';
const AVAILABILITY = 'probes, disruption budgets, replicas, scheduling: availability, not among our rules';
const NETWORK = 'network policy, service exposure, namespaces and cluster add-ons: not among our rules yet';
const HYGIENE = 'manifest hygiene (labels, API versions, image names, secret management); not a security setting we check';

export const KICS_K8S_UNMAPPED: Record<string, string> = {
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
  container_runs_unmasked:
    'despite its name it checks PodSecurityPolicy allowedProcMountTypes (every test file is a PSP); PSP was removed in 1.25, a pod\'s procMount is SK-K8S-0108',
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
