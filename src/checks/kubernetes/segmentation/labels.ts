/** Kubernetes label selectors (matchLabels + matchExpressions), as the API server evaluates them. */
type Labels = Record<string, unknown>;

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** An empty or absent selector selects everything (NetworkPolicy `podSelector: {}`). */
export function selectorMatches(selector: unknown, labels: Labels): boolean {
  const sel = asRecord(selector);
  for (const [k, v] of Object.entries(asRecord(sel['matchLabels']))) if (labels[k] !== v) return false;
  const exprs = Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'] : [];
  for (const raw of exprs) {
    const e = asRecord(raw);
    const key = String(e['key'] ?? '');
    const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    const value = has ? String(labels[key]) : undefined;
    switch (e['operator']) {
      case 'In':
        if (!has || !values.includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false; // an operator the API server would reject selects nothing
    }
  }
  return true;
}

export function labelsOf(metadata: unknown): Labels {
  return asRecord(asRecord(metadata)['labels']);
}

export function namespaceOf(object: Record<string, unknown>): string {
  const ns = asRecord(object['metadata'])['namespace'];
  return typeof ns === 'string' && ns !== '' ? ns : 'default';
}
