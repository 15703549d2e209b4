import type { Rule, RuleViolation } from '../../rule.js';
import type { ImageConfigDoc } from '../document.js';
import { isLiteralSecretValue, looksLikeSecretName, maskSecret } from '../../secret-names.js';

export const imageEnvSecretsRule: Rule<ImageConfigDoc> = {
  id: 'SK-IMG-0002',
  kind: 'image-config',
  title: 'Credential in the image environment',
  severity: 'HIGH',
  description:
    'An environment variable whose name says it is a credential has a literal value in the image configuration. Anyone who can pull the image reads it with `docker inspect`; it cannot be rotated without rebuilding.',
  remediation: 'Remove the value from ENV; inject it at run time from a secret manager (Vault, a Kubernetes Secret mounted as a file, a CSI driver) and rotate the exposed credential.',
  references: ['https://docs.docker.com/build/building/secrets/'],
  frameworks: ['nist-800-190:4.1.4', 'cis-docker:4.10', 'stride:I'],
  check(doc) {
    const env = doc.info.config?.['Env'];
    if (!Array.isArray(env)) return [];
    const out: RuleViolation[] = [];
    for (const entry of env) {
      if (typeof entry !== 'string') continue;
      const eq = entry.indexOf('=');
      if (eq <= 0) continue;
      const name = entry.slice(0, eq);
      const value = entry.slice(eq + 1);
      if (looksLikeSecretName(name) && isLiteralSecretValue(value)) out.push({ reason: `Env ${name} holds a literal value (${maskSecret(value)})`, resource: `config.Env ${name}` });
    }
    return out;
  },
};
