import type { Rule, RuleViolation } from '../../rule.js';
import { serviceViolation, volumeMounts, type ComposeDoc } from '../parse.js';

/** Host directories that are sensitive themselves (their subpaths such as /etc/localtime are common and benign). */
const EXACT = new Set(['/', '/etc', '/dev', '/var', '/usr', '/lib', '/bin', '/sbin', '/home']);
/** Host trees where anything below is sensitive. */
const TREES = ['/proc', '/sys', '/boot', '/root', '/var/lib/docker', '/var/lib/containerd', '/var/lib/kubelet', '/etc/docker', '/etc/kubernetes'] as const;

function trimSlashes(p: string): string {
  let end = p.length;
  while (end > 1 && p.charCodeAt(end - 1) === 47 /* / */) end--;
  return p.slice(0, end);
}

export function isSensitiveHostPath(hostPath: string): boolean {
  const p = trimSlashes(hostPath);
  if (EXACT.has(p)) return true;
  return TREES.some((t) => p === t || p.startsWith(`${t}/`));
}

export const composeSensitiveHostPath: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0005',
  kind: 'compose',
  title: 'Service mounts a sensitive host directory',
  severity: 'HIGH',
  description:
    'Bind-mounting the host root, /etc, /proc, /sys, /boot, /dev, /root or the engine state under /var/lib/docker lets the container read host secrets or change the host and its other containers.',
  remediation: 'Mount only the specific files the service needs, read-only (`:ro`), or use a named volume instead of a host directory.',
  references: ['https://docs.docker.com/engine/storage/bind-mounts/'],
  frameworks: ['nist-800-190:4.4.3', 'nist-800-190:4.5.5', 'cis-docker:5.6', 'stride:T'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const s of doc.services) {
      for (const m of volumeMounts(s)) {
        if (m.type !== 'bind' || m.source === undefined || !isSensitiveHostPath(m.source)) continue;
        out.push(serviceViolation(doc, s, m.path, `service ${s.name} mounts host path ${m.source}${m.readOnly ? ' (read-only)' : ' read-write'} at ${m.target ?? '?'}`));
      }
    }
    return out;
  },
};
