/**
 * Git's credential store file (`~/.git-credentials`, `$XDG_CONFIG_HOME/git/credentials`),
 * one `https://user:password@host` URL per line, written in clear text by
 * `git credential-store`. The password (often a personal access token) is reported.
 * https://git-scm.com/docs/git-credential-store#_storage_format
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { isPlaceholderValue } from '../placeholder.js';
import { baseName, keywordOffsets, lineEndFrom, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

export function findGitCredentials(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  for (const offset of keywordOffsets(text, '://')) {
    const authority = offset + 3;
    const lineEnd = lineEndFrom(text, authority, 2048);
    let at = authority;
    while (at < lineEnd && text.charCodeAt(at) !== 64 && text.charCodeAt(at) !== 47) at++;
    if (text.charCodeAt(at) !== 64) continue;
    let colon = authority;
    while (colon < at && text.charCodeAt(colon) !== 58) colon++;
    if (colon >= at - 1) continue;
    const password = text.slice(colon + 1, at);
    if (isPlaceholderValue(decodeURIComponentSafe(password))) continue;
    matches.push({ start: colon + 1, end: at, kind: 'credential-store' });
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export const gitCredentials: SecretDetector = {
  id: 'SK-SECRET-0022',
  title: 'Git credential store',
  severity: 'HIGH',
  description:
    'A Git credential-store file with a password or access token in clear text. It reads and pushes to every ' +
    'repository its owner can reach on that host.',
  remediation: remediation('the stored credential', 'revoke the token (or change the password) at the Git host, and pass credentials to builds as a BuildKit secret mount rather than running git credential-store in a layer'),
  references: [SP_800_190_URL, 'https://git-scm.com/docs/git-credential-store#_storage_format'],
  frameworks: frameworks('stride:S', 'stride:T'),
  keywords: ['://'],
  appliesToPath: (path) => baseName(path) === '.git-credentials' || path.endsWith('git/credentials'),
  find: findGitCredentials,
};
