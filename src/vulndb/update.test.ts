// `db update` against a mirror we serve ourselves on 127.0.0.1 (node:http) and a
// `file:` mirror. The archives are built from the corpus's golang/vulndb OSV records
// (real data); expected counts come from `unzip -l` over the same archive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { corpusPath } from '../testing/corpus.js';
import { ZipWriter } from './sources/generate.js';
import { AdvisoryStore, defaultDbPath } from './store.js';
import { updateDatabase, type UpdateOptions } from './update.js';

function goArchive(dir: string): { zip: string; count: number } | undefined {
  const tarball = corpusPath('vulndata', 'archives', 'golang-vulndb_data-osv.tar.gz');
  if (!tarball) return undefined;
  const out = join(dir, 'src');
  mkdirSync(out, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', out]);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.json')) files.push(p);
    }
  };
  walk(out);
  const zip = join(dir, 'all.zip');
  const w = new ZipWriter(zip);
  for (const f of files.slice(0, 600)) w.add(f.split('/').pop() as string, readFileSync(f));
  w.finish();
  const listed = spawnSync('unzip', ['-Z1', zip], { encoding: 'utf8' });
  const count = listed.status === 0 ? listed.stdout.split('\n').filter((l) => l.endsWith('.json')).length : 600;
  return { zip, count };
}

/** A `file:` mirror holding the Go archive as `<dir>/mirror/Go/all.zip`, and an empty store. */
function fileMirror() {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-update-'));
  const archive = goArchive(dir);
  if (!archive) return undefined;
  const mirror = join(dir, 'mirror', 'Go');
  mkdirSync(mirror, { recursive: true });
  execFileSync('cp', [archive.zip, join(mirror, 'all.zip')]);
  const cacheDir = join(dir, 'cache');
  return { dir, archive, mirror, cacheDir, store: AdvisoryStore.open(defaultDbPath(cacheDir), { create: true }) };
}

type Handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;

async function serve(handler: Handler): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function options(cacheDir: string, repository: string, extra: Partial<UpdateOptions> = {}): UpdateOptions {
  return { repository, ecosystems: ['Go'], cacheDir, timeoutMs: 5_000, maxDownloadBytes: 64 * 1024 * 1024, ...extra };
}

test('update over HTTP: imports, then 304 means unchanged; an interrupted download leaves the previous data', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-update-'));
  const archive = goArchive(dir);
  if (!archive) return t.skip('corpus golang vulndb archive absent');
  const body = readFileSync(archive.zip);
  let mode: 'ok' | 'cut' = 'ok';
  let requests = 0;
  const { server, base } = await serve((req, res) => {
    requests++;
    if (req.url !== '/Go/all.zip') {
      res.writeHead(404).end();
      return;
    }
    if (req.headers['if-none-match'] === '"v1"' && mode === 'ok') {
      res.writeHead(304).end();
      return;
    }
    if (mode === 'cut') {
      res.writeHead(200, { 'content-length': String(body.length), etag: '"v2"' });
      res.write(body.subarray(0, body.length >> 1));
      res.destroy();
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length), etag: '"v1"' });
    res.end(body);
  });
  try {
    const cacheDir = join(dir, 'cache');
    const store = AdvisoryStore.open(defaultDbPath(cacheDir), { create: true });
    const first = await updateDatabase(store, options(cacheDir, base));
    assert.equal(first[0]?.status, 'imported', JSON.stringify(first));
    assert.equal(store.status().advisories, archive.count);
    const second = await updateDatabase(store, options(cacheDir, base));
    assert.equal(second[0]?.status, 'unchanged');
    // The server now answers with a new version whose body breaks off half way.
    mode = 'cut';
    const third = await updateDatabase(store, options(cacheDir, base));
    assert.equal(third[0]?.status, 'failed');
    assert.equal(store.status().advisories, archive.count, 'interrupted download changed nothing');
    store.close();
    assert.ok(requests >= 2);
  } finally {
    server.close();
  }
});

test('update from a file: mirror, and failures that must not hang or corrupt', async (t) => {
  const setup = fileMirror();
  if (!setup) return t.skip('corpus golang vulndb archive absent');
  const { dir, archive, cacheDir, store } = setup;
  const r = await updateDatabase(store, options(cacheDir, pathToFileURL(join(dir, 'mirror')).href));
  assert.equal(r[0]?.status, 'imported');
  assert.equal(store.status().advisories, archive.count);

  // An HTML error page instead of a zip, endless redirects, a server that never answers.
  const { server, base } = await serve((req, res) => {
    if (req.url?.startsWith('/html/')) res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
    else if (req.url?.startsWith('/loop/')) res.writeHead(302, { location: req.url }).end();
    // '/hang/' never answers.
  });
  try {
    const html = await updateDatabase(store, options(cacheDir, `${base}/html`));
    assert.equal(html[0]?.status, 'failed');
    assert.match(html[0]?.detail ?? '', /zip|archive|advisory feed/i);
    const loop = await updateDatabase(store, options(cacheDir, `${base}/loop`));
    assert.equal(loop[0]?.status, 'failed');
    const started = Date.now();
    const hang = await updateDatabase(store, options(cacheDir, `${base}/hang`, { timeoutMs: 1_000, ecosystems: ['Go', 'npm', 'PyPI'] }));
    assert.ok(Date.now() - started < 10_000, 'one timeout, not one per ecosystem');
    assert.deepEqual(hang.map((h) => h.status), ['failed', 'failed', 'failed']);
    assert.equal(store.status().advisories, archive.count, 'failed updates left the data as it was');
  } finally {
    server.close();
    store.close();
  }
});

test('incremental update by modified time: only records newer than the stored ones are fetched', async (t) => {
  const setup = fileMirror();
  if (!setup) return t.skip('corpus golang vulndb archive absent');
  const { dir, archive, mirror, cacheDir, store } = setup;
  const repo = pathToFileURL(join(dir, 'mirror')).href;
  assert.equal((await updateDatabase(store, options(cacheDir, repo)))[0]?.status, 'imported');
  const newest = store.source('osv:Go')?.newestModified ?? '';
  // The mirror now lists one newer record (and older ones that must not be fetched),
  // and the full archive is gone: an incremental update must not need it.
  execFileSync('rm', [join(mirror, 'all.zip')]);
  const fresh = { id: 'GO-2099-0001', modified: '2099-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'Go', name: 'example.com/mod' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.3' }] }] }] };
  writeFileSync(join(mirror, 'GO-2099-0001.json'), JSON.stringify(fresh));
  writeFileSync(join(mirror, "modified_id.csv"), `2099-01-01T00:00:00Z,GO-2099-0001\n${newest},GO-OLD-NOT-SERVED\n`);
  const r = await updateDatabase(store, options(cacheDir, repo));
  assert.equal(r[0]?.status, 'imported', JSON.stringify(r));
  assert.match(r[0]?.report?.input ?? '', /1 changed/);
  assert.equal(store.status().advisories, archive.count + 1);
  assert.equal(store.lookup('Go', 'example.com/mod')[0]?.id, 'GO-2099-0001');
  const again = await updateDatabase(store, options(cacheDir, repo));
  assert.equal(again[0]?.status, 'unchanged');
  store.close();
});
