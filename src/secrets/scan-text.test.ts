import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretDetector, SecretInput, SecretMatch } from './detector.js';
import { expectedPosition } from './detector-test-kit.js';
import { SECRET_DETECTORS } from './index.js';
import { looksBinary, printableStrings, scanText } from './scan-text.js';

function fakeDetector(id: string, keywords: string[], find: (input: SecretInput) => SecretMatch[], appliesToPath?: (p: string) => boolean): SecretDetector {
  const d: SecretDetector = {
    id,
    title: id,
    severity: 'LOW',
    description: 'test detector',
    remediation: 'none',
    references: [],
    frameworks: ['nist-800-190:4.1.4', 'stride:I'],
    keywords,
    find,
  };
  return appliesToPath === undefined ? d : { ...d, appliesToPath };
}

test('a detector runs only when one of its keywords occurs (any case) and its path applies', () => {
  const calls: string[] = [];
  const spy = (name: string) => (input: SecretInput): SecretMatch[] => {
    calls.push(`${name}:${input.path}`);
    return [];
  };
  const detectors = [
    fakeDetector('kw', ['needle'], spy('kw')),
    fakeDetector('path', [], spy('path'), (p) => p.endsWith('.npmrc')),
    fakeDetector('both', ['needle'], spy('both'), (p) => p.endsWith('.npmrc')),
  ];
  scanText({ path: 'a.txt', text: 'hay hay hay' }, { detectors });
  scanText({ path: 'b.txt', text: 'hay NeEdLe hay' }, { detectors });
  scanText({ path: 'c/.npmrc', text: 'hay' }, { detectors });
  scanText({ path: 'd/.npmrc', text: 'NEEDLE' }, { detectors });
  assert.deepEqual(calls, ['kw:b.txt', 'path:c/.npmrc', 'kw:d/.npmrc', 'path:d/.npmrc', 'both:d/.npmrc']);
});

test('overlapping hits keep the detector listed first; separate hits are all kept, in text order', () => {
  const text = '0123456789abcdefghijklmnopqrstuvwxyz';
  const first = fakeDetector('first', ['abc'], () => [{ start: 12, end: 20 }]);
  const second = fakeDetector('second', ['abc'], () => [{ start: 5, end: 14 }, { start: 0, end: 3 }, { start: 30, end: 34 }]);
  const hits = scanText({ path: 'x', text }, { detectors: [first, second] });
  assert.deepEqual(hits.map((h) => [h.detector.id, h.column, h.endColumn]), [['second', 1, 4], ['first', 13, 21], ['second', 31, 35]]);
  const reversed = scanText({ path: 'x', text }, { detectors: [second, first] });
  assert.deepEqual(reversed.map((h) => h.detector.id), ['second', 'second', 'second']);
});

test('out-of-range or empty matches from a detector are ignored', () => {
  const bad = fakeDetector('bad', ['abc'], () => [{ start: -1, end: 2 }, { start: 2, end: 2 }, { start: 1, end: 999 }, { start: 0, end: 3 }]);
  assert.deepEqual(scanText({ path: 'x', text: 'abcdef' }, { detectors: [bad] }).map((h) => h.masked), ['a****']);
});

test('line and column (1-based, end exclusive) match positions computed by splitting the text, across CRLF and multi-line hits', () => {
  const key = (generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string).trim().replace(/\n/g, '\r\n');
  const text = `first line\r\n\tsecond ${'é'.repeat(3)} line\r\n${key}\r\ntail`;
  const offset = text.indexOf('-----BEGIN');
  const [hit] = scanText({ path: 'k.pem', text });
  assert.ok(hit);
  const start = expectedPosition(text, offset);
  const end = expectedPosition(text, offset + key.length);
  assert.deepEqual([hit.line, hit.column, hit.endLine, hit.endColumn], [start.line, start.column, end.line, end.column]);
  assert.ok(hit.endLine > hit.line);
});

test('a PEM key inside a service-account JSON is reported once', () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const text = JSON.stringify({ type: 'service_account', private_key: key, client_email: 'a@b.iam.gserviceaccount.com' });
  const hits = scanText({ path: 'sa.json', text });
  assert.deepEqual(hits.map((h) => h.detector.id), ['SK-SECRET-0006']);
});

test('detectors give the same matches from the scanner\'s keyword index as when called on their own', () => {
  const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const text = [
    `aws_access_key_id=AKIA${'ABCDEFGHJKLMNP23'}`,
    `aws_secret_access_key=${randomBytes(30).toString('base64')}`,
    key,
    `DATABASE_URL=postgres://svc:${randomBytes(9).toString('base64url')}Q1@db/x`,
    `password = "${randomBytes(12).toString('base64')}Aa1"`,
    'secret_token: tokentokentoken aws_secret_access_key aws_secret',
  ].join('\n');
  const viaScanner = new Map<string, SecretMatch[]>();
  const wrapped = SECRET_DETECTORS.map((d) => ({ ...d, find: (input: SecretInput) => {
    const m = d.find(input);
    viaScanner.set(d.id, m);
    return m;
  } }));
  scanText({ path: 'app/.env', text }, { detectors: wrapped });
  assert.ok(viaScanner.size >= 4, `only ${viaScanner.size} detectors ran`);
  for (const d of SECRET_DETECTORS) {
    if (!viaScanner.has(d.id)) continue;
    assert.deepEqual(d.find({ path: 'app/.env', text }), viaScanner.get(d.id), d.id);
  }
});

test('hits never carry the unmasked value', () => {
  const secret = `S3cr3tValue-${randomBytes(16).toString('hex')}`;
  const det = fakeDetector('echo', ['s3cr3t'], (input) => [{ start: input.text.indexOf(secret), end: input.text.indexOf(secret) + secret.length, kind: 'k' }]);
  const hits = scanText({ path: 'x', text: `value=${secret}` }, { detectors: [det] });
  assert.equal(hits.length, 1);
  assert.equal(hits[0]?.masked, 'S3cr****');
  const json = JSON.stringify(hits);
  for (let i = 4; i + 8 <= secret.length; i++) assert.ok(!json.includes(secret.slice(i, i + 8)));
});

test('the built-in allow-list hides published example values unless turned off', () => {
  const text = 'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;';
  assert.deepEqual(scanText({ path: 'x', text }), []);
  assert.deepEqual(scanText({ path: 'x', text }, { allowlist: false }).map((h) => h.detector.id), ['SK-SECRET-0007']);
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;
  assert.deepEqual(scanText({ path: '/usr/share/doc/libfoo-perl/examples/server.pem', text: key }), []);
  assert.equal(scanText({ path: 'usr/share/doc/libfoo-perl/server.pem', text: key }).length, 1, 'only the examples directory is allowed');
});

test('looksBinary: executables, compressed data and random bytes are binary; UTF-8 and Latin-1 text is not', (t) => {
  assert.equal(looksBinary(Buffer.from('plain ascii text\nwith lines\n')), false);
  assert.equal(looksBinary(Buffer.from('Grüße, 日本語, emoji 🎉 — UTF-8 text\n'.repeat(200))), false);
  assert.equal(looksBinary(Buffer.from('caf\xe9 na\xefve r\xe9sum\xe9 in Latin-1, mostly ASCII text around it\n'.repeat(50), 'latin1')), false);
  assert.equal(looksBinary(Buffer.from([0x41, 0x00, 0x42])), true);
  assert.equal(looksBinary(randomBytes(4096)), true);
  assert.equal(looksBinary(new Uint8Array(0)), false);
  // A multi-byte sequence cut by the 8 KiB sample is not counted against the file.
  assert.equal(looksBinary(Buffer.concat([Buffer.alloc(8191, 0x61), Buffer.from('é')])), false);
  if (!existsSync('/bin/ls')) return t.skip('no /bin/ls');
  assert.equal(looksBinary(readFileSync('/bin/ls')), true);
  const dir = mkdtempSync(join(tmpdir(), 'stockade-gz-'));
  try {
    writeFileSync(join(dir, 'a.txt'), 'some text '.repeat(1000) + randomBytes(2000).toString('hex'));
    execFileSync('gzip', [join(dir, 'a.txt')]);
    assert.equal(looksBinary(readFileSync(join(dir, 'a.txt.gz'))), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('printableStrings matches strings(1) -a on an ELF executable and on crafted bytes', (t) => {
  const crafted = Buffer.concat([Buffer.from('short\0'), Buffer.from('long enough run\twith tab\x01'), Buffer.from([0xff, 0xfe]), Buffer.from('ends at EOF without NUL')]);
  assert.equal(printableStrings(crafted), 'long enough run\twith tab\nends at EOF without NUL');
  assert.equal(printableStrings(crafted, 4), 'short\nlong enough run\twith tab\nends at EOF without NUL');
  if (spawnSync('sh', ['-c', 'command -v strings']).status !== 0 || !existsSync('/bin/ls')) return t.skip('strings(1) (binutils) not installed');
  const dir = mkdtempSync(join(tmpdir(), 'stockade-strings-'));
  try {
    const file = join(dir, 'crafted');
    writeFileSync(file, crafted);
    for (const [path, n] of [['/bin/ls', 8], ['/bin/ls', 4], [file, 8], [file, 4]] as const) {
      const expected = execFileSync('strings', ['-a', '-n', String(n), path], { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 });
      assert.equal(printableStrings(readFileSync(path), n), expected.replace(/\n$/, ''), `${path} -n ${n}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a token compiled into a binary is found through printableStrings', () => {
  const token = `dckr_pat_${randomBytes(20).toString('base64url')}`;
  const elfish = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), randomBytes(512), Buffer.from(`\0${token}\0`), randomBytes(512)]);
  assert.equal(looksBinary(elfish), true);
  const hits = scanText({ path: 'usr/local/bin/app', text: printableStrings(elfish) });
  assert.deepEqual(hits.map((h) => h.detector.id), ['SK-SECRET-0015']);
});
