/** PSS baseline: only namespaced, pod-isolated ("safe") sysctls; the safe list grew over releases. */
import { ALLOWED, asArray, asObject, asString, definePssCheck, denied, podSecurityContext, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const SAFE_V1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SAFE_V1_27 = [...SAFE_V1_0, 'net.ipv4.ip_local_reserved_ports'];
const SAFE_V1_29 = [...SAFE_V1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SAFE_V1_32 = [...SAFE_V1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const SAFE_V1_37 = [...SAFE_V1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];

function sysctlsCheck(safe: readonly string[]): PodCheckFn {
  const allowed = new Set(safe);
  return (_meta, spec) => {
    const forbidden: string[] = [];
    const paths: FieldPath[] = [];
    asArray(podSecurityContext(spec)?.sysctls).forEach((item, index) => {
      const name = asString(asObject(item)?.name);
      if (!allowed.has(name)) {
        forbidden.push(name);
        paths.push(['spec', 'securityContext', 'sysctls', index, 'name']);
      }
    });
    if (forbidden.length === 0) return ALLOWED;
    return denied('forbidden sysctls', forbidden.join(', '), paths);
  };
}

export const sysctls = definePssCheck('sysctls', 'baseline', [
  { since: v(1, 0), check: sysctlsCheck(SAFE_V1_0) },
  { since: v(1, 27), check: sysctlsCheck(SAFE_V1_27) },
  { since: v(1, 29), check: sysctlsCheck(SAFE_V1_29) },
  { since: v(1, 32), check: sysctlsCheck(SAFE_V1_32) },
  { since: v(1, 37), check: sysctlsCheck(SAFE_V1_37) },
]);

export const sysctlsRule = pssRule(sysctls, {
  id: 'SK-K8S-0112',
  title: 'Unsafe sysctl',
  severity: 'HIGH',
  description:
    'Sysctls outside the safe set are not isolated per pod: they change kernel settings for the whole node, can weaken its security or starve other workloads.',
  remediation: 'Remove the sysctl from spec.securityContext.sysctls, or tune it on the node itself where the cluster administrator controls it.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:sysctls', 'pss-level:baseline', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:E'],
});
