/** CIS Docker 4.10: no secrets in ENV or ARG. */
import type { Rule, RuleViolation } from '../../rule.js';
import type { DockerfileDoc } from '../parse.js';

const SECRET_WORDS = ['PASSWORD', 'PASSWD', 'SECRET', 'TOKEN', 'API_KEY', 'APIKEY', 'PRIVATE_KEY', 'ACCESS_KEY', 'CREDENTIAL'];
/** Names that point at where a secret lives rather than holding it. */
const REFERENCE_SUFFIXES = ['_FILE', '_PATH', '_DIR', '_LOCATION', '_NAME', '_URL', '_ENDPOINT'];

export function looksLikeSecretName(name: string): boolean {
  const upper = name.toUpperCase().replace(/-/g, '_');
  if (REFERENCE_SUFFIXES.some((s) => upper.endsWith(s))) return false;
  return SECRET_WORDS.some((w) => upper.includes(w));
}

/** A value that is only a variable reference (`$X`, `${X}`) is supplied at build time, not written here. */
function isLiteral(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  if (v.startsWith('${') && v.endsWith('}') && v.indexOf('}') === v.length - 1) return false;
  if (v.startsWith('$') && !v.slice(1).includes('$')) {
    let simple = true;
    for (const c of v.slice(1)) if (!/[A-Za-z0-9_]/.test(c)) simple = false;
    if (simple) return false;
  }
  return true;
}

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
        if (pair.value === undefined || !looksLikeSecretName(pair.name) || !isLiteral(pair.value)) continue;
        out.push({ reason: `${instr.keyword} ${pair.name} holds a literal value that looks like a secret`, position: instr.position });
      }
    }
    return out;
  },
};
