// Rule registry meta-test and docs drift: metadata complete and well-formed for every
// rule, ids unique, framework references from the closed list, and the committed
// docs/rules/ equal to what the metadata generates (run `npm run docs` to refresh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../testing/corpus.js';
import { generatedDocs } from './docs.js';
import { SECRET_DETECTORS } from '../secrets/index.js';
import { API_RULES } from '../enforce/docker-authz/rules/index.js';
import { ADAPTERS, RULES } from './index.js';
import { isFrameworkRef } from './rule.js';

test('every rule has complete metadata, a unique id and well-formed framework references', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'duplicate rule ids');
  for (const r of RULES) {
    assert.match(r.id, /^SK-(K8S|DF|COMPOSE|DAEMON|IMG)-\d{4}$/, r.id);
    for (const field of ['title', 'description', 'remediation'] as const) assert.ok(r[field].trim().length > 10, `${r.id}.${field}`);
    assert.ok(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'].includes(r.severity), `${r.id}.severity`);
    for (const f of r.frameworks) assert.ok(isFrameworkRef(f), `${r.id}: ${f}`);
    assert.ok(r.frameworks.some((f) => f.startsWith('nist-800-190:')), `${r.id} names its SP 800-190 countermeasure`);
    assert.ok(r.frameworks.some((f) => f.startsWith('stride:')), `${r.id} names its STRIDE threat`);
    if (r.frameworks.some((f) => f.startsWith('pss:'))) assert.ok(r.frameworks.some((f) => f.startsWith('pss-level:')), `${r.id}: PSS rules carry their level`);
    assert.ok(r.kind === 'image-config' || ADAPTERS.some((a) => a.kind === r.kind), `${r.id}: no adapter reads ${r.kind} documents`);
  }
});

test('docs/rules/ matches the rule metadata (run `npm run docs` after changing a rule)', () => {
  const expected = generatedDocs([...RULES, ...SECRET_DETECTORS, ...API_RULES]);
  const dir = join(REPO_ROOT, 'docs', 'rules');
  const present = existsSync(dir) ? readdirSync(dir).map((n) => `docs/rules/${n}`) : [];
  assert.deepEqual(present.sort(), [...expected.keys()].sort(), 'stale or missing pages');
  for (const [path, content] of expected) assert.equal(readFileSync(join(REPO_ROOT, path), 'utf8'), content, `${path} is stale`);
});
