/** Redaction of the image configuration that results carry (Env, build-arg history). */
import { isLiteralSecretValue, looksLikeSecretName, maskSecret } from '../secret-names.js';
import { maskSecretsInText } from '../../secrets/mask-text.js';

/** `|2 A=1 TOKEN=abc /bin/sh -c ...` -> the same with credential-named values redacted. */
function redactHistoryLine(line: string): string {
  const m = /^\|(\d+) /.exec(line);
  if (!m) return line;
  const count = Math.min(Number(m[1]), 64);
  const parts = line.slice(m[0].length).split(' ');
  for (let i = 0; i < Math.min(count, parts.length); i++) {
    const token = parts[i] as string;
    const eq = token.indexOf('=');
    if (eq > 0 && looksLikeSecretName(token.slice(0, eq)) && isLiteralSecretValue(token.slice(eq + 1))) parts[i] = `${token.slice(0, eq + 1)}${maskSecret(token.slice(eq + 1))}`;
  }
  return m[0] + parts.join(' ');
}

function redactEnvEntry(e: string): string {
  const eq = e.indexOf('=');
  return eq > 0 && looksLikeSecretName(e.slice(0, eq)) && isLiteralSecretValue(e.slice(eq + 1)) ? `${e.slice(0, eq + 1)}${maskSecret(e.slice(eq + 1))}` : maskSecretsInText(e);
}

/**
 * The image configuration as reports may show it: credential-named Env values and
 * build arguments are redacted by name, and any value the secret detectors recognise
 * (in Env, Labels or history) by content, so no output format carries a whole secret.
 */
export function redactImageConfig<T extends { config?: Record<string, unknown>; history?: Array<{ created_by?: string }> }>(info: T): T {
  const copy: T = { ...info };
  const env = info.config?.['Env'];
  const labels = info.config?.['Labels'];
  if (info.config) {
    copy.config = { ...info.config };
    if (Array.isArray(env)) copy.config['Env'] = env.map((e: unknown) => (typeof e === 'string' ? redactEnvEntry(e) : e));
    if (labels && typeof labels === 'object' && !Array.isArray(labels)) {
      copy.config['Labels'] = Object.fromEntries(Object.entries(labels as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? maskSecretsInText(`${k}=${v}`).slice(k.length + 1) : v]));
    }
  }
  if (info.history) copy.history = info.history.map((h) => (h.created_by ? { ...h, created_by: maskSecretsInText(redactHistoryLine(h.created_by)) } : h));
  return copy;
}
