/**
 * Credentials in kubeconfig files (any path: they are copied around under many names):
 * `users[].user.token` (a bearer token, often a service-account token with
 * cluster-admin), `client-key-data` (base64 of the PEM client key), `password`, and
 * OIDC `id-token` / `refresh-token` / `client-secret`. A text counts as a kubeconfig when
 * it has a `users:` list and `current-context` or `client-key-data`; values are read
 * line by line (YAML block style, as kubectl writes it).
 * https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { decodeBase64 } from '../armor.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { isPlaceholderValue } from '../placeholder.js';
import { MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const KEYS: ReadonlySet<string> = new Set(['token', 'client-key-data', 'password', 'id-token', 'refresh-token', 'client-secret', 'access-token']);
const MAX_LINES = 200_000;

/** Key and value offsets of a `key: value` line (a leading `- ` allowed), or undefined. */
function keyValue(line: string): { key: string; valueStart: number; valueEnd: number } | undefined {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t' || line[i] === '-')) i++;
  const colon = line.indexOf(':', i);
  if (colon === -1) return undefined;
  const key = line.slice(i, colon).trim();
  if (!KEYS.has(key)) return undefined;
  let start = colon + 1;
  while (start < line.length && (line[start] === ' ' || line[start] === '\t')) start++;
  let end = line.length;
  while (end > start && (line[end - 1] === ' ' || line[end - 1] === '\t' || line[end - 1] === '\r')) end--;
  const q = line[start];
  if ((q === '"' || q === "'") && end - start >= 2 && line[end - 1] === q) {
    start++;
    end--;
  }
  return end > start ? { key, valueStart: start, valueEnd: end } : undefined;
}

function isClientKey(value: string): boolean {
  const pem = decodeBase64(value).toString('latin1');
  return pem.startsWith('-----BEGIN ') && pem.includes('PRIVATE KEY-----');
}

export function findKubeconfigCredentials(input: SecretInput): SecretMatch[] {
  const { text } = input;
  if (!text.includes('users:')) return [];
  const matches: SecretMatch[] = [];
  let lineStart = 0;
  for (let n = 0; lineStart <= text.length && n < MAX_LINES; n++) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const kv = lineEnd - lineStart <= 64 * 1024 ? keyValue(text.slice(lineStart, lineEnd)) : undefined;
    if (kv !== undefined) {
      const value = text.slice(lineStart + kv.valueStart, lineStart + kv.valueEnd);
      const ok = kv.key === 'client-key-data' ? isClientKey(value) : value.length >= 8 && !isPlaceholderValue(value);
      if (ok) {
        matches.push({ start: lineStart + kv.valueStart, end: lineStart + kv.valueEnd, kind: kv.key });
        if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
      }
    }
    lineStart = lineEnd + 1;
  }
  return matches;
}

export const kubeconfigCredential: SecretDetector = {
  id: 'SK-SECRET-0024',
  title: 'Credential in a kubeconfig',
  severity: 'CRITICAL',
  description:
    'A Kubernetes client credential (bearer token, client key, password or OIDC token) in a kubeconfig. Whoever has ' +
    'it talks to the API server as that user; kubeconfigs baked into images are often cluster-admin.',
  remediation: remediation('the cluster credential', 'delete the service-account token Secret or revoke the client certificate (rotate the CA if it cannot be revoked), and give workloads a projected service-account token instead of a kubeconfig'),
  references: [SP_800_190_URL, 'https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/'],
  frameworks: frameworks('stride:S', 'stride:E'),
  keywords: ['client-key-data', 'current-context'],
  find: findKubeconfigCredentials,
};
