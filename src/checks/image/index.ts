/** Rules over the image's own configuration and final filesystem, run by `stockade image`. */
import type { Rule } from '../rule.js';
import type { ImageConfigDoc } from './document.js';
import { imageEnvSecretsRule } from './rules/env-secrets.js';
import { imageExposedRemoteShellRule } from './rules/exposed-remote-shell.js';
import { imageHistoryBuildArgsRule } from './rules/history-build-args.js';
import { imageNoHealthcheckRule } from './rules/no-healthcheck.js';
import { imageSetuidFilesRule } from './rules/setuid-files.js';
import { imageUserRootRule } from './rules/user-root.js';
import { imageWorldWritableRule } from './rules/world-writable-files.js';

export { specialFiles, type ImageConfigDoc } from './document.js';

export const IMAGE_RULES: readonly Rule<ImageConfigDoc>[] = [
  imageUserRootRule,
  imageEnvSecretsRule,
  imageHistoryBuildArgsRule,
  imageExposedRemoteShellRule,
  imageNoHealthcheckRule,
  imageSetuidFilesRule,
  imageWorldWritableRule,
];
