import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonChunks } from './json-chunks.js';

// The oracle is JSON.stringify itself: the chunks must join to exactly its output.
const samples: unknown[] = [
  null,
  0,
  'text with "quotes" and \n newline',
  [],
  {},
  [1, 'two', null, undefined, () => 1, { a: [] }],
  { a: 1, b: undefined, c: [{ d: { e: [1, { f: 'g\nh' }] } }], 'key with "quote"': { deep: { deeper: { deepest: [1, 2] } } } },
  { date: new Date(0), nested: [[[[[1]]]]], empty: { x: {} } },
  { misconfigurations: Array.from({ length: 50 }, (_, i) => ({ ruleId: `SK-${i}`, frameworks: ['a', 'b'], line: i, suppressed: i % 2 ? undefined : { kind: 'inline' } })) },
];

test('jsonChunks joins to exactly JSON.stringify(value, null, 2) plus a newline', () => {
  for (const value of samples) {
    assert.equal([...jsonChunks(value)].join(''), `${JSON.stringify(value, null, 2)}\n`);
  }
});

test('jsonChunks never builds one string for a very large array', () => {
  const big = { items: Array.from({ length: 100_000 }, (_, i) => ({ i, text: 'x'.repeat(20) })) };
  let longest = 0;
  let total = 0;
  for (const c of jsonChunks(big)) {
    longest = Math.max(longest, c.length);
    total += c.length;
  }
  assert.equal(total, JSON.stringify(big, null, 2).length + 1);
  assert.ok(longest < 200, `longest chunk ${longest}`);
});
