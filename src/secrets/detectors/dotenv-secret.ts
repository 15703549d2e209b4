/**
 * `.env` files (`.env`, `.env.production`, `app.env`), read by docker compose,
 * dotenv libraries and many frameworks: `NAME=value` lines, optionally `export`ed and
 * quoted. A value is reported when its name reads as a credential
 * (checks/secret-names `looksLikeSecretName`) and the value is a literal: not a
 * reference or placeholder, not a word or boolean, and at least 6 characters. The file
 * type is the evidence here, so no entropy gate: `DB_PASSWORD=hunter22` is a finding.
 * https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/#env-file-syntax
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { looksLikeSecretName } from '../../checks/secret-names.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { isPlaceholderValue } from '../placeholder.js';
import { baseName, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const LINE = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]{0,127})[ \t]*=[ \t]*/;
const MAX_LINES = 100_000;
const MIN_VALUE = 6;

/** Value offsets within `rest` (what follows `=`): quoted, or unquoted up to a ` #` comment. */
function valueSpan(rest: string): { start: number; end: number } | undefined {
  const q = rest[0];
  if (q === '"' || q === "'") {
    const close = rest.indexOf(q, 1);
    return close === -1 ? undefined : { start: 1, end: close };
  }
  let end = rest.length;
  const comment = rest.indexOf(' #');
  if (comment !== -1) end = comment;
  while (end > 0 && (rest[end - 1] === ' ' || rest[end - 1] === '\t' || rest[end - 1] === '\r')) end--;
  return { start: 0, end };
}

export function findDotenvSecrets(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  let lineStart = 0;
  for (let n = 0; lineStart <= text.length && n < MAX_LINES; n++) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const line = text.slice(lineStart, Math.min(lineEnd, lineStart + 4096));
    const m = LINE.exec(line);
    if (m !== null && looksLikeSecretName(m[1] as string)) {
      const rest = line.slice(m[0].length);
      const span = valueSpan(rest);
      if (span !== undefined) {
        const value = rest.slice(span.start, span.end);
        if (value.length >= MIN_VALUE && !isPlaceholderValue(value) && !isOnlyLetters(value) && !/^[0-9.]+$/.test(value)) {
          const start = lineStart + m[0].length + span.start;
          matches.push({ start, end: start + value.length, kind: (m[1] as string).slice(0, 64) });
          if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
        }
      }
    }
    lineStart = lineEnd + 1;
  }
  return matches;
}

/**
 * In a .env file the name already says "password": only a bare word (`postgres`,
 * `disabled`) is too likely a default or a mode to report; `hunter22` is a chosen password.
 */
function isOnlyLetters(value: string): boolean {
  return /^[A-Za-z]+(?:[_-][A-Za-z]+)*$/.test(value);
}

export const dotenvSecret: SecretDetector = {
  id: 'SK-SECRET-0025',
  title: 'Credential in a .env file',
  severity: 'HIGH',
  description:
    'A credential in a .env file copied into the image (often by a broad COPY . .). Every variable in it is readable ' +
    'by anyone who can pull the image, whether or not the application loads the file.',
  remediation: remediation('every credential in the file', 'change each one on the system it belongs to, and add .env to .dockerignore'),
  references: [SP_800_190_URL, 'https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/#env-file-syntax'],
  frameworks: frameworks('stride:S'),
  keywords: [],
  appliesToPath: (path) => {
    const name = baseName(path);
    return name === '.env' || name.startsWith('.env.') || (name.endsWith('.env') && name.length > 4);
  },
  find: findDotenvSecrets,
};
