/**
 * Every configuration rule and document adapter, in explicit lists. The meta-test
 * (index.test.ts) fails when a rule is missing metadata, ids collide, or framework
 * references are malformed.
 */
import type { DocumentAdapter } from './adapter.js';
import { composeAdapter } from './adapters/compose.js';
import { daemonAdapter } from './adapters/daemon.js';
import { dockerfileAdapter } from './adapters/dockerfile.js';
import { kubernetesAdapter } from './adapters/kubernetes.js';
import { COMPOSE_RULES } from './compose/index.js';
import { DAEMON_RULES } from './daemon/index.js';
import { DOCKERFILE_RULES } from './dockerfile/index.js';
import { IMAGE_RULES } from './image/index.js';
import { KUBERNETES_RULES } from './kubernetes/index.js';
import { HARDENING_RULES } from './kubernetes/hardening/index.js';
import { RBAC_RULES } from './kubernetes/rbac/index.js';
import { KUBERNETES_SET_RULES, SEGMENTATION_RULES } from './kubernetes/segmentation/index.js';
import type { Rule } from './rule.js';

/** Each rule is typed by its own document; the lists only need the shared metadata. */
export type AnyRule = Rule<never>;

/** First claim wins: exact file names before content sniffing. */
export const ADAPTERS: readonly DocumentAdapter[] = [
  dockerfileAdapter(DOCKERFILE_RULES as unknown as readonly AnyRule[]),
  daemonAdapter(DAEMON_RULES as unknown as readonly AnyRule[]),
  composeAdapter(COMPOSE_RULES as unknown as readonly AnyRule[]),
  kubernetesAdapter([...HARDENING_RULES, ...RBAC_RULES, ...SEGMENTATION_RULES, ...KUBERNETES_RULES] as unknown as readonly AnyRule[]),
];

/** Image-config rules are run by `stockade image` on the image itself, not by an adapter. */
export const IMAGE_CONFIG_RULES: readonly AnyRule[] = IMAGE_RULES as unknown as readonly AnyRule[];

/** Rules over all Kubernetes documents of a run together (NetworkPolicy coverage, tiers). */
export { KUBERNETES_SET_RULES };

export const RULES: readonly AnyRule[] = [...ADAPTERS.flatMap((a) => a.rules), ...IMAGE_CONFIG_RULES, ...(KUBERNETES_SET_RULES as unknown as readonly AnyRule[])];
