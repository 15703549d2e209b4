/** Compose files: by name (`compose.yaml`, `docker-compose.*.yml`), or any YAML whose root has `services`. */
import { parseComposeFile } from '../compose/index.js';
import type { DocumentAdapter } from '../adapter.js';
import type { AnyRule } from '../index.js';

const COMPOSE_NAME = /^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/i;

export function composeAdapter(rules: readonly AnyRule[]): DocumentAdapter {
  return {
    kind: 'compose',
    claimsName: (name) => (COMPOSE_NAME.test(name) ? 'yes' : /\.ya?ml$/i.test(name) ? 'maybe' : 'no'),
    // A root-level `services:` key; Kubernetes manifests never have one at the root.
    claimsContent: (text) => /^services\s*:/m.test(text) && !/^apiVersion\s*:/m.test(text),
    parse: (text) => parseComposeFile(text),
    rules,
  };
}
