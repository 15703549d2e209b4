/** The plugin's own rules: about Engine API calls themselves (containers are judged by the Compose rules). */
import type { ApiRule } from './api-rule.js';
import { pluginManagement } from './plugin-management.js';
import { execAsRoot } from './exec-as-root.js';
import { untrustedImage } from './untrusted-image.js';
import { sandboxRuntime } from './sandbox-runtime.js';
import { uninspectableRequest } from './uninspectable-request.js';
import { readOnlyUser } from './read-only-user.js';

export type { ApiRule, ApiRuleContext, DockerApiCall } from './api-rule.js';

export const API_RULES: readonly ApiRule[] = [pluginManagement, execAsRoot, untrustedImage, sandboxRuntime, uninspectableRequest, readOnlyUser];
