/**
 * The text with every credential the detectors find replaced by its masked form, for
 * text a result must carry anyway (an image's Env, Labels and history are part of its
 * identity in reports). Name-based redaction catches `DB_PASSWORD=...`; this catches
 * values that give themselves away (`postgres://app:pw@db`, `AKIA...`, a JWT).
 */
import { scanText } from './scan-text.js';

/** Offset of each line start, for turning 1-based line/column back into offsets. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

export function maskSecretsInText(text: string, path = 'image config'): string {
  const hits = scanText({ path, text });
  if (hits.length === 0) return text;
  const starts = lineStarts(text);
  const offset = (line: number, column: number) => (starts[line - 1] ?? 0) + column - 1;
  let out = '';
  let at = 0;
  // Hits do not overlap and come in text order.
  for (const hit of [...hits].sort((a, b) => a.line - b.line || a.column - b.column)) {
    const start = offset(hit.line, hit.column);
    const end = offset(hit.endLine, hit.endColumn);
    if (start < at) continue;
    out += text.slice(at, start) + hit.masked;
    at = end;
  }
  return out + text.slice(at);
}
