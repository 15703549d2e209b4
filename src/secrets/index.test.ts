import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { checkSync } from 'recheck';
import { isFrameworkRef } from '../checks/rule.js';
import { SEVERITY_ORDER } from '../core/types.js';
import { REPO_ROOT } from '../testing/corpus.js';
import { SECRET_DETECTORS } from './index.js';
import { keywordPattern } from './scan-text.js';

const SRC = join(REPO_ROOT, 'src', 'secrets');

test('detector ids are unique, well-formed and numbered without gaps', () => {
  const ids = SECRET_DETECTORS.map((d) => d.id);
  assert.equal(new Set(ids).size, ids.length, 'duplicate id');
  for (const id of ids) assert.match(id, /^SK-SECRET-\d{4}$/);
  const numbers = ids.map((id) => Number(id.slice(-4))).sort((a, b) => a - b);
  assert.deepEqual(numbers, numbers.map((_, i) => i + 1));
});

test('every detector has complete metadata, valid frameworks and lower-case keywords', () => {
  for (const d of SECRET_DETECTORS) {
    for (const field of ['title', 'description', 'remediation'] as const) assert.ok(d[field].trim().length > 20 || (field === 'title' && d.title.length > 3), `${d.id} ${field}`);
    assert.ok(SEVERITY_ORDER.includes(d.severity) && d.severity !== 'UNKNOWN', `${d.id} severity`);
    assert.ok(d.references.length > 0 && d.references.every((r) => r.startsWith('https://')), `${d.id} references`);
    for (const f of d.frameworks) assert.ok(isFrameworkRef(f), `${d.id} framework ${f}`);
    assert.ok(d.frameworks.includes('nist-800-190:4.1.4') && d.frameworks.includes('stride:I'), `${d.id} base frameworks`);
    assert.equal(new Set(d.frameworks).size, d.frameworks.length, `${d.id} duplicate framework`);
    assert.ok(/rotate/i.test(d.remediation) && /Vault/.test(d.remediation) && /Kubernetes Secret/.test(d.remediation) && /CSI/.test(d.remediation), `${d.id} remediation`);
    assert.ok(d.keywords.length > 0 || d.appliesToPath !== undefined, `${d.id} has neither keywords nor a path gate: it would run on every text`);
    for (const k of d.keywords) assert.ok(k.length >= 3 && k === k.toLowerCase(), `${d.id} keyword ${JSON.stringify(k)}`);
  }
});

test('every file in detectors/ is registered, and every registered detector comes from one', async () => {
  const files = readdirSync(join(SRC, 'detectors')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const registered = new Set<unknown>(SECRET_DETECTORS);
  const found = new Set<unknown>();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(REPO_ROOT, 'dist', 'secrets', 'detectors', file.replace(/\.ts$/, '.js'))).href)) as Record<string, unknown>;
    const detectors = Object.values(mod).filter((v) => registered.has(v));
    assert.equal(detectors.length, 1, `${file} must export exactly one registered detector`);
    found.add(detectors[0]);
  }
  assert.equal(found.size, SECRET_DETECTORS.length, 'a registered detector is not in detectors/');
});

/** Every regular-expression literal (and `new RegExp` call) in the non-test sources of the secret scanner. */
function regexLiterals(): Array<{ file: string; source: string; flags: string }> {
  const files: string[] = [];
  const stack = [SRC];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) stack.push(p);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(p);
    }
  }
  files.push(join(REPO_ROOT, 'src', 'bench', 'secret-scan.ts'));
  const out: Array<{ file: string; source: string; flags: string }> = [];
  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isRegularExpressionLiteral(node)) {
        const text = node.text;
        const slash = text.lastIndexOf('/');
        out.push({ file, source: text.slice(1, slash), flags: text.slice(slash + 1) });
      }
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') {
        // Built at run time: only the keyword prefilter may do this, and it is checked below.
        assert.ok(file.endsWith('scan-text.ts'), `${file}: new RegExp outside the prefilter`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

test('every regular expression of the scanner and detectors is linear-time (recheck says safe)', { timeout: 300_000 }, () => {
  // The checker itself must be able to say no, or this test proves nothing.
  assert.notEqual(checkSync('^(a+)+$', '').status, 'safe');
  assert.notEqual(checkSync('[a-z]+@', '').status, 'safe');
  const literals = regexLiterals();
  assert.ok(literals.length >= 10, `found only ${literals.length} regex literals: the source walk is broken`);
  const kws = [...new Set(SECRET_DETECTORS.flatMap((d) => d.keywords))];
  const prefilter = keywordPattern(kws);
  assert.ok(prefilter);
  const all = [...literals, { file: 'scan-text.ts keywordPattern(all keywords)', source: prefilter.source, flags: prefilter.flags }];
  const unsafe: string[] = [];
  for (const { file, source, flags } of all) {
    const result = checkSync(source, flags);
    if (result.status !== 'safe') unsafe.push(`${file}: /${source}/${flags} -> ${result.status}`);
  }
  assert.deepEqual(unsafe, []);
});
