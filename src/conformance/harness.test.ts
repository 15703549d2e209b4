// The worker-thread scan the suites rely on: a result comes back whole, a scan that
// throws is reported with its StockadeError code, and a scan past its time limit is
// stopped. The truths are the inputs themselves (a missing directory, a one-stanza
// status file written here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Scratch, mapPool, placeFiles, scanIsolated } from './harness.js';

test('scanIsolated: a rootfs scan returns its result from the worker', async () => {
  const scratch = await Scratch.create();
  try {
    const root = await scratch.caseDir('one-deb');
    const status = 'Package: hello\nStatus: install ok installed\nVersion: 2.10-3\nArchitecture: amd64\n\n';
    await placeFiles(root, [{ at: 'var/lib/dpkg/status', bytes: status }]);
    const outcome = await scanIsolated({ mode: 'rootfs', dir: root }, 30_000);
    assert.equal(outcome.kind, 'ok');
    if (outcome.kind !== 'ok') return;
    const deb = outcome.result.packages.filter((p) => p.ecosystem === 'deb').map((p) => `${p.name}@${p.version}`);
    assert.deepEqual(deb, ['hello@2.10-3']);
  } finally {
    await scratch.dispose();
  }
});

test('scanIsolated: a thrown StockadeError arrives with its code', async () => {
  const scratch = await Scratch.create();
  try {
    const outcome = await scanIsolated({ mode: 'rootfs', dir: join(scratch.dir, 'does-not-exist') }, 30_000);
    assert.equal(outcome.kind, 'threw');
    if (outcome.kind === 'threw') {
      assert.equal(outcome.stockade, true);
      assert.equal(outcome.code, 'not_found');
    }
  } finally {
    await scratch.dispose();
  }
});

test('scanIsolated: a scan over its time limit is stopped and reported', async () => {
  const scratch = await Scratch.create();
  try {
    const root = await scratch.caseDir('slow');
    await placeFiles(root, [{ at: 'var/lib/dpkg/status', bytes: 'Package: a\nVersion: 1\n' }]);
    // 1 ms cannot cover starting a worker and loading the extractors.
    const outcome = await scanIsolated({ mode: 'rootfs', dir: root }, 1);
    assert.equal(outcome.kind, 'timeout');
  } finally {
    await scratch.dispose();
  }
});

test('mapPool keeps input order whatever the completion order', async () => {
  const out = await mapPool([30, 1, 15, 5], 2, async (ms) => {
    await new Promise((r) => setTimeout(r, ms));
    return ms * 2;
  });
  assert.deepEqual(out, [60, 2, 30, 10]);
});
