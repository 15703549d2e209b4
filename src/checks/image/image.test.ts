// Image-config rules on crafted images: each expectation is what the test wrote into
// the image (config fields, history lines, file modes). Secrets never appear whole in
// any output format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_WALK_LIMITS } from '../../image/walk-layer.js';
import { WRITERS } from '../../report/writers/index.js';
import { scanImage } from '../../scan/scan-image.js';
import { writeOciLayout } from '../../testing/craft-image.js';

const SECRET = 'hunter2-very-secret-value';
const BUILD_SECRET = 's3cr3t-build-arg-value';

test('image config: root user, env and build-arg secrets, ssh port, no healthcheck, setuid and world-writable files', async () => {
  const base = mkdtempSync(join(tmpdir(), 'stockade-imgcfg-'));
  const bad = join(base, 'bad');
  await writeOciLayout(bad, {
    config: { User: 'root', Env: ['PATH=/usr/bin', `DB_PASSWORD=${SECRET}`, 'API_TOKEN=$FROM_RUNTIME'], ExposedPorts: { '22/tcp': {}, '8080/tcp': {} } },
    history: [{ created_by: `|1 NPM_TOKEN=${BUILD_SECRET} /bin/sh -c npm ci` }],
    layers: [{ entries: [{ path: 'usr/bin/su', content: 'x', mode: 0o4755 }, { path: 'etc/app.conf', content: 'x', mode: 0o666 }, { path: 'tmp', type: 'dir', mode: 0o1777 }] }],
  });
  const r = await scanImage(bad, { cacheDir: join(base, 'c'), limits: DEFAULT_WALK_LIMITS, extractors: [], configChecks: true });
  const ids = (r.misconfigurations ?? []).map((f) => f.ruleId).sort();
  assert.deepEqual(ids, ['SK-IMG-0001', 'SK-IMG-0002', 'SK-IMG-0003', 'SK-IMG-0004', 'SK-IMG-0005', 'SK-IMG-0006', 'SK-IMG-0007']);
  const byId = new Map((r.misconfigurations ?? []).map((f) => [f.ruleId, f]));
  assert.match(byId.get('SK-IMG-0002')?.message ?? '', /DB_PASSWORD/);
  assert.doesNotMatch(byId.get('SK-IMG-0002')?.message ?? '', /API_TOKEN/, 'a reference to another variable is not a secret');
  assert.match(byId.get('SK-IMG-0006')?.message ?? '', /\/usr\/bin\/su \(4755/);
  assert.match(byId.get('SK-IMG-0007')?.message ?? '', /\/etc\/app\.conf/);
  assert.doesNotMatch(byId.get('SK-IMG-0007')?.message ?? '', /\/tmp/, 'sticky world-writable directories are normal');
  for (const w of WRITERS) {
    const text = w.write(r, { color: false, width: 200 });
    assert.ok(!text.includes(SECRET) && !text.includes(BUILD_SECRET), `${w.id} output must not contain a whole secret`);
  }

  const good = join(base, 'good');
  await writeOciLayout(good, {
    config: { User: '65532:65532', Env: ['PATH=/usr/bin'], Healthcheck: { Test: ['CMD', '/healthz'] } },
    layers: [{ entries: [{ path: 'app/server', content: 'x', mode: 0o755 }] }],
  });
  const ok = await scanImage(good, { cacheDir: join(base, 'c'), limits: DEFAULT_WALK_LIMITS, extractors: [], configChecks: true });
  assert.deepEqual(ok.misconfigurations, []);
});
