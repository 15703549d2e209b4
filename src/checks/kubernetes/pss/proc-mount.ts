/** PSS baseline: /proc keeps its default masks (procMount Default), except in user-namespaced pods from v1.35. */
import { ALLOWED, containerList, containersOf, definePssCheck, denied, inUserNamespace, isSet, quoted, sortedUnique, v, asString, type PodCheckFn } from './check.js';
import { pssRule } from './rule.js';
import type { FieldPath } from '../../yaml-source.js';

/** Shared with procMount_restricted, which applies the same test without the user-namespace relief. */
export const procMountUnmasked: PodCheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const types: string[] = [];
  const paths: FieldPath[] = [];
  for (const c of containersOf(spec)) {
    const value = c.securityContext?.procMount;
    if (!isSet(value) || value === 'Default') continue;
    bad.push(c.name);
    types.push(asString(value));
    paths.push([...c.path, 'securityContext', 'procMount']);
  }
  if (bad.length === 0) return ALLOWED;
  return denied('procMount', `${containerList(bad)} set securityContext.procMount to ${quoted(sortedUnique(types))}; only Default is allowed`, paths);
};

const procMountV1Dot35: PodCheckFn = (meta, spec) => (inUserNamespace(spec) ? ALLOWED : procMountUnmasked(meta, spec));

export const procMount = definePssCheck('procMount', 'baseline', [
  { since: v(1, 0), check: procMountUnmasked },
  { since: v(1, 35), check: procMountV1Dot35 },
]);

export const procMountRule = pssRule(procMount, {
  id: 'SK-K8S-0108',
  title: 'Unmasked /proc',
  severity: 'HIGH',
  description:
    'The runtime masks and makes read-only the parts of /proc that leak host information or allow host changes. procMount: Unmasked removes that protection.',
  remediation: 'Remove securityContext.procMount or set it to Default. Unmasked /proc is only acceptable in a pod with hostUsers: false.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  frameworks: ['pss:procMount', 'pss-level:baseline', 'nsa-k8s:pod-security', 'nist-800-190:4.4.3', 'stride:I'],
});
