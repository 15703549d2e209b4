/** Docker's daemon.json, by name. */
import { StockadeError } from '../../core/errors.js';
import { parseDaemonJson } from '../daemon/index.js';
import type { DocumentAdapter } from '../adapter.js';
import type { AnyRule } from '../index.js';

export function daemonAdapter(rules: readonly AnyRule[]): DocumentAdapter {
  return {
    kind: 'daemon-json',
    claimsName: (name) => (name === 'daemon.json' ? 'yes' : 'no'),
    parse(text, file) {
      try {
        return { documents: [parseDaemonJson(text, file)], errors: [], warnings: [] };
      } catch (e) {
        return { documents: [], errors: [e instanceof StockadeError ? e.message : (e as Error).message], warnings: [] };
      }
    },
    rules,
  };
}
