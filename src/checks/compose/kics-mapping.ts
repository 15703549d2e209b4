/**
 * Which KICS Compose queries mean the same as one of our rules (and the inputs where
 * our meaning deliberately differs), and why every other query is not mapped. One
 * table, read by checks/compose/kics.test.ts and the conformance runner's kics suite.
 */
import type { KicsMapping } from '../kics-mapping.js';

// Where KICS puts a finding on a parent key and we put it on the offending entry (the
// line code scanning annotates), one finding per entry.
const CAP_ADD_KEY = 'KICS points at the cap_add key; we report each dangerous capability on its own entry';
const PORTS_KEY = 'KICS points at the ports key; we report each offending port mapping on its own entry';
const EMPTY_DEPLOY = 'for an empty `deploy:` KICS reports the one missing limit twice (service line and deploy key); we report it once, at deploy';

export const KICS_COMPOSE_MAPPED: Record<string, KicsMapping> = {
  privileged_containers_enabled: { rule: 'SK-COMPOSE-0001', why: 'privileged: true' },
  container_capabilities_unrestricted: {
    rule: 'SK-COMPOSE-0002',
    why: 'dangerous cap_add',
    notOurs: { 'positive4.yaml': 'KICS also flags a service with no cap_drop; we flag only dangerous cap_add entries' },
    otherLines: {
      'positive1.yaml:4': 'the service line is KICS\'s no-cap_drop finding (the meaning of positive4.yaml), which we do not share',
      'positive1.yaml:13': CAP_ADD_KEY,
      'positive2.yaml:13': CAP_ADD_KEY,
      'positive3.yaml:13': CAP_ADD_KEY,
    },
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
  no_new_privileges_not_set: {
    rule: 'SK-COMPOSE-0007',
    why: 'no-new-privileges missing',
    otherLines: { 'positive1.yaml:12': 'KICS points at the security_opt key; we point at the `no-new-privileges:false` entry below it that turns it off' },
  },
  memory_not_limited: { rule: 'SK-COMPOSE-0010', why: 'no memory limit', otherLines: { 'positive3.yaml:3': EMPTY_DEPLOY } },
  cpus_not_limited: { rule: 'SK-COMPOSE-0011', why: 'no CPU limit', otherLines: { 'positive3.yaml:3': EMPTY_DEPLOY } },
  pids_limit_not_set: { rule: 'SK-COMPOSE-0012', why: 'no pids limit' },
  container_traffic_not_bound_to_host_interface: {
    rule: 'SK-COMPOSE-0014',
    why: 'port published on every interface',
    otherLines: { 'positive1.yaml:11': PORTS_KEY, 'positive2.yaml:11': PORTS_KEY, 'positive3.yaml:11': PORTS_KEY },
  },
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
    otherLines: {
      'positive1.yaml:5': PORTS_KEY,
      'positive1.yaml:12': PORTS_KEY,
      'positive3.yaml:11': PORTS_KEY,
      'positive6.yaml:11': PORTS_KEY,
      'positive9.yaml:11': PORTS_KEY,
    },
  },
};

export const KICS_COMPOSE_UNMAPPED: Record<string, string> = {
  cgroup_not_default: 'cgroup_parent is not among our rules (CIS 5.25 is a review item)',
  healthcheck_not_set: 'availability, not security: no HEALTHCHECK rule for Compose',
  restart_policy_on_failure_not_set_to_5: 'availability, not security: no restart-policy rule for Compose',
  security_opt_not_set: 'asks for security_opt to exist at all; what matters is covered by SK-COMPOSE-0006/0007',
  shared_volumes_between_containers: 'sharing a named volume between services is ordinary Compose use; no rule',
  volume_mounted_in_multiple_containers: 'mount propagation (shared/slave) is not among our rules yet',
};
