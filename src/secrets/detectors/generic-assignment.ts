/**
 * Credentials assigned to secret-sounding names in any text: `password=...`,
 * `secret: ...`, `api_key = "..."`, `"token": "..."`, `DB_PASS := '...'`. This detector
 * decides the false-positive rate of the whole scanner, so it is strict:
 * - the name must read as a credential (checks/secret-names `looksLikeSecretName`:
 *   `DB_PASSWORD` yes; `PASSWORD_FILE`, `token_type`, `tokenizer` no), end in the
 *   credential word (`PasswordLastUsed` no), and not be a test value or a protocol
 *   token (`testApiKey`, `NextToken`, `ClientToken` no);
 * - prose (Markdown, reStructuredText, HTML), distribution documentation and paths
 *   that say `example` or `sample` are skipped: their credentials are examples;
 * - the operator must assign (`=`, `:`, `:=`, `=>`), not compare (`==`, `!=`);
 * - the value must be a literal that looks generated (assignment.ts
 *   `looksLikeCredentialValue`: entropy, character classes, no blanks, not a reference,
 *   placeholder, path, URL, expression or identifier made of words);
 * - in source code an unquoted value is an expression (`password = getenv("X")`,
 *   `token = t`), so only quoted values are read there.
 * The more specific detectors (tokens with known prefixes, file formats) win over this
 * one when both report the same value.
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { looksLikeSecretName, nameWords } from '../../checks/secret-names.js';
import { assignmentAround, looksLikeCredentialValue } from '../assignment.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { anyKeywordOffsets, lineAround, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const KEYWORDS = ['password', 'passwd', '_pass', 'secret', 'token', 'api_key', 'apikey', 'api-key', 'access_key', 'accesskey', 'private_key', 'credential'];

/** Extensions of programming languages, where an unquoted right-hand side is an expression. */
const CODE_EXTENSIONS: ReadonlySet<string> = new Set([
  'js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'py', 'pyi', 'java', 'go', 'c', 'h', 'cc', 'cpp', 'cxx', 'hpp', 'hh',
  'rb', 'php', 'rs', 'cs', 'swift', 'kt', 'kts', 'scala', 'pl', 'pm', 'lua', 'dart', 'm', 'mm', 'groovy', 'erl', 'ex', 'exs',
  'clj', 'hs', 'ml', 'r', 'jl', 'vue', 'svelte', 'coffee', 'tcl', 'el', 'vim', 'pyx', 'pxd',
]);

export function isSourceCodePath(path: string): boolean {
  return CODE_EXTENSIONS.has(extensionOf(path));
}

/** Last words that name the credential itself (`DB_PASSWORD`, `secret_key_base`); any other last word names something about it (`PasswordLastUsed`, `TOKEN_PREFIX`). */
const CREDENTIAL_LAST_WORDS: ReadonlySet<string> = new Set([
  'PASSWORD', 'PASSWD', 'PASS', 'PWD', 'PASSPHRASE', 'SECRET', 'SECRETS', 'TOKEN', 'KEY', 'APIKEY', 'PRIVATEKEY', 'ACCESSKEY',
  'CREDENTIAL', 'CREDENTIALS', 'BASE',
]);
/** Words before TOKEN that make it a protocol value, not a credential (AWS pagination and idempotency tokens, CSRF fields). */
const NON_CREDENTIAL_TOKEN_QUALIFIERS: ReadonlySet<string> = new Set([
  'NEXT', 'PREV', 'PREVIOUS', 'PAGE', 'PAGINATION', 'CONTINUATION', 'CURSOR', 'MARKER', 'CLIENT', 'REQUEST', 'IDEMPOTENCY',
  'CHANGE', 'UPDATE', 'SYNC', 'FORWARD', 'BACKWARD', 'RESUME', 'START', 'CONTINUE', 'ACTION', 'CANCELLATION', 'CSRF', 'XSRF',
  'NONCE', 'VERIFICATION',
]);
/** Name words that say the value is for tests or examples (`testApiKey`, `FAKE_TOKEN`). */
const FIXTURE_WORDS: ReadonlySet<string> = new Set(['TEST', 'TESTING', 'MOCK', 'FAKE', 'DUMMY', 'EXAMPLE', 'SAMPLE', 'DEMO', 'STUB']);

/**
 * A name the generic detector believes holds a credential: the shared heuristic, and
 * the last word is the credential itself, and nothing in it says test or pagination.
 */
export function namesCredential(name: string): boolean {
  if (!looksLikeSecretName(name)) return false;
  const words = nameWords(name);
  const last = words[words.length - 1] ?? '';
  const endsInCredential = CREDENTIAL_LAST_WORDS.has(last) || ['PASSWORD', 'PASSWD', 'SECRET', 'TOKEN', 'KEY'].some((s) => last.length > s.length && last.endsWith(s));
  if (!endsInCredential || words.some((w) => FIXTURE_WORDS.has(w))) return false;
  const previous = words[words.length - 2];
  return !(last.endsWith('TOKEN') && previous !== undefined && NON_CREDENTIAL_TOKEN_QUALIFIERS.has(previous));
}

/** Prose formats: their credentials are examples for readers, and there are many. */
const DOCUMENT_EXTENSIONS: ReadonlySet<string> = new Set(['md', 'markdown', 'rst', 'adoc', 'asciidoc', 'html', 'htm', 'tex', 'pod', 'texi', 'ipynb']);

/** A path that says it holds examples (`examples/`, `sample-config.yaml`, `examples-1.json`). */
function isExamplePath(path: string): boolean {
  const lower = path.toLowerCase();
  return lower.includes('example') || lower.includes('sample');
}

function extensionOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(dot + 1).toLowerCase() : '';
}

/**
 * Distribution documentation (`/usr/share/doc`, man pages, info) is written by package
 * maintainers and shipped to everyone; the example credentials in it are not the image
 * owner's secrets, and there are many. Vendor formats are still detected there.
 */
export function isDistributionDocumentation(path: string): boolean {
  const p = `/${path.replace(/^\/+/, '')}`;
  return p.startsWith('/usr/share/doc/') || p.startsWith('/usr/share/man/') || p.startsWith('/usr/share/info/');
}

/** `badge.svg?token=...`: a status-badge URL's token is published on purpose (read-only, per repository). */
function isBadgeQuery(text: string, nameStart: number): boolean {
  const before = text.charCodeAt(nameStart - 1);
  if (before !== 63 /* ? */ && before !== 38 /* & */) return false;
  const line = lineAround(text, nameStart, 512);
  const head = text.slice(line.start, nameStart).toLowerCase();
  return head.includes('badge') || head.includes('.svg') || head.includes('.png');
}

export function findGenericAssignments(input: SecretInput): SecretMatch[] {
  const { text } = input;
  if (isDistributionDocumentation(input.path) || DOCUMENT_EXTENSIONS.has(extensionOf(input.path)) || isExamplePath(input.path)) return [];
  const code = isSourceCodePath(input.path);
  const matches: SecretMatch[] = [];
  let consumed = -1;
  for (const offset of anyKeywordOffsets(text, KEYWORDS)) {
    if (offset < consumed) continue;
    const a = assignmentAround(text, offset);
    if (a === undefined) continue;
    consumed = a.valueEnd;
    if ((code && !a.quoted) || !namesCredential(a.name)) continue;
    if (!looksLikeCredentialValue(text.slice(a.valueStart, a.valueEnd)) || isBadgeQuery(text, a.nameStart)) continue;
    matches.push({ start: a.valueStart, end: a.valueEnd, kind: a.name.slice(0, 64) });
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const genericAssignment: SecretDetector = {
  id: 'SK-SECRET-0018',
  title: 'Credential assigned in text',
  severity: 'MEDIUM',
  description:
    'A password, secret, token or API key written as a literal value in a configuration file, script or source ' +
    'file. Anyone who can pull the image reads it and uses it against the system it unlocks.',
  remediation: remediation('the credential', 'change it on the system it belongs to'),
  references: [SP_800_190_URL, 'https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html'],
  frameworks: frameworks('stride:S'),
  keywords: KEYWORDS,
  find: findGenericAssignments,
};
