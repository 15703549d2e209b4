// The CLI as a user meets it: one-line errors with the input named, an exit code per
// error class, no stack traces, quiet pipes, and the formats on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../testing/corpus.js';
import { writeOciLayout, writeDockerArchive, gzipBomb } from '../testing/craft-image.js';
import { ERROR_CODES } from '../core/errors.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineError(r: ReturnType<typeof run>, code: keyof typeof ERROR_CODES, pattern: RegExp) {
  assert.equal(r.code, ERROR_CODES[code].exit, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0] as string, /^stockade: /);
  assert.match(lines[0] as string, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '');
}

test('--help teaches: commands, examples, exit codes', () => {
  const r = run(['--help']);
  assert.equal(r.code, 0);
  for (const word of ['image', 'rootfs', 'Examples:', 'Exit codes:', 'digest_mismatch']) assert.ok(r.stdout.includes(word), word);
  const img = run(['image', '--help']);
  for (const flag of ['--input', '--platform', '--format', '--output', '--cache-dir', '--max-layer-size', '--quiet', '--scanners']) assert.ok(img.stdout.includes(flag), flag);
});

test('hostile and broken inputs: one line naming the input, distinct exit codes', async () => {
  const base = mkdtempSync(join(tmpdir(), 'stockade-cli-'));
  const cache = join(base, 'cache');
  const missing = join(base, 'nope.tar');
  assertOneLineError(run(['image', '--input', missing, '--cache-dir', cache]), 'not_found', new RegExp(`${missing}: no such file`));

  const junk = join(base, 'junk.tar');
  writeFileSync(junk, 'hello, not an image');
  assertOneLineError(run(['image', '--input', junk, '--cache-dir', cache]), 'malformed_input', /junk\.tar: not a tar archive/);

  const layout = join(base, 'escape');
  await writeOciLayout(layout, { layers: [{ entries: [{ path: '../../evil', content: 'x' }] }] });
  assertOneLineError(run(['image', '--input', layout, '--cache-dir', cache]), 'hostile_input', /escape: layer 0 .*escapes the image root/);

  const digest = join(base, 'digest');
  await writeOciLayout(digest, { layers: [{ entries: [{ path: 'a', content: 'x' }], corrupt: 'digest' }] });
  assertOneLineError(run(['image', '--input', digest, '--cache-dir', cache]), 'digest_mismatch', /expected sha256:/);

  const bomb = join(base, 'bomb');
  await writeOciLayout(bomb, { layers: [{ prebuilt: await gzipBomb(256 * 1024 * 1024) }] });
  assertOneLineError(run(['image', '--input', bomb, '--cache-dir', cache, '--max-expansion-ratio', '50']), 'hostile_input', /decompression bomb/);

  assertOneLineError(run(['image', '--input', layout, '--platform', 'linux']), 'usage', /platform must be os\/arch/);
  assert.equal(run(['image', '--input', layout, '--format', 'xml']).code, ERROR_CODES.usage.exit);

  // Nothing was written next to the inputs: only the cache dir and our own fixtures.
  assert.deepEqual(readdirSync(base).sort(), ['bomb', 'cache', 'digest', 'escape', 'junk.tar'].filter((n) => existsSync(join(base, n))).sort());
});

test('quiet in pipes; --output writes the chosen format; default format in a pipe is json', async () => {
  const base = mkdtempSync(join(tmpdir(), 'stockade-cli-'));
  const archive = join(base, 'app.tar');
  await writeDockerArchive(archive, {
    style: 'legacy',
    repoTags: ['example/app:1'],
    layers: [{ entries: [{ path: 'app/node_modules/left-pad/package.json', content: JSON.stringify({ name: 'left-pad', version: '1.3.0', license: 'WTFPL' }) }] }],
  });
  const piped = run(['image', '--input', archive, '--cache-dir', join(base, 'c'), '--scanners', 'none']);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stderr, '', 'nothing on stderr in a pipe');
  const json = JSON.parse(piped.stdout) as { packages: Array<{ name: string; version: string }> };
  assert.deepEqual(json.packages.map((p) => `${p.name}@${p.version}`), ['left-pad@1.3.0']);

  const out = join(base, 'sbom.cdx.json');
  const r = run(['image', '--input', archive, '--cache-dir', join(base, 'c'), '-f', 'cyclonedx', '-o', out, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const bom = JSON.parse(readFileSync(out, 'utf8')) as { bomFormat: string; specVersion: string };
  assert.equal(bom.bomFormat, 'CycloneDX');
  assert.equal(bom.specVersion, '1.6');
});

test('a corrupt package database still gives a result, with a warning and a non-zero exit', async () => {
  const base = mkdtempSync(join(tmpdir(), 'stockade-cli-'));
  const layout = join(base, 'img');
  await writeOciLayout(layout, {
    layers: [
      {
        entries: [
          { path: 'var/lib/rpm/rpmdb.sqlite', content: Buffer.from('SQLite format 3\0' + 'garbage'.repeat(100)) },
          { path: 'app/node_modules/ok/package.json', content: JSON.stringify({ name: 'ok', version: '1.0.0' }) },
        ],
      },
    ],
  });
  const r = run(['image', '--input', layout, '--cache-dir', join(base, 'c'), '--scanners', 'none']);
  assert.equal(r.code, 11, r.stderr);
  const json = JSON.parse(r.stdout) as { packages: Array<{ name: string }>; warnings: Array<{ input: string; incomplete?: boolean }> };
  assert.deepEqual(json.packages.map((p) => p.name), ['ok']);
  assert.ok(json.warnings.some((w) => w.input.startsWith('/var/lib/rpm/rpmdb.sqlite') && w.incomplete));
  assert.match(r.stderr, /^stockade: warning: \/var\/lib\/rpm\/rpmdb\.sqlite/m);
});

test('progress is drawn on a terminal (run under script(1) for a pty)', (t) => {
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('script(1) from util-linux is not available');
    return;
  }
  const base = mkdtempSync(join(tmpdir(), 'stockade-cli-'));
  const layout = join(base, 'img');
  return writeOciLayout(layout, { layers: [{ entries: [{ path: 'a', content: 'x'.repeat(100_000) }] }] }).then(() => {
    const cmd = `${process.execPath} ${CLI} image --input ${layout} --cache-dir ${join(base, 'c')} -o ${join(base, 'out.json')} -f json`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm' } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /layers \d\/1/);
  });
});
