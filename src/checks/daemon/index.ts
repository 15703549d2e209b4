/**
 * The daemon.json rules, in id order, and the parser. Control numbers follow the
 * CIS Docker Benchmark v1.6.0 (section 2, Docker daemon configuration).
 */
import type { Rule } from '../rule.js';
import type { DaemonDoc } from './parse.js';
import { daemonIcc } from './rules/icc.js';
import { daemonInsecureRegistries } from './rules/insecure-registries.js';
import { daemonTcpWithoutTls } from './rules/tcp-without-tls.js';
import { daemonDefaultUlimits } from './rules/default-ulimits.js';
import { daemonUsernsRemap } from './rules/userns-remap.js';
import { daemonAuthorizationPlugins } from './rules/authorization-plugins.js';
import { daemonLogDriver } from './rules/log-driver.js';
import { daemonNoNewPrivileges } from './rules/no-new-privileges.js';
import { daemonLiveRestore } from './rules/live-restore.js';
import { daemonUserlandProxy } from './rules/userland-proxy.js';
import { daemonSeccompUnconfined } from './rules/seccomp-unconfined.js';
import { daemonExperimental } from './rules/experimental.js';

export { parseDaemonJson, type DaemonDoc } from './parse.js';

export const DAEMON_RULES: readonly Rule<DaemonDoc>[] = [
  daemonIcc,
  daemonInsecureRegistries,
  daemonTcpWithoutTls,
  daemonDefaultUlimits,
  daemonUsernsRemap,
  daemonAuthorizationPlugins,
  daemonLogDriver,
  daemonNoNewPrivileges,
  daemonLiveRestore,
  daemonUserlandProxy,
  daemonSeccompUnconfined,
  daemonExperimental,
];
