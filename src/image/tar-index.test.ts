// The tar indexer is checked against GNU tar itself: the archive is written by
// `tar` (ustar, pax and GNU long-name forms) and listed with `tar -t`; offsets are
// checked by reading the member back and comparing with `tar -xO`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, symlinkSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexTar } from './tar-index.js';
import { StockadeError } from '../core/errors.js';

function makeTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-tarindex-'));
  const long = 'd'.repeat(120) + '/' + 'f'.repeat(130) + '.txt';
  mkdirSync(join(dir, 'src', 'd'.repeat(120)), { recursive: true });
  writeFileSync(join(dir, 'src', long), 'long name content\n');
  writeFileSync(join(dir, 'src', 'small.txt'), 'hello');
  writeFileSync(join(dir, 'src', 'big.bin'), Buffer.alloc(70_000, 7));
  writeFileSync(join(dir, 'src', 'ünïcode.txt'), 'u');
  symlinkSync('small.txt', join(dir, 'src', 'link'));
  return dir;
}

for (const format of ['gnu', 'pax', 'ustar'] as const) {
  test(`indexTar agrees with GNU tar (${format} format)`, async (t) => {
    const dir = makeTree();
    const archive = join(dir, `a-${format}.tar`);
    try {
      execFileSync('tar', ['--format', format, '-cf', archive, '-C', join(dir, 'src'), '.'], { stdio: 'pipe' });
    } catch {
      t.skip(`GNU tar cannot write ${format} for this tree`);
      return;
    }
    const listed = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((n) => n.replace(/^\.\//, '').replace(/\/$/, ''))
      .filter((n) => n !== '.' && n !== '');
    const index = await indexTar(archive);
    assert.deepEqual([...index.keys()].sort(), listed.sort());
    const bytes = readFileSync(archive);
    for (const name of ['small.txt', 'big.bin', 'ünïcode.txt']) {
      const e = index.get(name);
      assert.ok(e, name);
      const expected = execFileSync('tar', ['-xOf', archive, `./${name}`]);
      assert.deepEqual(bytes.subarray(e.offset, e.offset + e.size), expected, `content of ${name}`);
    }
    const longEntry = [...index.values()].find((e) => e.name.endsWith('.txt') && e.name.length > 200);
    assert.ok(longEntry, 'long name survived');
    assert.equal(index.get('link')?.type, 'symlink');
    assert.equal(index.get('link')?.linkname, 'small.txt');
  });
}

test('indexTar rejects a truncated archive and random bytes with one-line errors', async () => {
  const dir = makeTree();
  const archive = join(dir, 'a.tar');
  execFileSync('tar', ['-cf', archive, '-C', join(dir, 'src'), 'big.bin']);
  const cut = join(dir, 'cut.tar');
  writeFileSync(cut, readFileSync(archive).subarray(0, 2048));
  await assert.rejects(indexTar(cut), (e: unknown) => e instanceof StockadeError && e.code === 'malformed_input' && /truncated/.test(e.message));
  const junk = join(dir, 'junk.tar');
  writeFileSync(junk, Buffer.from('this is not a tar archive at all'.repeat(40)));
  await assert.rejects(indexTar(junk), (e: unknown) => e instanceof StockadeError && e.code === 'malformed_input');
  void truncateSync;
  void statSync;
});
