import type { Rule, RuleViolation } from '../../rule.js';
import { serviceViolation, volumeMounts, type ComposeDoc } from '../parse.js';

/** Sockets of container engines: whoever can write to one can start a privileged container. */
const RUNTIME_SOCKETS = ['docker.sock', 'containerd.sock', 'crio.sock', 'podman.sock'] as const;
/** Directories that hold those sockets. */
const SOCKET_DIRS = new Set(['/var/run', '/run', '/var/run/docker', '/run/docker', '/run/containerd']);

function trimSlashes(p: string): string {
  let end = p.length;
  while (end > 1 && p.charCodeAt(end - 1) === 47 /* / */) end--;
  return p.slice(0, end);
}

/** Which engine socket a host path exposes, or undefined. */
export function exposedSocket(hostPath: string): string | undefined {
  const p = trimSlashes(hostPath);
  for (const sock of RUNTIME_SOCKETS) if (p.endsWith(sock)) return p;
  if (SOCKET_DIRS.has(p)) return `${p} (the directory holding the Docker socket)`;
  return undefined;
}

export const composeDockerSocket: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0004',
  kind: 'compose',
  title: 'Service mounts the container engine socket',
  severity: 'CRITICAL',
  description:
    'A container that can reach docker.sock (or the containerd, CRI-O or Podman socket, or the /run directory that holds them) can ask the engine for a privileged container with the host filesystem mounted: full control of the host, even through a read-only mount.',
  remediation: 'Remove the socket mount. If the service must talk to the engine, put an authorizing proxy in front of it that allows only the API calls it needs.',
  references: ['https://docs.docker.com/engine/security/#docker-daemon-attack-surface'],
  frameworks: ['nist-800-190:4.4.3', 'nist-800-190:4.5.4', 'cis-docker:5.32', 'stride:E'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const s of doc.services) {
      for (const m of volumeMounts(s)) {
        if (m.type !== 'bind' || m.source === undefined) continue;
        const sock = exposedSocket(m.source);
        if (sock) out.push(serviceViolation(doc, s, m.path, `service ${s.name} mounts ${sock} into the container${m.readOnly ? ' (read-only does not help: the API is still writable)' : ''}`));
      }
    }
    return out;
  },
};
