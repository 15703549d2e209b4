/**
 * Drives every rule with its fixtures: fixtures/<rule-file>/fail/* must give exactly the lines
 * named in the fixture's `# expect-lines:` comment (written by hand from the Dockerfile
 * reference, not from our output); fixtures/<rule-file>/pass/* must give nothing for that rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../testing/corpus.js';
import type { Rule } from '../rule.js';
import { DOCKERFILE_RULES } from './index.js';
import { parseDockerfile, type DockerfileDoc } from './parse.js';

const FIXTURES = join(REPO_ROOT, 'src', 'checks', 'dockerfile', 'fixtures');
const RULES_DIR = join(REPO_ROOT, 'src', 'checks', 'dockerfile', 'rules');

function expectedLines(text: string, file: string): number[] {
  for (const line of text.split('\n')) {
    const at = line.indexOf('# expect-lines:');
    if (at >= 0) return line.slice(at + '# expect-lines:'.length).split(',').map((s) => Number(s.trim())).sort((a, b) => a - b);
  }
  throw new Error(`${file}: fail fixture without "# expect-lines:"`);
}

function isRule(value: unknown): value is Rule<DockerfileDoc> {
  return typeof value === 'object' && value !== null && 'id' in value && 'check' in value;
}

const ruleFiles = readdirSync(RULES_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.slice(0, -3));

test('every rule file exports one rule, is listed, and has pass and fail fixtures', async () => {
  const ids = new Set<string>();
  for (const name of ruleFiles) {
    const mod = (await import(`./rules/${name}.js`)) as Record<string, unknown>;
    const rules = Object.values(mod).filter(isRule);
    assert.equal(rules.length, 1, `${name}: exactly one Rule export`);
    const rule = rules[0] as Rule<DockerfileDoc>;
    assert.ok(DOCKERFILE_RULES.includes(rule), `${name}: listed in DOCKERFILE_RULES`);
    assert.ok(!ids.has(rule.id), `${rule.id} unique`);
    ids.add(rule.id);
    assert.ok(rule.frameworks.some((f) => f.startsWith('nist-800-190:4.')), `${rule.id}: cites SP 800-190`);
    assert.ok(rule.frameworks.some((f) => f.startsWith('stride:')), `${rule.id}: cites STRIDE`);
    for (const kind of ['pass', 'fail']) {
      const dir = join(FIXTURES, name, kind);
      assert.ok(existsSync(dir) && readdirSync(dir).length > 0, `${name}: has ${kind} fixtures`);
    }
  }
  assert.equal(ids.size, DOCKERFILE_RULES.length, 'no listed rule without a file');
});

for (const name of ruleFiles) {
  test(`fixtures: ${name}`, async () => {
    const mod = (await import(`./rules/${name}.js`)) as Record<string, unknown>;
    const rule = Object.values(mod).find(isRule);
    assert.ok(rule);
    for (const kind of ['pass', 'fail'] as const) {
      const dir = join(FIXTURES, name, kind);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) {
        const path = join(dir, f);
        const text = readFileSync(path, 'utf8');
        const lines = rule.check(parseDockerfile(text, path)).map((v) => v.position?.line ?? -1).sort((a, b) => a - b);
        if (kind === 'pass') assert.deepEqual(lines, [], `${name}/pass/${f}: no findings`);
        else assert.deepEqual(lines, expectedLines(text, path), `${name}/fail/${f}: ${rule.id} at the expected lines`);
      }
    }
  });
}
