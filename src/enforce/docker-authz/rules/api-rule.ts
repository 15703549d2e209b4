/**
 * Rules over one Docker Engine API call rather than one container: who asks, for which
 * endpoint, to bring in which image. Same metadata as every rule (checks/rule.ts) and a
 * pure check; what needs I/O (trust facts) is gathered before and passed in.
 * Proposed home once `docker-api` is a DocumentKind: src/checks/docker-api/.
 */
import type { RuleMeta, RuleViolation } from '../../../checks/rule.js';
import type { TrustPolicy } from '../../../config/project-config.js';
import type { TrustFacts } from '../../../trust/policy.js';
import type { Endpoint } from '../api-path.js';
import type { AuthzSettings } from '../settings.js';

export interface DockerApiCall {
  /** Common name of the client's TLS certificate, when the daemon has one. */
  user?: string;
  authMethod?: string;
  method: string;
  /** Decoded path without version or query. */
  path: string;
  version?: string;
  query: URLSearchParams;
  endpoint: Endpoint;
  /** Image references the call pulls, runs, or gives a new name. */
  images: string[];
  /** The call brings in an image from a tarball or URL (`docker import`). */
  importsImage: boolean;
  /** For a new container: its runtime (empty: the daemon's default). */
  container?: { image?: string; runtime?: string };
  exec?: { user?: string; privileged: boolean };
  /** Why the call cannot be inspected as the daemon will read it (empty: it can). */
  problems: string[];
}

export interface ApiRuleContext {
  trust?: TrustPolicy;
  /** What the caller learned about each image beyond its reference (age, signature). */
  trustFacts: ReadonlyMap<string, TrustFacts>;
  settings: AuthzSettings;
  now: Date;
}

export interface ApiRule extends RuleMeta {
  readonly kind: 'docker-api';
  /** Group names `enforcement.rules` and exceptions may use besides the id (`authz`, `trust`). */
  readonly groups: readonly string[];
  check(call: DockerApiCall, context: ApiRuleContext): RuleViolation[];
}
