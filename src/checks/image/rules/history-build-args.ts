import type { Rule, RuleViolation } from '../../rule.js';
import type { ImageConfigDoc } from '../document.js';
import { isLiteralSecretValue, looksLikeSecretName, maskSecret } from '../../secret-names.js';

/**
 * BuildKit and the classic builder record the build arguments a RUN saw in its
 * history line, as `|<n> NAME=value NAME2=value /bin/sh -c ...`.
 */
function buildArgs(createdBy: string): Array<{ name: string; value: string }> {
  const m = /^\|(\d+) /.exec(createdBy);
  if (!m) return [];
  const count = Math.min(Number(m[1]), 64);
  const out: Array<{ name: string; value: string }> = [];
  let rest = createdBy.slice(m[0].length);
  for (let i = 0; i < count; i++) {
    const space = rest.indexOf(' ');
    const token = space === -1 ? rest : rest.slice(0, space);
    const eq = token.indexOf('=');
    if (eq > 0) out.push({ name: token.slice(0, eq), value: token.slice(eq + 1) });
    if (space === -1) break;
    rest = rest.slice(space + 1);
  }
  return out;
}

export const imageHistoryBuildArgsRule: Rule<ImageConfigDoc> = {
  id: 'SK-IMG-0003',
  kind: 'image-config',
  title: 'Build argument with a credential recorded in image history',
  severity: 'HIGH',
  description:
    'A build argument whose name says it is a credential appears with its value in the image history. Build arguments are not secret: every RUN that sees them records them, and `docker history` shows them to anyone who can pull the image.',
  remediation: 'Pass credentials to the build with BuildKit secret mounts (`RUN --mount=type=secret,id=...`), never ARG; rotate the exposed credential.',
  references: ['https://docs.docker.com/build/building/secrets/'],
  frameworks: ['nist-800-190:4.1.4', 'cis-docker:4.10', 'stride:I'],
  check(doc) {
    const out: RuleViolation[] = [];
    (doc.info.history ?? []).forEach((h, i) => {
      for (const { name, value } of buildArgs(h.created_by ?? '')) {
        if (looksLikeSecretName(name) && isLiteralSecretValue(value)) out.push({ reason: `history entry ${i} records build argument ${name}=${maskSecret(value)}`, resource: `history[${i}]` });
      }
    });
    return out;
  },
};
