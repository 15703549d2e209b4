import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, type Node } from 'yaml';
import { corpusRoot } from '../testing/corpus.js';
import { parseYamlFile, splitDocuments, streamYamlFile, type FieldPath } from './yaml-source.js';

// The oracle is the `yaml` library's own full parse (syntax tree and positions), run
// here on the same text: the fast js-yaml path must give the same values and put
// every key on the line and column the syntax tree puts it.

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) yamlFiles(p, out);
    else if (/\.(ya?ml)$/i.test(name) && st.size < 2_000_000) out.push(p);
  }
  return out;
}

/** Every key path of a syntax-tree node with the 1-based line and column of its key. */
function keyPositions(node: unknown, lines: LineCounter, path: Array<string | number> = [], out: Array<{ path: FieldPath; line: number; column: number }> = []) {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const p = [...path, String(pair.key.value)];
      const range = (pair.key as Node).range;
      if (range) {
        const pos = lines.linePos(range[0]);
        out.push({ path: p, line: pos.line, column: pos.col });
      }
      keyPositions(pair.value, lines, p, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => keyPositions(item, lines, [...path, i], out));
  }
  return out;
}

test('fast and careful parses agree with the yaml library on every corpus YAML file', (t) => {
  const root = corpusRoot();
  if (!root) return t.skip('../shared/corpus not present');
  const files = yamlFiles(root);
  let compared = 0;
  let keys = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const lines = new LineCounter();
    const oracle = parseAllDocuments(text, { lineCounter: lines, merge: true, uniqueKeys: true, logLevel: 'silent' });
    const docs = Array.isArray(oracle) ? oracle : [oracle];
    if (docs.some((d) => d.errors.length > 0)) continue; // invalid files: covered by the error tests below
    const nonEmpty = docs.filter((d) => d.contents !== null);
    let expected: unknown[];
    try {
      expected = nonEmpty.map((d) => d.toJS({ maxAliasCount: 200 }));
    } catch {
      continue;
    }
    const ours = parseYamlFile(text);
    const values = ours.documents.filter((d) => d.value !== null).map((d) => d.value);
    assert.deepEqual(values, expected.filter((v) => v !== null), file);
    const oursNonNull = ours.documents.filter((d) => d.value !== null);
    nonEmpty.filter((d) => d.toJS() !== null).forEach((d, i) => {
      for (const k of keyPositions(d.contents, lines)) {
        const pos = oursNonNull[i]?.position(k.path);
        assert.equal(`${pos?.line}:${pos?.column}`, `${k.line}:${k.column}`, `${file} document ${i + 1} ${k.path.join('.')}`);
        keys++;
      }
    });
    compared++;
  }
  assert.ok(compared > 1000, `only ${compared} corpus files compared`);
  t.diagnostic(`${compared} files, ${keys} key positions compared`);
});

test('document markers split the stream, not the text inside documents', () => {
  const text = 'a: 1\n---\nb: "x --- y"\n--- # c\nc: |\n  ---indented is content\n---\n';
  const chunks = splitDocuments(text).map(([s, e]) => text.slice(s, e));
  assert.deepEqual(chunks, ['a: 1\n', '---\nb: "x --- y"\n', '--- # c\nc: |\n  ---indented is content\n', '---\n']);
  const parsed = parseYamlFile(text);
  assert.deepEqual(
    parsed.documents.map((d) => d.value),
    (parseAllDocuments(text) as Array<{ toJS(): unknown }>).map((d) => d.toJS()),
  );
});

test('a bad document is an error for that document only, numbered and located in the file', () => {
  const text = ['kind: A', '---', 'kind: B', 'bad: [unclosed', '---', 'kind: C', 'x: 1', 'x: 2', '---', 'kind: D'].join('\n');
  const parsed = parseYamlFile(text);
  assert.deepEqual(parsed.documents.map((d) => (d.value as { kind: string }).kind), ['A', 'C', 'D']);
  assert.equal(parsed.errors.length, 1);
  assert.match(parsed.errors[0] ?? '', /^document 2, line \d+, column \d+: /);
  assert.deepEqual(parsed.warnings, ['document 3, line 8: duplicate key (the last one wins, as Kubernetes and Compose read it)']);
  assert.equal((parsed.documents[1]?.value as { x: number }).x, 2);
  assert.equal(parsed.documents[2]?.position(['kind'])?.line, 10);
});

test('alias bombs are refused; ordinary anchors, aliases and merge keys work', () => {
  const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(',')}]`)].join('\n');
  const parsed = parseYamlFile(`kind: ok\n---\n${bomb}\n`);
  assert.equal(parsed.documents.length, 1);
  assert.match(parsed.errors[0] ?? '', /alias/);
  const merged = parseYamlFile('base: &b {image: x, user: "1000"}\nsvc:\n  <<: *b\n  image: y\n');
  assert.deepEqual((merged.documents[0]?.value as { svc: unknown }).svc, { image: 'y', user: '1000' });
  assert.equal(merged.documents[0]?.position(['svc', 'image'])?.line, 4);
});

test('documents stream in batches and errors are complete once iterated', () => {
  const many = Array.from({ length: 30_000 }, (_, i) => `kind: K\nmetadata: {name: n${i}}\nspec: {replicas: ${i}}\n`).join('---\n');
  const stream = streamYamlFile(`${many}---\nbroken: [\n`);
  let count = 0;
  let last: unknown;
  for (const d of stream.documents) {
    count++;
    last = d;
  }
  assert.equal(count, 30_000);
  assert.equal(stream.errors.length, 1);
  assert.equal((last as { position(p: FieldPath): { line: number } }).position(['spec', 'replicas']).line, 30_000 * 4 - 1);
});
