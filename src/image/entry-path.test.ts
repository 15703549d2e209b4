import { test } from 'node:test';
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { normalizeEntryPath } from './entry-path.js';
import { StockadeError } from '../core/errors.js';

// Oracle: POSIX path normalisation (node's path.posix.normalize) for names that stay
// inside the root; names that climb above it must be refused, not clamped.
test('entry names normalise like POSIX paths relative to the image root', () => {
  for (const name of ['usr/bin/x', './usr/bin/x', '/usr/bin/x', 'a/./b/../c', 'a//b///c/', 'x/y/..', './']) {
    const expected = posix.normalize('/' + name).replace(/^\/+/, '').replace(/\/$/, '');
    assert.equal(normalizeEntryPath('t', name), expected === '.' ? '' : expected, name);
  }
});

test('entry names that escape the root are hostile', () => {
  for (const name of ['../etc/passwd', 'a/../../b', './../x', '/../../tmp/x']) {
    assert.throws(() => normalizeEntryPath('layer 0', name), (e: unknown) => e instanceof StockadeError && e.code === 'hostile_input' && e.oneLine.includes('escapes the image root'), name);
  }
});
