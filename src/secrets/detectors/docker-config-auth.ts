/**
 * Registry credentials in Docker's client configuration (`~/.docker/config.json`, the
 * legacy `~/.dockercfg`) and in the same format used by Podman, Buildah and Skopeo
 * (`containers/auth.json`): `auths.<registry>.auth` is base64 of `user:password`;
 * `identitytoken` and `registrytoken` are OAuth tokens. `docker login` writes these in
 * clear text unless a credential helper (`credsStore`) is configured.
 * https://docs.docker.com/reference/cli/docker/login/#credential-stores
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { decodeBase64 } from '../armor.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { isPlaceholderValue } from '../placeholder.js';
import { baseName, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const FIELD = /"(auth|identitytoken|registrytoken|password)"\s*:\s*"([^"\\\n]+)"/gi;

/** True when `value` is base64 of `user:password` with a non-empty password. */
export function isBasicAuthPair(value: string): boolean {
  const decoded = decodeBase64(value).toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1 || colon === decoded.length - 1) return false;
  return !/[\u0000-\u001f\ufffd]/.test(decoded) && !isPlaceholderValue(decoded.slice(colon + 1));
}

export function findDockerConfigAuths(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  FIELD.lastIndex = 0;
  for (let m = FIELD.exec(text); m !== null; m = FIELD.exec(text)) {
    const field = (m[1] as string).toLowerCase();
    const value = m[2] as string;
    if (field === 'auth' ? !isBasicAuthPair(value) : value.length < 8 || isPlaceholderValue(value)) continue;
    const start = m.index + m[0].length - 1 - value.length;
    matches.push({ start, end: start + value.length, kind: field });
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const dockerConfigAuth: SecretDetector = {
  id: 'SK-SECRET-0023',
  title: 'Registry credential in Docker config.json',
  severity: 'HIGH',
  description:
    'A container registry login stored by docker login (or podman/buildah/skopeo) in clear text. It pulls private ' +
    'images and, with push rights, replaces them: a supply-chain attack on every cluster that runs them.',
  remediation: remediation('the registry credential', 'revoke the token or change the password at the registry, and log in through a credential helper or a BuildKit secret mount instead of baking config.json into a layer'),
  references: [SP_800_190_URL, 'https://docs.docker.com/reference/cli/docker/login/#credential-stores', 'https://github.com/containers/image/blob/main/docs/containers-auth.json.5.md'],
  frameworks: frameworks('stride:S', 'stride:T'),
  keywords: ['auth', 'identitytoken', 'registrytoken', 'password'],
  appliesToPath: (path) => {
    const name = baseName(path);
    if (name === '.dockercfg') return true;
    if (name === 'config.json') return path.endsWith('.docker/config.json') || path.endsWith('/docker/config.json') || path === 'docker/config.json';
    return name === 'auth.json' && (path.endsWith('containers/auth.json') || path.includes('/containers/'));
  },
  find: findDockerConfigAuths,
};
