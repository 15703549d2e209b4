/** Credentials written as literal environment variable values. */
import type { Rule } from '../../rule.js';
import type { KubernetesDocument } from '../document.js';
import { asArray, asObject, asString, containersOf } from '../pss/check.js';
import { checkPodTemplates, type PodFinding } from './common.js';
import { isLiteralSecretValue, looksLikeSecretName, maskSecret } from '../../secret-names.js';

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
          if (typeof value !== 'string' || !isLiteralSecretValue(value) || !looksLikeSecretName(name)) return;
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
