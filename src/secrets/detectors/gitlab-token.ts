/**
 * GitLab tokens by their documented prefixes (GitLab "Token overview", token prefixes):
 * `glpat-` personal/project/group access tokens, `gloas-` OAuth application secrets,
 * `gldt-` deploy tokens, `glrt-` runner authentication tokens, `glcbt-` CI/CD job
 * tokens, `glptt-` pipeline trigger tokens, `glft-` feed tokens, `glimt-` incoming mail
 * tokens, `glagent-` cluster agent tokens, `glsoat-` SCIM tokens, `glffct-` feature flag
 * client tokens, and the legacy runner registration prefix `GR1348941`. The body is 20
 * or more URL-safe characters; newer routable tokens append `.<2>.<7-9>` base36 parts,
 * which are included in the reported value.
 * https://docs.gitlab.com/ee/security/tokens/#token-prefixes
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { shannonEntropy } from '../entropy.js';
import { isPlaceholderToken } from '../placeholder.js';
import { endsToken, isAlnum, isBase64Url, keywordOffsets, MAX_MATCHES_PER_DETECTOR, runEnd, startsToken } from '../text-search.js';

const PREFIXES = ['glpat-', 'gloas-', 'gldt-', 'glrt-', 'glcbt-', 'glptt-', 'glft-', 'glimt-', 'glagent-', 'glsoat-', 'glffct-', 'gr1348941'];
const MIN_BODY = 20;
const MAX_BODY = 300;
const isLowerBase36 = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 122);

/** Length of a routable-token suffix `.vv.ccccccc` at `at`, or 0. */
function routableSuffixLength(text: string, at: number): number {
  if (text.charCodeAt(at) !== 46) return 0;
  const versionEnd = runEnd(text, at + 1, isLowerBase36, 3);
  if (versionEnd - at - 1 !== 2 || text.charCodeAt(versionEnd) !== 46) return 0;
  const crcEnd = runEnd(text, versionEnd + 1, isLowerBase36, 10);
  const crcLength = crcEnd - versionEnd - 1;
  if (crcLength < 7 || crcLength > 9 || !endsToken(text, crcEnd, isAlnum)) return 0;
  return crcEnd - at;
}

function tokenAt(text: string, offset: number, prefix: string): SecretMatch | undefined {
  const written = text.slice(offset, offset + prefix.length);
  // The prefixes are lower case; the runner registration prefix is upper case.
  if (written !== (prefix === 'gr1348941' ? 'GR1348941' : prefix)) return undefined;
  if (!startsToken(text, offset, isBase64Url)) return undefined;
  const bodyStart = offset + prefix.length;
  const bodyEnd = runEnd(text, bodyStart, isBase64Url, MAX_BODY + 1);
  const length = bodyEnd - bodyStart;
  if (length < MIN_BODY || length > MAX_BODY) return undefined;
  const body = text.slice(bodyStart, bodyEnd);
  if (shannonEntropy(body) < 3.3 || isPlaceholderToken(body)) return undefined;
  const suffix = routableSuffixLength(text, bodyEnd);
  if (suffix === 0) {
    // A following `.` ends a sentence, but `.x` would be more token than we understand.
    if (!endsToken(text, bodyEnd, isBase64Url)) return undefined;
    if (text.charCodeAt(bodyEnd) === 46 && isAlnum(text.charCodeAt(bodyEnd + 1))) return undefined;
  }
  return { start: offset, end: bodyEnd + suffix, kind: written.replace(/-$/, '') };
}

export function findGitLabTokens(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  for (const prefix of PREFIXES) {
    for (const offset of keywordOffsets(text, prefix)) {
      const m = tokenAt(text, offset, prefix);
      if (m !== undefined) matches.push(m);
      if (matches.length >= MAX_MATCHES_PER_DETECTOR) return matches;
    }
  }
  return matches;
}

export const gitlabToken: SecretDetector = {
  id: 'SK-SECRET-0009',
  title: 'GitLab token',
  severity: 'HIGH',
  description:
    'A GitLab access, deploy, runner, trigger or OAuth token. Depending on its type and scopes it reads and writes ' +
    'repositories and registries, runs pipelines with their CI/CD variables, or registers runners that receive jobs.',
  remediation: remediation('the GitLab token', 'revoke or rotate it in GitLab (the token\'s settings page or the personal access tokens API) and review the audit events for its use'),
  references: [SP_800_190_URL, 'https://docs.gitlab.com/ee/security/tokens/'],
  frameworks: frameworks('stride:S', 'stride:T'),
  keywords: PREFIXES,
  find: findGitLabTokens,
};
