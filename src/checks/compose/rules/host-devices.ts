import type { Rule, RuleViolation } from '../../rule.js';
import { listItems, scalarText, serviceViolation, isRecord, type ComposeDoc } from '../parse.js';

/** `HOST[:CONTAINER[:PERMS]]`, or the long syntax `{source, target, permissions}`. */
function hostDevice(v: unknown): string | undefined {
  const text = scalarText(v);
  if (text !== undefined) return text.split(':')[0];
  if (isRecord(v)) return scalarText(v.source);
  return undefined;
}

export const composeHostDevices: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0016',
  kind: 'compose',
  title: 'Service maps host devices into the container',
  severity: 'HIGH',
  description:
    'A host device node (`devices`) or a device cgroup rule (`device_cgroup_rules`) gives the container direct access to host hardware: disks and partitions can be mounted and read or rewritten below the filesystem, /dev/mem and /dev/kmsg expose the kernel, and a wide cgroup rule such as `a *:* rwm` allows every device the container can create.',
  remediation: 'Remove the device, or map only the one device node the service needs with the narrowest permissions (`r` rather than `rwm`); never map whole disks or memory devices.',
  references: ['https://docs.docker.com/reference/compose-file/services/#devices', 'https://docs.docker.com/reference/cli/docker/container/run/#device'],
  frameworks: ['nist-800-190:4.4.3', 'cis-docker:5.18', 'stride:E'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const s of doc.services) {
      for (const item of listItems(s, 'devices')) {
        const device = hostDevice(item.value);
        if (device) out.push(serviceViolation(doc, s, item.path, `service ${s.name} maps host device ${device}`));
      }
      for (const item of listItems(s, 'device_cgroup_rules')) {
        const rule = scalarText(item.value);
        if (rule) out.push(serviceViolation(doc, s, item.path, `service ${s.name} allows devices by cgroup rule '${rule}'`));
      }
    }
    return out;
  },
};
