/** PSS baseline (v1.34+): probes and lifecycle hooks may not target another host. */
import { ALLOWED, asObject, asString, containerList, containersOf, definePssCheck, denied, plural, quoted, sortedUnique, v, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HOOKS = ['postStart', 'preStop'] as const;
const HANDLERS = ['httpGet', 'tcpSocket'] as const;

const hostProbesV1Dot34: PodCheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const hosts: string[] = [];
  const paths: FieldPath[] = [];
  for (const c of containersOf(spec)) {
    let found = false;
    const inspect = (handler: unknown, at: FieldPath): void => {
      const h = asObject(handler);
      for (const kind of HANDLERS) {
        const host = asString(asObject(h?.[kind])?.host);
        if (host !== '') {
          found = true;
          hosts.push(host);
          paths.push([...at, kind, 'host']);
        }
      }
    };
    for (const probe of PROBES) inspect(c.container[probe], [...c.path, probe]);
    const lifecycle = asObject(c.container.lifecycle);
    for (const hook of HOOKS) inspect(lifecycle?.[hook], [...c.path, 'lifecycle', hook]);
    if (found && !bad.includes(c.name)) bad.push(c.name);
  }
  if (bad.length === 0) return ALLOWED;
  const list = sortedUnique(hosts);
  return denied('probe or lifecycle host', `${containerList(sortedUnique(bad))} send probes or lifecycle hooks to ${plural(list.length, 'host', 'hosts')} ${quoted(list)}`, paths);
};

export const hostProbesAndHostLifecycle = definePssCheck('hostProbesAndHostLifecycle', 'baseline', [{ since: v(1, 34), check: hostProbesV1Dot34 }]);

export const hostProbesAndHostLifecycleRule = pssRule(hostProbesAndHostLifecycle, {
  id: 'SK-K8S-0113',
  title: 'Probe or lifecycle hook targets another host',
  severity: 'MEDIUM',
  description:
    'The kubelet runs httpGet and tcpSocket probes and hooks from the node. A host field sends those requests wherever the pod author likes, which turns the kubelet into a proxy into networks the pod itself cannot reach.',
  remediation: 'Remove the host field from httpGet and tcpSocket probes and lifecycle hooks so they target the pod itself.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:hostProbesAndHostLifecycle', 'pss-level:baseline', 'nsa-k8s:network-separation', 'nist-800-190:4.4.2', 'stride:S'],
});
