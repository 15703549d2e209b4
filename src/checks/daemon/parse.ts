/**
 * Docker daemon configuration (`/etc/docker/daemon.json`) as rules see it: the JSON
 * object, with positions from the YAML parser (JSON is YAML), so findings point at
 * the key that is wrong.
 */
import { StockadeError } from '../../core/errors.js';
import { parseYamlFile, type FieldPath } from '../yaml-source.js';
import type { RuleViolation, SourcePosition } from '../rule.js';

export interface DaemonDoc {
  config: Record<string, unknown>;
  /** Position of `path`, or of the whole object when the key is absent. */
  position(path: FieldPath): SourcePosition | undefined;
}

/** daemon.json files are a few kilobytes; anything this large is not one. */
export const MAX_DAEMON_JSON_BYTES = 1 << 20;

export function parseDaemonJson(text: string, file = 'daemon.json'): DaemonDoc {
  if (text.length > MAX_DAEMON_JSON_BYTES) throw new StockadeError('malformed_input', file, `daemon.json larger than ${MAX_DAEMON_JSON_BYTES} bytes`);
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw new StockadeError('malformed_input', file, `not valid JSON: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new StockadeError('malformed_input', file, 'daemon.json must be a JSON object');
  }
  const yaml = parseYamlFile(text);
  const located = yaml.documents[0];
  return {
    config: config as Record<string, unknown>,
    position: (path) => located?.position(path),
  };
}

/** One finding about the daemon configuration, at `key` (or the object when the key is absent). */
export function daemonViolation(doc: DaemonDoc, path: FieldPath, reason: string, detail?: string): RuleViolation {
  const v: RuleViolation = { reason, resource: 'daemon.json' };
  const position = doc.position(path);
  if (position) v.position = position;
  if (detail !== undefined) v.detail = detail;
  return v;
}

export function isRecordValue(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
