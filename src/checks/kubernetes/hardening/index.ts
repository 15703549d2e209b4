/** Workload hardening rules beyond the Pod Security Standards (NSA/CISA guidance, CIS 5.x). */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { resourceLimitsRule } from './resource-limits.js';
import { readOnlyRootFilesystemRule } from './read-only-root-filesystem.js';
import { serviceAccountTokenRule } from './service-account-token.js';
import { defaultNamespaceRule } from './default-namespace.js';
import { noNamespaceRule } from './no-namespace.js';
import { imageLatestTagRule } from './image-latest-tag.js';
import { imageDigestRule } from './image-digest.js';
import { secretEnvLiteralRule } from './secret-env-literal.js';
import { runtimeSocketMountRule } from './runtime-socket-mount.js';
import { trustedRegistryRule } from './trusted-registry.js';
import { committedSecretRule } from './committed-secret.js';

export { parseKubernetesFile } from '../document.js';

export const HARDENING_RULES: readonly Rule<KubernetesDocument>[] = [
  resourceLimitsRule,
  readOnlyRootFilesystemRule,
  serviceAccountTokenRule,
  defaultNamespaceRule,
  noNamespaceRule,
  imageLatestTagRule,
  imageDigestRule,
  secretEnvLiteralRule,
  runtimeSocketMountRule,
  trustedRegistryRule,
  committedSecretRule,
];
