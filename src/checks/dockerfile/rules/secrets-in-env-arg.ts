/** CIS Docker 4.10: no secrets in ENV or ARG. */
import type { Rule, RuleViolation } from '../../rule.js';
import type { DockerfileDoc } from '../parse.js';
import { isLiteralSecretValue, looksLikeSecretName } from '../../secret-names.js';

export const secretsInEnvArg: Rule<DockerfileDoc> = {
  id: 'SK-DF-0005',
  kind: 'dockerfile',
  title: 'Secret value written into ENV or ARG',
  severity: 'HIGH',
  description:
    'ENV values are stored in the image configuration and ARG values in the build history; anyone who can pull ' +
    'the image can read them with `docker history` or `docker inspect`. A variable named like a password, token, ' +
    'secret or key with a literal value is very likely a credential baked into the image.',
  remediation:
    'Pass secrets at build time with `RUN --mount=type=secret,id=<name>` and at run time through the ' +
    "orchestrator's secret store or a mounted file (e.g. `<NAME>_FILE=/run/secrets/<name>`). Rotate any value already pushed.",
  references: ['https://docs.docker.com/build/building/secrets/', 'https://docs.docker.com/reference/dockerfile/#env'],
  frameworks: ['nist-800-190:4.1.4', 'cis-docker:4.10', 'stride:I'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const instr of doc.instructions) {
      if (instr.keyword !== 'ENV' && instr.keyword !== 'ARG') continue;
      for (const pair of instr.pairs) {
        if (pair.value === undefined || !looksLikeSecretName(pair.name) || !isLiteralSecretValue(pair.value)) continue;
        out.push({ reason: `${instr.keyword} ${pair.name} holds a literal value that looks like a secret`, position: instr.position });
      }
    }
    return out;
  },
};
