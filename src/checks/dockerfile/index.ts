/** Dockerfile rules, in one explicit list, and the parser they run on. */
import type { Rule } from '../rule.js';
import type { DockerfileDoc } from './parse.js';
import { userRoot } from './rules/user-root.js';
import { addInsteadOfCopy } from './rules/add-instead-of-copy.js';
import { baseImageLatest } from './rules/base-image-latest.js';
import { baseImageNotPinned } from './rules/base-image-not-pinned.js';
import { secretsInEnvArg } from './rules/secrets-in-env-arg.js';
import { packageCacheLeft } from './rules/package-cache-left.js';
import { packageUpgrade } from './rules/package-upgrade.js';
import { remoteScriptPipe } from './rules/remote-script-pipe.js';
import { missingHealthcheck } from './rules/missing-healthcheck.js';
import { exposeSsh } from './rules/expose-ssh.js';
import { sudoInRun } from './rules/sudo-in-run.js';
import { setuidChmod } from './rules/setuid-chmod.js';
import { worldWritableChmod } from './rules/world-writable-chmod.js';
import { copyWholeContext } from './rules/copy-whole-context.js';

export { parseDockerfile, DockerfileParseError } from './parse.js';
export type { DockerfileDoc, DockerInstruction, Stage } from './parse.js';

export const DOCKERFILE_RULES: readonly Rule<DockerfileDoc>[] = [
  userRoot,
  addInsteadOfCopy,
  baseImageLatest,
  baseImageNotPinned,
  secretsInEnvArg,
  packageCacheLeft,
  packageUpgrade,
  remoteScriptPipe,
  missingHealthcheck,
  exposeSsh,
  sudoInRun,
  setuidChmod,
  worldWritableChmod,
  copyWholeContext,
];
