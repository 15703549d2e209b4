/**
 * Inline suppression: `# stockade:ignore SK-K8S-0001 reason words` (or `// ...` in
 * JSON-with-comments) on the offending line or the line above it. Several ids may be
 * listed comma-separated. A suppression without a reason still suppresses, and the
 * finding says it was suppressed: nothing is dropped silently.
 */
export interface InlineSuppression {
  line: number;
  ids: Set<string>;
  reason?: string;
}

export interface SuppressionIndex {
  lookup(ruleId: string, line: number | undefined): InlineSuppression | undefined;
}

const MARKER = 'stockade:ignore';

export function inlineSuppressions(text: string): SuppressionIndex {
  const byLine = new Map<number, InlineSuppression>();
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    const line = text.slice(start, nl === -1 ? text.length : nl);
    lineNo++;
    const at = line.indexOf(MARKER);
    if (at !== -1) {
      const rest = line.slice(at + MARKER.length).trim();
      const space = rest.search(/\s/);
      const idsText = space === -1 ? rest : rest.slice(0, space);
      const reason = space === -1 ? '' : rest.slice(space).trim();
      const ids = new Set(idsText.split(',').map((s) => s.trim()).filter(Boolean));
      if (ids.size > 0) byLine.set(lineNo, { line: lineNo, ids, ...(reason ? { reason } : {}) });
    }
    if (nl === -1) break;
    start = nl + 1;
  }
  return {
    lookup(ruleId, line) {
      if (line === undefined) return undefined;
      for (const l of [line, line - 1]) {
        const s = byLine.get(l);
        if (s && (s.ids.has(ruleId) || s.ids.has('*'))) return s;
      }
      return undefined;
    },
  };
}
