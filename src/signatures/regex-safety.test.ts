import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSync } from 'recheck';
import ts from 'typescript';
import { REPO_ROOT } from '../testing/corpus.js';

// Bundles, manifests, annotations and trusted roots are untrusted input: every regular
// expression that reads them must run in linear time (STYLE 10).
test('every regular expression in src/signatures is linear-time (recheck says safe)', { timeout: 300_000 }, () => {
  assert.notEqual(checkSync('^(a+)+$', '').status, 'safe');
  const dir = join(REPO_ROOT, 'src', 'signatures');
  const literals: Array<{ file: string; source: string; flags: string }> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const sf = ts.createSourceFile(file, readFileSync(join(dir, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isRegularExpressionLiteral(node)) {
        const slash = node.text.lastIndexOf('/');
        literals.push({ file, source: node.text.slice(1, slash), flags: node.text.slice(slash + 1) });
      }
      assert.ok(!(ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp'), `${file}: new RegExp`);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  assert.ok(literals.length >= 10, `found only ${literals.length} regex literals: the source walk is broken`);
  const unsafe = literals.filter((l) => checkSync(l.source, l.flags).status !== 'safe').map((l) => `${l.file}: /${l.source}/${l.flags}`);
  assert.deepEqual(unsafe, []);
});
