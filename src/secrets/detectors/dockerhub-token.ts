/**
 * Docker Hub access tokens: personal access tokens `dckr_pat_` and organization access
 * tokens `dckr_oat_`, followed by 27 or more URL-safe characters.
 * https://docs.docker.com/security/for-developers/access-tokens/
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { shannonEntropy } from '../entropy.js';
import { isPlaceholderToken } from '../placeholder.js';
import { endsToken, isBase64Url, keywordOffsets, MAX_MATCHES_PER_DETECTOR, runEnd, startsToken } from '../text-search.js';

const PREFIXES = ['dckr_pat_', 'dckr_oat_'];
const MIN_BODY = 27;
const MAX_BODY = 128;

export function findDockerHubTokens(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  for (const prefix of PREFIXES) {
    for (const offset of keywordOffsets(text, prefix)) {
      if (!text.startsWith(prefix, offset) || !startsToken(text, offset, isBase64Url)) continue;
      const bodyStart = offset + prefix.length;
      const end = runEnd(text, bodyStart, isBase64Url, MAX_BODY + 1);
      if (end - bodyStart < MIN_BODY || end - bodyStart > MAX_BODY || !endsToken(text, end, isBase64Url)) continue;
      const body = text.slice(bodyStart, end);
      if (shannonEntropy(body) < 3.5 || isPlaceholderToken(body)) continue;
      matches.push({ start: offset, end, kind: prefix.slice(0, -1) });
      if (matches.length >= MAX_MATCHES_PER_DETECTOR) return matches;
    }
  }
  return matches;
}

export const dockerHubToken: SecretDetector = {
  id: 'SK-SECRET-0015',
  title: 'Docker Hub access token',
  severity: 'HIGH',
  description:
    'A Docker Hub personal or organization access token. With write scope it pushes images under its owner\'s ' +
    'repositories (a supply-chain attack on everyone who pulls them); with read scope it pulls private images.',
  remediation: remediation('the Docker Hub token', 'delete it under Account settings > Personal access tokens (or the organization\'s access tokens) and check the repositories it could push to'),
  references: [SP_800_190_URL, 'https://docs.docker.com/security/for-developers/access-tokens/'],
  frameworks: frameworks('stride:S', 'stride:T'),
  keywords: PREFIXES,
  find: findDockerHubTokens,
};
