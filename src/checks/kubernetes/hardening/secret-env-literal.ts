/** Credentials written as literal environment variable values. */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { asArray, asObject, asString, containersOf } from '../pss/check.js';
import { checkPodTemplates, type PodFinding } from './common.js';

/** Name words that say the value is a credential. */
const SECRET_WORDS: ReadonlySet<string> = new Set([
  'PASSWORD', 'PASSWD', 'PASS', 'PWD', 'SECRET', 'SECRETS', 'TOKEN', 'KEY', 'APIKEY', 'CREDENTIAL', 'CREDENTIALS', 'PRIVATEKEY',
]);
/** A last word that says the variable points at a credential rather than holding it. */
const REFERENCE_WORDS: ReadonlySet<string> = new Set(['FILE', 'PATH', 'DIR', 'NAME', 'REF', 'URL', 'ID', 'LENGTH', 'SIZE', 'TTL', 'TYPE', 'ENABLED']);

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
  if (last === undefined || REFERENCE_WORDS.has(last)) return false;
  return words.some((word) => SECRET_WORDS.has(word));
}

/** At most the first 4 characters (never more than a third of the value), then ****. */
export function maskSecret(value: string): string {
  const shown = Math.min(4, Math.floor(value.length / 3));
  return `${value.slice(0, shown)}****`;
}

/** `$(OTHER_VAR)` is a reference Kubernetes expands, not a literal. */
function isVariableReference(value: string): boolean {
  return value.startsWith('$(') && value.endsWith(')');
}

export const secretEnvLiteralRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0008',
  kind: 'kubernetes',
  title: 'Credential in a literal environment variable',
  severity: 'HIGH',
  description:
    'An environment variable named like a credential (PASSWORD, SECRET, TOKEN, KEY...) carries a literal value in the manifest: it is stored in Git, in the object every reader of the workload can see, and in the etcd record, instead of in a Secret with its own access control. ' +
    'The name is a heuristic; values are never printed beyond their first characters.',
  remediation: 'Move the value into a Secret (or an external secret store) and reference it with env[].valueFrom.secretKeyRef or envFrom.secretRef; rotate the exposed credential.',
  references: ['https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables'],
  frameworks: ['nist-800-190:4.4.2', 'nsa-k8s:secrets', 'stride:I'],
  check(doc) {
    return checkPodTemplates(doc, (template) => {
      const findings: PodFinding[] = [];
      for (const visited of containersOf(template.podSpec)) {
        asArray(visited.container.env).forEach((item, index) => {
          const env = asObject(item);
          const name = asString(env?.name);
          const value = env?.value;
          if (typeof value !== 'string' || value === '' || isVariableReference(value) || !looksLikeSecretName(name)) return;
          findings.push({
            reason: `container ${JSON.stringify(visited.name)} sets ${name} to a literal value (${maskSecret(value)}) instead of a secretKeyRef`,
            podPath: [...visited.path, 'env', index, 'value'],
          });
        });
      }
      return findings;
    });
  },
};
