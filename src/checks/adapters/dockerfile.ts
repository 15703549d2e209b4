/** Dockerfiles and Containerfiles by name: `Dockerfile`, `Dockerfile.prod`, `web.dockerfile`, `Containerfile`. */
import { StockadeError } from '../../core/errors.js';
import { parseDockerfile } from '../dockerfile/index.js';
import type { DocumentAdapter } from '../adapter.js';
import type { AnyRule } from '../index.js';

const NAME = /^(Dockerfile|Containerfile)([.-][\w.-]+)?$|\.(dockerfile|containerfile)$/i;

export function dockerfileAdapter(rules: readonly AnyRule[]): DocumentAdapter {
  return {
    kind: 'dockerfile',
    claimsName: (name) => (NAME.test(name) ? 'yes' : 'no'),
    parse(text, file) {
      try {
        return { documents: [parseDockerfile(text, file)], errors: [], warnings: [] };
      } catch (e) {
        // A located error (file:line:col) for this file only; the rest are still checked.
        return { documents: [], errors: [e instanceof StockadeError ? e.oneLine : (e as Error).message], warnings: [] };
      }
    },
    rules,
  };
}
