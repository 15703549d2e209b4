/** hostPath volumes that expose the container runtime socket. */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { asArray, asObject, asString, containersOf, quoted } from '../pss/check.js';
import { checkPodTemplates, type PodFinding } from './common.js';

/** Runtime API sockets: whoever can talk to one can start a privileged container on the node. */
const RUNTIME_SOCKETS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/var/run/cri-dockerd.sock',
  '/run/cri-dockerd.sock',
  '/var/run/containerd/containerd.sock',
  '/run/containerd/containerd.sock',
  '/run/k3s/containerd/containerd.sock',
  '/var/run/crio/crio.sock',
  '/run/crio/crio.sock',
  '/var/run/podman/podman.sock',
  '/run/podman/podman.sock',
] as const;

/** Normalizes `//var/./run/` to `/var/run`, so spelling tricks do not hide a socket. */
export function normalizeHostPath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** The socket a host path exposes: the socket itself, or a directory above it. */
export function exposedRuntimeSocket(hostPath: string): string | undefined {
  const path = normalizeHostPath(hostPath);
  for (const socket of RUNTIME_SOCKETS) {
    if (socket === path || path === '/' || socket.startsWith(`${path}/`)) return socket;
  }
  return undefined;
}

export const runtimeSocketMountRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0009',
  kind: 'kubernetes',
  title: 'Container runtime socket mounted into a pod',
  severity: 'CRITICAL',
  description:
    'A hostPath volume exposes the Docker, containerd, CRI-O or Podman API socket (or a directory holding it). Whoever reaches that socket can start a privileged container with the host filesystem mounted, so a compromise of the pod is a compromise of the node.',
  remediation: 'Remove the hostPath volume. Build images with a daemonless builder (BuildKit rootless, kaniko, buildah) and get container metadata from the kubelet or the API server instead of the runtime socket.',
  references: ['https://kubernetes.io/docs/concepts/storage/volumes/#hostpath'],
  frameworks: ['nist-800-190:4.4.3', 'nist-800-190:4.3.1', 'cis-k8s:5.2.12', 'nsa-k8s:pod-security', 'stride:E'],
  check(doc) {
    return checkPodTemplates(doc, (template) => {
      const findings: PodFinding[] = [];
      asArray(template.podSpec.volumes).forEach((item, index) => {
        const volume = asObject(item);
        const hostPath = asString(asObject(volume?.hostPath)?.path);
        if (hostPath === '') return;
        const socket = exposedRuntimeSocket(hostPath);
        if (!socket) return;
        const volumeName = asString(volume?.name);
        const users = containersOf(template.podSpec)
          .filter((visited) => asArray(visited.container.volumeMounts).some((mount) => asString(asObject(mount)?.name) === volumeName))
          .map((visited) => visited.name);
        findings.push({
          reason: `volume ${JSON.stringify(volumeName)} mounts host path ${JSON.stringify(hostPath)}, which exposes ${socket}`,
          detail: users.length > 0 ? `mounted by ${quoted(users)}` : 'no container mounts it yet',
          podPath: ['spec', 'volumes', index, 'hostPath', 'path'],
        });
      });
      return findings;
    });
  },
};
