/**
 * seccomp and AppArmor are SK-COMPOSE-0006; this one covers the other two switches
 * that take confinement away: SELinux labels and the masked /proc paths.
 */
import type { Rule, RuleViolation } from '../../rule.js';
import { securityOpts, serviceViolation, type ComposeDoc } from '../parse.js';

export const composeConfinementDisabled: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0017',
  kind: 'compose',
  title: 'Service disables SELinux labels or /proc masking',
  severity: 'HIGH',
  description:
    '`label:disable` runs the container without SELinux separation, so its processes can touch host files the policy would have kept from them; `systempaths=unconfined` removes the masks on /proc/kcore, /proc/keys, /proc/sys and /sys/firmware that keep a container from reading kernel memory and writing kernel settings.',
  remediation: 'Remove the `label:disable` or `systempaths=unconfined` entry from `security_opt`; relabel volumes with `:z`/`:Z` instead of disabling labels.',
  references: ['https://docs.docker.com/reference/cli/docker/container/run/#security-opt', 'https://docs.docker.com/engine/security/'],
  frameworks: ['nist-800-190:4.4.3', 'nist-800-190:4.5.2', 'cis-docker:5.3', 'stride:E'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const s of doc.services) {
      for (const o of securityOpts(s)) {
        const value = o.value.toLowerCase();
        if ((o.key === 'label' && value === 'disable') || (o.key === 'systempaths' && value === 'unconfined')) {
          out.push(serviceViolation(doc, s, o.path, `service ${s.name} sets security_opt ${o.raw}`));
        }
      }
    }
    return out;
  },
};
