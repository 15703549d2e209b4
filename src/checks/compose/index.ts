/** The Compose rules, in id order, and the parser that gives them their documents. */
import type { Rule } from '../rule.js';
import type { ComposeDoc } from './parse.js';
import { composePrivileged } from './rules/privileged.js';
import { composeCapAdd } from './rules/cap-add.js';
import { composeHostNamespaces } from './rules/host-namespaces.js';
import { composeDockerSocket } from './rules/docker-socket.js';
import { composeSensitiveHostPath } from './rules/sensitive-host-path.js';
import { composeSecurityProfileDisabled } from './rules/security-profile-disabled.js';
import { composeNoNewPrivileges } from './rules/no-new-privileges.js';
import { composeReadOnlyRoot } from './rules/read-only-root.js';
import { composeUserRoot } from './rules/user-root.js';
import { composeMemoryLimit } from './rules/memory-limit.js';
import { composeCpuLimit } from './rules/cpu-limit.js';
import { composePidsLimit } from './rules/pids-limit.js';
import { composeEnvironmentSecrets } from './rules/environment-secrets.js';
import { composePortsAllInterfaces } from './rules/ports-all-interfaces.js';
import { composePrivilegedPorts } from './rules/privileged-ports.js';
import { composeHostDevices } from './rules/host-devices.js';
import { composeConfinementDisabled } from './rules/confinement-disabled.js';

export { parseComposeFile, composeFromYaml, type ComposeDoc, type ComposeFile, type ComposeService } from './parse.js';

export const COMPOSE_RULES: readonly Rule<ComposeDoc>[] = [
  composePrivileged,
  composeCapAdd,
  composeHostNamespaces,
  composeDockerSocket,
  composeSensitiveHostPath,
  composeSecurityProfileDisabled,
  composeNoNewPrivileges,
  composeReadOnlyRoot,
  composeUserRoot,
  composeMemoryLimit,
  composeCpuLimit,
  composePidsLimit,
  composeEnvironmentSecrets,
  composePortsAllInterfaces,
  composePrivilegedPorts,
  composeHostDevices,
  composeConfinementDisabled,
];
