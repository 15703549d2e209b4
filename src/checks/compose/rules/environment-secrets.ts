import type { Rule, RuleViolation } from '../../rule.js';
import { environment, serviceViolation, type ComposeDoc } from '../parse.js';
import { isLiteralSecretValue, looksLikeSecretName } from '../../secret-names.js';

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
        if (e.value === undefined || !looksLikeSecretName(e.name) || !isLiteralSecretValue(e.value)) continue;
        out.push(serviceViolation(doc, s, e.path, `service ${s.name} sets ${e.name} to a literal value in environment`));
      }
    }
    return out;
  },
};
