import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSync } from 'recheck';
import { fixtureCacheDir } from '../testing/corpus.js';
import { familiarReference, parseImageReference, tryParseImageReference } from './reference.js';

// Oracle: the distribution project's reference package (Debian's
// golang-github-docker-distribution-dev, the code behind docker-registry 2.8),
// compiled here into a filter that prints its parse of each line.
const GOPATH = '/usr/share/gocode';
const ORACLE_SOURCE = `package main

import (
	"bufio"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"fmt"
	"os"

	"github.com/docker/distribution/reference"
)

func main() {
	s := bufio.NewScanner(os.Stdin)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		r, err := reference.ParseNormalizedNamed(s.Text())
		if err != nil {
			fmt.Println("ERR")
			continue
		}
		tag, digest := "", ""
		if t, ok := r.(reference.Tagged); ok {
			tag = t.Tag()
		}
		if d, ok := r.(reference.Digested); ok {
			digest = d.Digest().String()
		}
		fmt.Printf("%s\\t%s\\t%s\\t%s\\t%s\\n", reference.Domain(r), reference.Path(r), tag, digest, reference.FamiliarString(r))
	}
}
`;

function buildOracle(): string | undefined {
  if (!existsSync(join(GOPATH, 'src/github.com/docker/distribution/reference'))) return undefined;
  const dir = join(fixtureCacheDir(), 'distribution-reference-oracle');
  const bin = join(dir, 'refparse');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.go'), ORACLE_SOURCE);
  const r = spawnSync('go', ['build', '-o', bin, '.'], { cwd: dir, env: { ...process.env, GOPATH, GO111MODULE: 'off', GOCACHE: join(dir, 'cache') }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the oracle failed: ${r.stderr}`);
  return bin;
}

const hex64 = 'a'.repeat(64);
const FIXED = [
  'nginx', 'nginx:1.25', 'library/nginx', 'docker.io/nginx', 'index.docker.io/nginx:latest', 'docker.io/library/nginx@sha256:' + hex64,
  'user/app', 'user/app:v1.2.3-rc.1', 'gcr.io/project/app', 'gcr.io/project/app:tag@sha256:' + hex64, 'localhost/app', 'localhost:5000/a/b/c:t',
  'registry.example.com:443/team/app', 'quay.io/org/app_x.y__z-w', 'a--b', 'a__b', 'a___b', 'a..b', 'a._b', '-a', 'a-', 'A', 'Foo/bar', 'foo/Bar',
  'FOO.example/bar', 'LOCALHOST/x', 'localhost', 'foo.com:/x', 'foo.com:abc/x', 'foo_bar.com/x', 'foo-.com/x', '[::1]:5000/x', 'x:', 'x@', 'x@sha256:abc',
  'x@sha256:' + 'A'.repeat(64), 'x@sha512:' + 'b'.repeat(128), 'x@sha384:' + 'c'.repeat(96), 'x@md5:' + 'd'.repeat(32), 'x@sha256:' + hex64 + 'a',
  hex64, 'sha256:' + hex64, 'x:' + 'y'.repeat(128), 'x:' + 'y'.repeat(129), 'x:.y', 'x:_y', 'x:-y', 'a/'.repeat(130) + 'b', 'ex.com/' + 'a'.repeat(246),
  'ex.com/' + 'a'.repeat(247), 'a:b/c', 'a/b:c/d', 'a/b:c:d', '', ' ', 'a b', 'a\tb', 'a//b', '/a', 'a/',
];

function generated(count: number): string[] {
  // Deterministic pseudo-random references assembled from the grammar's pieces, valid and not.
  const pieces = ['a', 'b1', 'x-y', 'x--y', 'x_y', 'x__y', 'x.y', '.', '-', '_', '/', ':', '@', 'localhost', 'ex.com', 'ex.com:5000', 'A', 'sha256:' + hex64, '9', 'docker.io', 'index.docker.io'];
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + (next() % 6);
    let s = '';
    for (let k = 0; k < n; k++) s += pieces[next() % pieces.length];
    out.push(s);
  }
  return out;
}

test('parses every reference exactly as distribution/reference ParseNormalizedNamed does', (t) => {
  let bin: string | undefined;
  try {
    bin = buildOracle();
  } catch (e) {
    return t.skip(`cannot build the Go oracle: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!bin) return t.skip('golang-github-docker-distribution-dev not installed');
  const cases = [...FIXED, ...generated(5000)].filter((c) => !/[\n\r]/.test(c));
  const r = spawnSync(bin, { input: cases.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
  const lines = r.stdout.split('\n');
  let valid = 0;
  cases.forEach((c, i) => {
    const ours = tryParseImageReference(c);
    const got = ours ? [ours.registry, ours.repository, ours.tag ?? '', ours.digest ?? '', familiarReference(ours)].join('\t') : 'ERR';
    // One deliberate difference: where the first component is neither a valid host nor
    // Docker Hub (`foo_bar.com/x`), the library returns a name with an empty registry,
    // which nothing can pull from; we refuse it.
    const expected = lines[i]?.startsWith('\t') ? 'ERR' : lines[i];
    assert.equal(got, expected, `reference ${JSON.stringify(c)}`);
    if (ours) valid++;
  });
  assert.ok(valid > 200, `only ${valid} valid cases`);
  t.diagnostic(`${cases.length} references compared, ${valid} valid`);
});

test('errors name the reference and the problem', () => {
  assert.throws(() => parseImageReference('Foo/bar'), /"Foo\/bar": repository name must be lowercase/);
  assert.throws(() => parseImageReference('x@sha256:abc'), /invalid digest/);
});

test('the patterns are linear-time', () => {
  const source = String(parseImageReference);
  assert.ok(source.length > 0);
  for (const pattern of [
    /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/,
    /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/,
    /^\w[\w.-]{0,127}$/,
    /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/,
  ]) {
    assert.equal(checkSync(pattern.source, pattern.flags).status, 'safe', pattern.source);
  }
  // And the adversarial string for the grammar as published finishes.
  assert.equal(tryParseImageReference(`${'a'.repeat(50_000)}!`), undefined);
});
