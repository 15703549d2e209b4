/**
 * Passwords in `.pypirc` (the distutils/twine upload configuration, an INI file):
 * `password = ...` under a repository section such as `[pypi]`. With API tokens the
 * value is a `pypi-` token (the PyPI detector reports it first); older files hold the
 * account password. https://packaging.python.org/en/latest/specifications/pypirc/
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { isPlaceholderValue } from '../placeholder.js';
import { baseName, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const MAX_LINES = 100_000;

/** Offset of the value in a `password = value` / `password: value` line, or -1. */
function passwordValueOffset(line: string): number {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  if (line.slice(i, i + 8).toLowerCase() !== 'password') return -1;
  i += 8;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  if (line[i] !== '=' && line[i] !== ':') return -1;
  i++;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return i;
}

export function findPypircPasswords(input: SecretInput): SecretMatch[] {
  const { text } = input;
  const matches: SecretMatch[] = [];
  let section: string | undefined;
  let lineStart = 0;
  for (let n = 0; lineStart <= text.length && n < MAX_LINES; n++) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) section = trimmed.slice(1, -1).trim();
    else if (section !== undefined && section !== 'distutils') {
      const valueAt = passwordValueOffset(line);
      if (valueAt !== -1) {
        const value = line.slice(valueAt).trimEnd();
        if (value !== '' && !isPlaceholderValue(value)) {
          const start = lineStart + valueAt;
          matches.push({ start, end: start + value.length, kind: section.slice(0, 64) });
          if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
        }
      }
    }
    lineStart = lineEnd + 1;
  }
  return matches;
}

export const pypircPassword: SecretDetector = {
  id: 'SK-SECRET-0020',
  title: 'Package index password in .pypirc',
  severity: 'HIGH',
  description:
    'A password or API token for a Python package index in .pypirc. It uploads releases as its owner: a supply-chain ' +
    'attack on everyone who installs them.',
  remediation: remediation('the index credential', 'delete the API token (or change the password) in the index\'s account settings; prefer trusted publishing from CI'),
  references: [SP_800_190_URL, 'https://packaging.python.org/en/latest/specifications/pypirc/'],
  frameworks: frameworks('stride:S', 'stride:T'),
  keywords: ['password'],
  appliesToPath: (path) => baseName(path) === '.pypirc',
  find: findPypircPasswords,
};
