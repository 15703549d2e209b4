/**
 * Values that stand in for a credential rather than being one: references to where the
 * real value comes from (`${DB_PASSWORD}`, `$(cat /run/secrets/x)`, `{{ .Values.pw }}`),
 * template holes (`<your-token>`, `%s`), masks (`****`, `xxxx`) and the words people
 * write in examples (`changeme`, `your_api_key`). Every detector that reads a value out
 * of an assignment asks this first: reporting a placeholder is the commonest false
 * positive of secret scanners.
 */
import { isLiteralSecretValue } from '../checks/secret-names.js';

/**
 * Lower-case fragments that mark example text. A real generated credential contains
 * none of them by more than chance; a person writing documentation uses them constantly.
 */
const PLACEHOLDER_WORDS: readonly string[] = [
  'example', 'changeme', 'change_me', 'change-me', 'changeit', 'placeholder', 'your', 'dummy', 'sample', 'fake',
  'redacted', 'replace', 'insert', 'secret', 'password', 'passwd', 'token', 'mock', 'todo', 'fixme', 'test',
  'foobar', 'lorem', 'default', 'undefined', 'null', 'none', 'notset', 'not_set', 'required', 'mysecret',
  'sekret', 's3cr3t', 'p@ssw0rd', 'passw0rd', 'qwerty', 'letmein', 'abc123', '123456', 'admin', 'xxxx', '****',
  '...', '…', 'bogus', 'invalid', 'unused', 'generated', 'hidden', 'masked', 'private', 'value', 'string',
];

/** Character pairs that open a template or reference in some language. */
const TEMPLATE_OPENERS: readonly string[] = ['${', '$(', '{{', '}}', '<%', '%(', '#{', '@{', '[[', '$$'];

export function isPlaceholderValue(value: string): boolean {
  if (!isLiteralSecretValue(value)) return true;
  const v = value.trim();
  const first = v.charCodeAt(0);
  const last = v.charCodeAt(v.length - 1);
  // `<token>`, `[password]`, `{secret}`: a hole in a template.
  if ((first === 60 && last === 62) || (first === 91 && last === 93) || (first === 123 && last === 125)) return true;
  // `$VAR...`, `%VAR%`: a reference in a shell or a Windows batch file.
  if (first === 36 || (first === 37 && last === 37)) return true;
  for (const opener of TEMPLATE_OPENERS) if (v.includes(opener)) return true;
  if (/%[sd]/.test(v)) return true;
  const lower = v.toLowerCase();
  for (const word of PLACEHOLDER_WORDS) if (lower.includes(word)) return true;
  return false;
}

/**
 * For the random part of a vendor token (`ghp_<36>`, `glpat-<20>`): only a placeholder
 * when it says so as a word of its own (`ghp_your_token_here`), is a template or a mask,
 * or is one character repeated. A word *inside* a random string (`...aBFakeq9...`) is
 * chance: about one 20-character body in ten thousand contains "fake".
 */
export function isPlaceholderToken(body: string): boolean {
  if (!isLiteralSecretValue(body)) return true;
  for (const opener of TEMPLATE_OPENERS) if (body.includes(opener)) return true;
  const lower = body.toLowerCase();
  if (lower.includes('xxxx') || lower.includes('****') || lower.includes('...')) return true;
  const counts = new Map<string, number>();
  for (const ch of lower) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  if (Math.max(...counts.values()) * 10 >= lower.length * 7) return true;
  const words = lower.split(/[^a-z0-9]+/).filter((w) => w !== '');
  return words.length > 1 && words.some((w) => PLACEHOLDER_WORDS.includes(w) || w === 'here' || w === 'token');
}
