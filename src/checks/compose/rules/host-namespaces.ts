import type { Rule, RuleViolation } from '../../rule.js';
import { scalarText, serviceViolation, type ComposeDoc } from '../parse.js';

/** Compose keys that can join a host namespace, with what sharing it exposes. */
const NAMESPACE_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['network_mode', 'the host network stack: every host interface and port, services bound to localhost'],
  ['pid', 'the host process table: every host process can be seen and signalled'],
  ['ipc', 'host shared memory and IPC objects'],
  ['userns_mode', 'the host user namespace: root in the container is root on the host'],
  ['uts', 'the host hostname and domain name'],
];

export const composeHostNamespaces: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0003',
  kind: 'compose',
  title: 'Service shares a host namespace',
  severity: 'HIGH',
  description:
    'Setting network_mode, pid, ipc, userns_mode or uts to `host` removes the namespace isolation between the container and the host for that resource.',
  remediation: 'Remove the `host` setting; publish ports, use a user-defined network, or share namespaces with another container (`service:<name>`) instead.',
  references: ['https://docs.docker.com/reference/compose-file/services/#network_mode', 'https://docs.docker.com/reference/compose-file/services/#pid'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:5.10', 'cis-docker:5.16', 'cis-docker:5.17', 'cis-docker:5.21', 'cis-docker:5.31', 'stride:E'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const s of doc.services) {
      for (const [key, exposes] of NAMESPACE_KEYS) {
        if (scalarText(s.value[key])?.trim().toLowerCase() === 'host') {
          out.push(serviceViolation(doc, s, [...s.path, key], `service ${s.name} sets ${key}: host`, `shares ${exposes}`));
        }
      }
    }
    return out;
  },
};
