import type { Rule, RuleViolation } from '../../rule.js';
import { listItems, normaliseCapability, scalarText, serviceViolation, type ComposeDoc } from '../parse.js';

/** Capabilities that open a way out of the container or onto the host's network and kernel. */
const DANGEROUS: Readonly<Record<string, string>> = {
  ALL: 'every capability, as good as privileged',
  SYS_ADMIN: 'mount, namespaces and much of the kernel administration surface',
  NET_ADMIN: 'network configuration, firewall and routing changes',
  SYS_PTRACE: 'tracing and injecting into other processes',
  SYS_MODULE: 'loading kernel modules',
  SYS_RAWIO: 'raw I/O ports and memory',
  SYS_BOOT: 'rebooting the host',
  SYS_TIME: 'setting the host clock',
  DAC_READ_SEARCH: 'reading any file by handle (the shocker escape)',
  BPF: 'loading eBPF programs',
  PERFMON: 'kernel performance monitoring',
  NET_RAW: 'raw sockets (ARP and DNS spoofing)',
  MKNOD: 'creating device nodes',
  SETFCAP: 'setting file capabilities',
  LINUX_IMMUTABLE: 'changing immutable file flags',
  MAC_ADMIN: 'changing the mandatory access control policy',
  MAC_OVERRIDE: 'overriding the mandatory access control policy',
  SYSLOG: 'reading and clearing the kernel log',
};

export const composeCapAdd: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0002',
  kind: 'compose',
  title: 'Service adds dangerous Linux capabilities',
  severity: 'HIGH',
  description:
    'Capabilities such as ALL, SYS_ADMIN, NET_ADMIN or SYS_PTRACE give a container powers over the shared kernel that are used in container escapes and host network attacks.',
  remediation: 'Remove the capability from `cap_add`; start from `cap_drop: [ALL]` and add back only the narrow capabilities the service is shown to need.',
  references: ['https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities', 'https://man7.org/linux/man-pages/man7/capabilities.7.html'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:5.4', 'stride:E'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const s of doc.services) {
      for (const item of listItems(s, 'cap_add')) {
        const raw = scalarText(item.value);
        if (raw === undefined) continue;
        const cap = normaliseCapability(raw);
        const why = DANGEROUS[cap];
        if (why) out.push(serviceViolation(doc, s, item.path, `service ${s.name} adds capability ${cap} (${why})`));
      }
    }
    return out;
  },
};
