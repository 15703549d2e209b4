// The error catalogue in docs/errors.md must list every code of the closed union
// with its exit code, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, SCAN_INCOMPLETE_EXIT, StockadeError, VERIFY_FAILED_EXIT } from './errors.js';
import { REPO_ROOT } from '../testing/corpus.js';

test('docs/errors.md documents exactly the error codes and their exit codes', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| (\d+) \| `([a-z_]+)` \|/gm)].map((m) => [m[2] as string, Number(m[1])] as const);
  const documented = new Map(rows);
  for (const [code, { exit }] of Object.entries(ERROR_CODES)) {
    assert.equal(documented.get(code), exit, `${code} must be documented with exit ${exit}`);
  }
  for (const [code] of rows) assert.ok(code in ERROR_CODES || code === 'scan_incomplete' || code === 'verification_failed', `${code} is documented but not in ERROR_CODES`);
  assert.equal(documented.get('scan_incomplete'), SCAN_INCOMPLETE_EXIT);
  assert.equal(documented.get('verification_failed'), VERIFY_FAILED_EXIT);
});

test('one-line messages fold newlines and name the input', () => {
  const e = new StockadeError('malformed_input', '/x/y.tar', 'bad\nthing');
  assert.equal(e.oneLine, '/x/y.tar: bad thing');
  assert.equal(e.exitCode, 5);
});
