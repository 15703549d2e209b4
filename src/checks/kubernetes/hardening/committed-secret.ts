/** Secret objects with their values written into the manifest (and so into version control). */
import type { Rule, RuleViolation } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { asObject, asString } from '../pss/check.js';
import { maskSecret } from '../../secret-names.js';
import { objectsOf, placed, resourceName } from './common.js';

/** Secret types whose data the cluster fills in itself: nothing was committed. */
const CLUSTER_FILLED_TYPES = new Set(['kubernetes.io/service-account-token']);

export const committedSecretRule: Rule<KubernetesDocument> = {
  id: 'SK-K8S-0030',
  kind: 'kubernetes',
  title: 'Secret values committed in a manifest',
  severity: 'HIGH',
  description:
    'A Secret manifest carries its values in `data` (base64, which is an encoding, not encryption) or `stringData`. Whoever can read the repository, its history, its forks or the CI logs that print it has the credential, long after it is rotated out of the cluster. SP 800-190 4.1.4 asks for secrets to be stored outside images and configuration and provided at run time.',
  remediation:
    'Keep the values out of the repository: create the Secret from a secret manager at deploy time (External Secrets Operator, the Secrets Store CSI driver with Vault or a cloud KMS), or commit it encrypted (Sealed Secrets, SOPS). Rotate every credential that was committed: the history keeps it.',
  references: ['https://kubernetes.io/docs/concepts/security/secrets-good-practices/', 'https://csrc.nist.gov/pubs/sp/800/190/final'],
  frameworks: ['nist-800-190:4.1.4', 'nsa-k8s:secrets', 'stride:I'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const placedObject of objectsOf(doc.object)) {
      if (placedObject.kind !== 'Secret') continue;
      const type = asString(placedObject.object.type);
      if (CLUSTER_FILLED_TYPES.has(type)) continue;
      for (const field of ['data', 'stringData'] as const) {
        const values = asObject(placedObject.object[field]);
        for (const [key, value] of Object.entries(values ?? {})) {
          if (typeof value !== 'string' || value.trim() === '') continue;
          const plain = field === 'data' ? Buffer.from(value, 'base64').toString('utf8') : value;
          out.push(
            placed(doc, [...placedObject.path, field, key], {
              reason: `${field}.${key} holds a value (${maskSecret(plain)}) committed with the manifest`,
              resource: resourceName('Secret', placedObject.name),
            }),
          );
        }
      }
    }
    return out;
  },
};
