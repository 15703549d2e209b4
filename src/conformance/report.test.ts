// The runner's bookkeeping and output format: set differences, per-suite blocks and the
// closing summary CI reads. Expected values are worked out by hand from the inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alignArch,
  countByEcosystem,
  diffCase,
  describeDiff,
  diffPackages,
  isEmptyDiff,
  oneLine,
  renderSuite,
  renderSummary,
  summarize,
  suiteOf,
  type SuiteResult,
} from './report.js';

test('diffPackages: equal sets (in any order, with duplicates) have no difference', () => {
  const a = [
    { name: 'x', version: '1' },
    { name: 'y', version: '2' },
  ];
  const d = diffPackages(a, [a[1]!, a[0]!, a[0]!]);
  assert.ok(isEmptyDiff(d));
  assert.equal(describeDiff(d), 'no difference');
});

test('diffPackages: separates lost, invented and wrongly versioned packages', () => {
  const truth = [
    { name: 'kept', version: '1' },
    { name: 'lost', version: '2' },
    { name: 'bumped', version: '3' },
  ];
  const ours = [
    { name: 'kept', version: '1' },
    { name: 'invented', version: '9' },
    { name: 'bumped', version: '4' },
  ];
  const d = diffPackages(truth, ours);
  assert.deepEqual(d.missing, [{ name: 'lost', version: '2' }]);
  assert.deepEqual(d.extra, [{ name: 'invented', version: '9' }]);
  assert.deepEqual(d.changed, [{ name: 'bumped', want: ['3'], got: ['4'] }]);
  assert.equal(describeDiff(d), 'missing 1: lost@2; extra 1: invented@9; differs 1: bumped want 3 got 4');
});

test('diffPackages: arch counts only where the truth records one', () => {
  const truth = [
    { name: 'a', version: '1', arch: 'amd64' },
    { name: 'b', version: '1' },
  ];
  const ours = [
    { name: 'a', version: '1', arch: 'i386' },
    { name: 'b', version: '1', arch: 'amd64' },
  ];
  assert.deepEqual(alignArch(truth, ours), [{ name: 'a', version: '1', arch: 'i386' }, { name: 'b', version: '1' }]);
  const d = diffPackages(truth, ours);
  assert.deepEqual(d.changed, [{ name: 'a', want: ['1 (amd64)'], got: ['1 (i386)'] }]);
  assert.equal(d.missing.length + d.extra.length, 0);
});

test('describeDiff: an empty version is shown as ""', () => {
  const d = diffPackages([{ name: 'g', version: 'git+ssh://x#abc' }], [{ name: 'g', version: '' }]);
  assert.equal(describeDiff(d), 'differs 1: g want git+ssh://x#abc got ""');
  assert.equal(describeDiff(diffPackages([{ name: 'm', version: '' }], [])), 'missing 1: m@""');
});

test('describeDiff: long lists are cut with a count of the rest', () => {
  const truth = Array.from({ length: 6 }, (_, i) => ({ name: `p${i}`, version: '1' }));
  assert.equal(describeDiff(diffPackages(truth, []), 2), 'missing 6: p0@1, p1@1, ... (+4 more)');
});

test('diffCase: agree on equal sets, else one line naming the source', () => {
  assert.deepEqual(diffCase('s/x', [{ name: 'a', version: '1' }], [{ name: 'a', version: '1' }], 'tool'), { id: 's/x', status: 'agree' });
  assert.deepEqual(diffCase('s/x', [{ name: 'a', version: '1' }], [], 'tool', ' [w]'), { id: 's/x', status: 'disagree', detail: 'missing 1: a@1 (truth: tool) [w]' });
});

test('countByEcosystem and oneLine', () => {
  assert.equal(countByEcosystem(['npm', 'deb', 'npm']), '1 deb, 2 npm');
  assert.equal(countByEcosystem([]), 'no packages');
  assert.equal(oneLine('a\n  b\r\nc'), 'a b c');
  assert.equal(oneLine('x'.repeat(10), 6), 'xxx...');
});

const suite: SuiteResult = {
  name: 'demo',
  ms: 1234,
  cases: [
    { id: 'demo/ok', status: 'agree' },
    { id: 'demo/req-bad', status: 'disagree', detail: 'missing 1: a@1' },
    { id: 'demo/gap', status: 'disagree', detail: 'extra 1: b@2' },
    { id: 'demo/broken', status: 'error', detail: 'python3 failed' },
    { id: 'demo/unknown', status: 'no-truth', detail: '2 npm', notes: ['seen'] },
  ],
};

test('renderSuite: header, agree over cases with a truth, one line per non-agreeing case', () => {
  const lines = renderSuite(suite, new Set(['demo/req-bad']));
  assert.deepEqual(lines, [
    '== demo (5 cases, 1.2 s)',
    '  agree 1/4',
    '  FAIL      demo/req-bad: missing 1: a@1',
    '  gap       demo/gap: extra 1: b@2',
    '  gap       demo/broken: harness error: python3 failed',
    '  no truth  demo/unknown: 2 npm',
    '  note      demo/unknown: seen',
  ]);
});

test('summarize: only required cases fail; the rest are gaps; vanished required cases fail', () => {
  const required = new Set(['demo/ok', 'demo/req-bad', 'demo/unknown', 'demo/gone', 'other/not-run']);
  const s = summarize([suite], required);
  assert.equal(s.passed, 1);
  assert.deepEqual(s.failed, [
    { id: 'demo/req-bad', why: 'disagrees' },
    { id: 'demo/gone', why: 'not produced by its suite' },
  ]);
  assert.deepEqual(s.gaps, ['demo/gap', 'demo/broken']);
  assert.deepEqual(s.requiredUnchecked, ['demo/unknown']);
  assert.deepEqual(s.agreeingNotRequired, []);
  const lines = renderSummary(s);
  assert.equal(lines.at(-1), 'conformance: 1 passed, 2 failed');
  assert.ok(lines.includes('known gaps: 2'));
  assert.ok(lines.includes('FAILED (required): demo/gone: not produced by its suite'));
});

test('summarize: nothing required means nothing fails, and agreeing cases are offered as candidates', () => {
  const s = summarize([suite], new Set());
  assert.equal(s.failed.length, 0);
  assert.deepEqual(s.agreeingNotRequired, ['demo/ok']);
  assert.match(renderSummary(s).at(-1) ?? '', /^conformance: 1 passed, 0 failed$/);
});

test('suiteOf takes the id up to the first slash', () => {
  assert.equal(suiteOf('os-pkgdb/dpkg/x'), 'os-pkgdb');
  assert.equal(suiteOf('lone'), 'lone');
});
