/** Exposing the SSH port suggests an SSH daemon in the container. */
import type { Rule, RuleViolation } from '../../rule.js';
import { stageName, type DockerfileDoc } from '../parse.js';

/** `22`, `22/tcp`, `20-25/tcp` -> true when the spec covers TCP port 22. */
export function coversPort22(spec: string): boolean {
  const slash = spec.indexOf('/');
  const proto = slash >= 0 ? spec.slice(slash + 1).toLowerCase() : 'tcp';
  if (proto !== 'tcp') return false;
  const ports = slash >= 0 ? spec.slice(0, slash) : spec;
  const dash = ports.indexOf('-');
  if (dash < 0) return ports === '22';
  const lo = Number(ports.slice(0, dash));
  const hi = Number(ports.slice(dash + 1));
  return Number.isInteger(lo) && Number.isInteger(hi) && lo <= 22 && 22 <= hi;
}

export const exposeSsh: Rule<DockerfileDoc> = {
  id: 'SK-DF-0010',
  kind: 'dockerfile',
  title: 'SSH port 22 exposed',
  severity: 'MEDIUM',
  description:
    'EXPOSE 22 means an SSH server is expected to run in the container. It adds a network-facing daemon and ' +
    'long-lived credentials or keys to manage, and bypasses the audited `docker exec` / `kubectl exec` path.',
  remediation: 'Remove the SSH server and EXPOSE 22; use `docker exec` or `kubectl exec` (or an ephemeral debug container) for access.',
  references: ['https://docs.docker.com/reference/dockerfile/#expose'],
  frameworks: ['nist-800-190:4.4.2', 'cis-docker:5.6', 'stride:S'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const stage of doc.stages) {
      for (const instr of stage.instructions) {
        if (instr.keyword !== 'EXPOSE') continue;
        const port = instr.expandedArgs.find(coversPort22);
        if (port !== undefined) out.push({ reason: `EXPOSE ${port} publishes the SSH port`, resource: stageName(stage), position: instr.position });
      }
    }
    return out;
  },
};
