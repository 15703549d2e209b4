/**
 * The one heuristic every configuration rule uses to tell a credential written into a
 * file or image (`DB_PASSWORD=hunter2`) from a pointer to one (`DB_PASSWORD_FILE`,
 * `${DB_PASSWORD}`), and the one way findings show such a value (masked).
 */

/** Name words that say the value is a credential. */
const SECRET_WORDS: ReadonlySet<string> = new Set([
  'PASSWORD', 'PASSWD', 'PASS', 'PWD', 'SECRET', 'SECRETS', 'TOKEN', 'CREDENTIAL', 'CREDENTIALS', 'AUTH', 'APIKEY', 'PRIVATEKEY',
]);
/** Endings of run-together names (`DBPASSWORD`, `GITHUBTOKEN`). */
const SECRET_SUFFIXES = ['PASSWORD', 'PASSWD', 'SECRET', 'TOKEN'];
/** `KEY` is a credential unless the name says it is a public one (`GPG_KEY` is a fingerprint). */
const PUBLIC_KEY_WORDS: ReadonlySet<string> = new Set(['GPG', 'PGP', 'PUBLIC', 'PUB', 'SSH_HOST']);
/** A last word that says the variable points at a credential rather than holding it. */
const POINTER_WORDS: ReadonlySet<string> = new Set([
  'FILE', 'PATH', 'DIR', 'LOCATION', 'NAME', 'REF', 'URL', 'ENDPOINT', 'HOST', 'PORT', 'USER', 'USERNAME', 'ID',
  'LENGTH', 'SIZE', 'TTL', 'TIMEOUT', 'EXPIRY', 'ALGORITHM', 'TYPE', 'ENABLED',
]);

/** Splits `dbPassword`, `DB_PASSWORD`, `db-password.file` into upper-case words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((word) => word !== '');
}

export function looksLikeSecretName(name: string): boolean {
  const words = nameWords(name);
  const last = words[words.length - 1];
  if (last === undefined || POINTER_WORDS.has(last)) return false;
  if (words.some((w) => SECRET_WORDS.has(w) || SECRET_SUFFIXES.some((s) => w.length > s.length && w.endsWith(s)))) return true;
  return words.includes('KEY') && !words.some((w) => PUBLIC_KEY_WORDS.has(w));
}

/**
 * A value written here rather than supplied from elsewhere: not empty, and not only a
 * variable reference (`$X`, `${X}`, `${X:?}` in shells and Compose, `$(X)` in Kubernetes).
 */
export function isLiteralSecretValue(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  if (/^\$\{[^}]*\}$/.test(v) || /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(v) || /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return false;
  return true;
}

/** At most the first 4 characters (never more than a third of the value), then `****`. */
export function maskSecret(value: string): string {
  const shown = Math.min(4, Math.floor(value.length / 3));
  return `${value.slice(0, shown)}****`;
}
