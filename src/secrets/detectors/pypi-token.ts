/**
 * PyPI API tokens: `pypi-` followed by a macaroon serialized in format v2 and encoded
 * as URL-safe base64. Every PyPI token's macaroon starts with version byte 2 and the
 * location field `pypi.org` (`test.pypi.org` for TestPyPI), so it begins with
 * `AgEIcHlwaS5vcmc` (`AgENdGVzdC5weXBpLm9yZw` for TestPyPI). The body must decode and
 * carry the identifier field that follows the location. TestPyPI tokens are reported
 * too (kind `testpypi`): they cannot publish to pypi.org, but they are often reused.
 * https://pypi.org/help/#apitoken
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { endsToken, isBase64Url, keywordOffsets, MAX_MATCHES_PER_DETECTOR, runEnd, startsToken } from '../text-search.js';

const PREFIXES: ReadonlyArray<readonly [string, string, string]> = [
  ['pypi-AgEIcHlwaS5vcmc', 'pypi', 'pypi.org'],
  ['pypi-AgENdGVzdC5weXBpLm9yZw', 'testpypi', 'test.pypi.org'],
];
const KEYWORDS = PREFIXES.map(([p]) => p.toLowerCase());
/** A real token's macaroon (identifier, caveats, signature) is well over 100 characters. */
const MIN_BODY = 60;
const MAX_BODY = 4096;
/** Macaroon v2 field type of the identifier, which follows the location. */
const FIELD_IDENTIFIER = 2;

/** True when `body` decodes to a v2 macaroon whose location is `location` followed by an identifier field. */
export function isPypiMacaroon(body: string, location: string): boolean {
  const bytes = Buffer.from(body, 'base64url');
  const expected = [2, 1, location.length];
  for (let i = 0; i < expected.length; i++) if (bytes[i] !== expected[i]) return false;
  if (bytes.toString('latin1', 3, 3 + location.length) !== location) return false;
  return bytes[3 + location.length] === FIELD_IDENTIFIER;
}

export function findPypiTokens(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  for (const [prefix, kind, location] of PREFIXES) {
    for (const offset of keywordOffsets(text, prefix.toLowerCase())) {
      if (!text.startsWith(prefix, offset) || !startsToken(text, offset, isBase64Url)) continue;
      const bodyStart = offset + 'pypi-'.length;
      const end = runEnd(text, bodyStart, isBase64Url, MAX_BODY + 1);
      if (end - bodyStart < MIN_BODY || end - bodyStart > MAX_BODY || !endsToken(text, end, isBase64Url)) continue;
      if (!isPypiMacaroon(text.slice(bodyStart, end), location)) continue;
      matches.push({ start: offset, end, kind });
      if (matches.length >= MAX_MATCHES_PER_DETECTOR) return matches;
    }
  }
  return matches;
}

export const pypiToken: SecretDetector = {
  id: 'SK-SECRET-0014',
  title: 'PyPI API token',
  severity: 'HIGH',
  description:
    'A PyPI API token. Scoped to one project or to the whole account, it uploads new releases: a supply-chain attack ' +
    'on everyone who installs them.',
  remediation: remediation('the PyPI token', 'delete it in the PyPI account settings (API tokens) and check the projects it could upload to for unexpected releases; prefer trusted publishing from CI'),
  references: [SP_800_190_URL, 'https://pypi.org/help/#apitoken'],
  frameworks: frameworks('stride:S', 'stride:T'),
  keywords: KEYWORDS,
  find: findPypiTokens,
};
