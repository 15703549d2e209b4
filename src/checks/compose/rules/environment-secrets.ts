import type { Rule, RuleViolation } from '../../rule.js';
import { environment, serviceViolation, type ComposeDoc } from '../parse.js';

/** Name parts that say a variable holds a credential. */
const SECRET_WORDS = ['PASSWORD', 'PASSWD', 'PASS', 'PWD', 'SECRET', 'TOKEN', 'KEY', 'CREDENTIAL', 'CREDENTIALS', 'AUTH', 'APIKEY'] as const;
/** Name parts that say the value is a pointer to a secret, not the secret. */
const POINTER_WORDS = ['FILE', 'PATH', 'DIR', 'URL', 'HOST', 'PORT', 'NAME', 'USER', 'USERNAME', 'ID', 'LENGTH', 'SIZE', 'TTL', 'TIMEOUT', 'EXPIRY', 'ALGORITHM', 'TYPE'] as const;

/** Split `MYSQL_ROOT_PASSWORD` / `apiKey` into upper-case words. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((w) => w !== '');
}

export function looksLikeSecretName(name: string): boolean {
  const words = nameWords(name);
  const last = words[words.length - 1];
  if (last === undefined || (POINTER_WORDS as readonly string[]).includes(last)) return false;
  return words.some((w) => (SECRET_WORDS as readonly string[]).includes(w));
}

/** A literal secret: not empty, not only a `${VAR}` / `$VAR` reference, not a placeholder. */
export function isLiteralValue(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  if (/^\$\{[^}]*\}$/.test(v) || /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return false;
  return true;
}

export const composeEnvironmentSecrets: Rule<ComposeDoc> = {
  id: 'SK-COMPOSE-0013',
  kind: 'compose',
  title: 'Secret written in service environment',
  severity: 'HIGH',
  description:
    'A password, token or key written as a literal in `environment` is stored in the Compose file and its history, shown by `docker inspect` and inherited by every process in the container.',
  remediation: 'Use Compose `secrets:` (files mounted under /run/secrets) or a `${VAR}` reference filled from the deployment environment, and rotate the exposed value.',
  references: ['https://docs.docker.com/compose/how-tos/use-secrets/'],
  frameworks: ['nist-800-190:4.1.4', 'nist-800-190:4.3.2', 'stride:I'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const s of doc.services) {
      for (const e of environment(s)) {
        if (e.value === undefined || !looksLikeSecretName(e.name) || !isLiteralValue(e.value)) continue;
        out.push(serviceViolation(doc, s, e.path, `service ${s.name} sets ${e.name} to a literal value in environment`));
      }
    }
    return out;
  },
};
