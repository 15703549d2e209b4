/**
 * Passwords in `.netrc` / `_netrc` (the ftp(1) format read by curl, Git, pip and many
 * others): whitespace-separated tokens `machine <host> login <user> password <secret>`,
 * on one line or several; `macdef` bodies (up to a blank line) are skipped.
 * https://www.gnu.org/software/inetutils/manual/html_node/The-_002enetrc-file.html
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { isPlaceholderValue } from '../placeholder.js';
import { baseName, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

export function findNetrcPasswords(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  let i = 0;
  let expectPassword = false;
  let machine = '';
  let expectMachine = false;
  while (i < text.length) {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (i >= text.length) break;
    // Comments run to the end of the line.
    if (text.charCodeAt(i) === 35 && !expectPassword) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl + 1;
      continue;
    }
    const start = i;
    while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
    const token = text.slice(start, i);
    if (expectPassword) {
      expectPassword = false;
      if (!isPlaceholderValue(token)) {
        matches.push({ start, end: i, kind: machine.slice(0, 64) || 'default' });
        if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
      }
    } else if (expectMachine) {
      expectMachine = false;
      machine = token;
    } else if (token === 'password') {
      expectPassword = true;
    } else if (token === 'machine') {
      expectMachine = true;
    } else if (token === 'default') {
      machine = 'default';
    } else if (token === 'macdef') {
      const blank = text.indexOf('\n\n', i);
      i = blank === -1 ? text.length : blank + 2;
    }
  }
  return matches;
}

export const netrcPassword: SecretDetector = {
  id: 'SK-SECRET-0021',
  title: 'Password in .netrc',
  severity: 'HIGH',
  description:
    'A login password in a .netrc file, used automatically by curl, Git, pip and FTP clients. Whoever reads it logs ' +
    'in to that host as that user.',
  remediation: remediation('the password', 'change it on the host named by the machine entry and pass credentials to builds as a BuildKit secret mount'),
  references: [SP_800_190_URL, 'https://www.gnu.org/software/inetutils/manual/html_node/The-_002enetrc-file.html'],
  frameworks: frameworks('stride:S'),
  keywords: ['password'],
  appliesToPath: (path) => {
    const name = baseName(path);
    return name === '.netrc' || name === '_netrc';
  },
  find: findNetrcPasswords,
};
