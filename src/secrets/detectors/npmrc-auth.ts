/**
 * npm and Yarn registry credentials in their configuration files: `.npmrc` keys
 * `_authToken` (a bearer token, possibly a legacy UUID), `_auth` (base64 of
 * `user:password`) and `_password` (base64 of the password), usually scoped to a
 * registry (`//registry.npmjs.org/:_authToken=...`); `.yarnrc.yml` `npmAuthToken` and
 * `npmAuthIdent` (`user:password`). Environment references (`${NPM_TOKEN}`) are not
 * reported. https://docs.npmjs.com/cli/configuring-npm/npmrc#auth-related-configuration
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { isPlaceholderValue } from '../placeholder.js';
import { baseName, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const NPMRC_KEYS: ReadonlySet<string> = new Set(['_authtoken', '_auth', '_password']);
const YARNRC_KEYS: ReadonlySet<string> = new Set(['npmauthtoken', 'npmauthident']);
const MAX_LINES = 100_000;

function unquote(value: string): { value: string; offset: number } {
  const v = value.trim();
  const lead = value.indexOf(v);
  const q = v.charAt(0);
  if ((q === '"' || q === "'") && v.length >= 2 && v.endsWith(q)) return { value: v.slice(1, -1), offset: lead + 1 };
  return { value: v, offset: lead };
}

export function findNpmrcCredentials(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const yarn = baseName(input.path).startsWith('.yarnrc');
  const matches: SecretMatch[] = [];
  let lineStart = 0;
  for (let n = 0; lineStart <= text.length && n < MAX_LINES; n++) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
    const sep = line.indexOf(yarn ? ':' : '=');
    const trimmed = line.trimStart();
    if (sep > 0 && !trimmed.startsWith('#') && !trimmed.startsWith(';')) {
      const key = line.slice(0, sep).trim();
      // `//registry.example/:_authToken` -> `_authToken`; yarn keys may be nested under npmScopes.
      const last = key.slice(key.lastIndexOf(':') + 1).replace(/^["']|["']$/g, '').toLowerCase();
      if ((yarn ? YARNRC_KEYS : NPMRC_KEYS).has(last)) {
        const { value, offset } = unquote(line.slice(sep + 1));
        if (value.length >= 8 && !isPlaceholderValue(value)) {
          const start = lineStart + sep + 1 + offset;
          matches.push({ start, end: start + value.length, kind: last });
          if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
        }
      }
    }
    lineStart = lineEnd + 1;
  }
  return matches;
}

export const npmrcAuth: SecretDetector = {
  id: 'SK-SECRET-0019',
  title: 'Registry credential in .npmrc or .yarnrc.yml',
  severity: 'HIGH',
  description:
    'An npm registry token or password in an npm or Yarn configuration file, typically left behind by a build step ' +
    'that installed private packages. It installs (and, with publish rights, publishes) packages as its owner.',
  remediation: remediation('the registry credential', 'revoke the token at the registry (npm token revoke) and pass it to builds as a BuildKit secret mount instead of writing .npmrc into a layer'),
  references: [SP_800_190_URL, 'https://docs.npmjs.com/cli/configuring-npm/npmrc#auth-related-configuration', 'https://yarnpkg.com/configuration/yarnrc#npmAuthToken'],
  frameworks: frameworks('stride:S', 'stride:T'),
  keywords: ['_auth', '_password', 'npmauth'],
  appliesToPath: (path) => {
    const name = baseName(path);
    return name === '.npmrc' || name === 'npmrc' || name === '.yarnrc.yml' || name === '.yarnrc.yaml';
  },
  find: findNpmrcCredentials,
};
