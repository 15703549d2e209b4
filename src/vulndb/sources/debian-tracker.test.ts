import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusPath } from '../../testing/corpus.js';
import { debianTrackerSource } from './debian-tracker.js';
import { LIMITS, collectFrom, schemaValidator } from './test-support/collect.js';
import type { SourceReadOptions } from '../source.js';

const collect = (path: string, options = LIMITS) => collectFrom(debianTrackerSource, path, options);

interface Part {
  pkg_name: string;
  ecosystem: string;
  fixed_version: { affected_versions: Array<Record<string, string>> };
  ecosystem_specific: { urgency: string };
}

test("osv.dev's Debian converter parts are the oracle for the tracker mock", async (t) => {
  const mock = corpusPath('vulndata', 'osv-dev', 'vulnfeeds', 'test_data', 'debian', 'debian_security_tracker_mock.json');
  const partsDir = corpusPath('vulndata', 'osv-dev', 'vulnfeeds', 'test_data', 'parts', 'debian');
  if (!mock || !partsDir) return t.skip('corpus osv-dev Debian test data missing');
  const { records, skips } = await collect(mock);
  assert.deepEqual(skips, []);
  const raw = JSON.parse(readFileSync(mock, 'utf8')) as Record<string, Record<string, { description: string }>>;
  const expectedIds = Object.entries(raw).flatMap(([pkg, issues]) => Object.keys(issues).map((cve) => `DEBIAN-${cve}-${pkg}`));
  assert.deepEqual(records.map((r) => r.record.id).sort(), expectedIds.sort());

  const parts = new Map(readdirSync(partsDir).map((f) => [f.replace('.debian.json', ''), JSON.parse(readFileSync(join(partsDir, f), 'utf8')) as Part[]]));
  for (const { record } of records) {
    const cve = record.aliases?.[0];
    assert.ok(cve && record.id === `DEBIAN-${cve}-apparmor`, record.id);
    assert.deepEqual(record.upstream, [cve]);
    assert.equal(record.details, raw['apparmor']![cve]!.description);
    const ours = (record.affected ?? []).map((a) => ({
      pkg: a.package?.name,
      ecosystem: a.package?.ecosystem,
      events: a.ranges?.[0]?.events,
      urgency: a.ecosystem_specific?.['urgency'],
    }));
    const part = parts.get(cve);
    if (!part) {
      // No part was written for this CVE: every release was resolved at version 0.
      assert.deepEqual(ours, [], `${cve}: osv.dev wrote no affected package`);
      continue;
    }
    const theirs = part.map((p) => ({ pkg: p.pkg_name, ecosystem: p.ecosystem, events: p.fixed_version.affected_versions, urgency: p.ecosystem_specific.urgency }));
    assert.deepEqual(ours, theirs, cve);
  }

  // CVE-2014-1424 is resolved at "0" in buster..trixie and sid: not affected, and
  // kept as such; sid has no release number and is left out.
  const never = records.find((r) => r.record.id === 'DEBIAN-CVE-2014-1424-apparmor')!.record;
  const notAffected = (never.database_specific?.['not_affected'] as Array<{ ecosystem: string }>).map((n) => n.ecosystem);
  assert.deepEqual(notAffected, ['Debian:10', 'Debian:11', 'Debian:12', 'Debian:13']);
  for (const { record } of records) {
    const ecosystems = [
      ...(record.affected ?? []).map((a) => a.package?.ecosystem),
      ...((record.database_specific?.['not_affected'] as Array<{ ecosystem: string }> | undefined) ?? []).map((n) => n.ecosystem),
    ];
    assert.ok(ecosystems.every((e) => /^Debian:\d+$/.test(e ?? '')), `${record.id}: ${ecosystems.join(', ')}`);
  }

  const validate = schemaValidator();
  for (const { record } of records) assert.ok(validate(record), `${record.id}: ${JSON.stringify(validate.errors)}`);
});

test('tracker semantics: open, undetermined, postponed, ignored, end-of-life, TEMP ids, sid-only entries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-debian-'));
  try {
    // Hand-written from the tracker's documented semantics
    // (https://security-team.debian.org/security_tracker.html): "resolved" carries the
    // first fixed version, "0" meaning never affected; "open" and "undetermined" are
    // unfixed; <no-dsa> notes carry a reason, with "postponed" and "ignored" as tags.
    const doc = {
      openssl: {
        'CVE-2099-0001': {
          description: 'A flaw.',
          scope: 'remote',
          debianbug: 123456,
          releases: {
            sid: { status: 'resolved', fixed_version: '3.1.0-1', urgency: 'low' },
            trixie: { status: 'resolved', fixed_version: '3.1.0-1', urgency: 'low' },
            bookworm: { status: 'open', urgency: 'low', nodsa: 'Minor issue', nodsa_reason: 'postponed' },
            bullseye: { status: 'open', urgency: 'low', nodsa: 'Minor issue', nodsa_reason: 'ignored' },
            buster: { status: 'open', urgency: 'end-of-life' },
            stretch: { status: 'undetermined', urgency: 'not yet assigned' },
            experimental: { status: 'resolved', fixed_version: '3.2.0-1', urgency: 'low' },
          },
        },
      },
      bash: {
        'TEMP-0841856-B18BAF': { description: 'privmode setuid fails', releases: { bookworm: { status: 'open', urgency: 'unimportant' } } },
      },
      'sid-only': { 'CVE-2099-0002': { releases: { sid: { status: 'open', urgency: 'low' } } } },
      broken: 'not an object',
      zlib: { 'CVE-2099-0003': 'not an object either' },
    };
    const path = join(dir, 'json');
    writeFileSync(path, JSON.stringify(doc));
    const { records, skips } = await collect(path);
    assert.deepEqual(skips.map((s) => s.origin.slice(path.length)), ['#broken', '#zlib/CVE-2099-0003']);
    assert.deepEqual(records.map((r) => r.record.id), ['DEBIAN-CVE-2099-0001-openssl', 'DEBIAN-TEMP-0841856-B18BAF-bash']);

    const temp = records[1]!.record;
    assert.equal(temp.aliases, undefined, 'a TEMP id is no CVE alias');
    assert.deepEqual(temp.affected?.map((a) => a.package?.ecosystem), ['Debian:12']);

    const cve = records[0]!.record;
    assert.deepEqual(cve.aliases, ['CVE-2099-0001']);
    assert.deepEqual(
      cve.affected?.map((a) => [a.package?.ecosystem, a.ranges?.[0]?.events, a.ecosystem_specific]),
      [
        ['Debian:9', [{ introduced: '0' }], { urgency: 'not yet assigned', status: 'undetermined' }],
        ['Debian:10', [{ introduced: '0' }], { urgency: 'end-of-life', status: 'open' }],
        ['Debian:11', [{ introduced: '0' }], { urgency: 'low', status: 'open', nodsa: 'Minor issue', nodsa_reason: 'ignored' }],
        ['Debian:12', [{ introduced: '0' }], { urgency: 'low', status: 'open', nodsa: 'Minor issue', nodsa_reason: 'postponed' }],
        ['Debian:13', [{ introduced: '0' }, { fixed: '3.1.0-1' }], { urgency: 'low', status: 'resolved' }],
      ],
    );
    assert.deepEqual(cve.references?.map((r) => r.url), ['https://security-tracker.debian.org/tracker/CVE-2099-0001', 'https://bugs.debian.org/123456']);
    assert.equal(cve.database_specific?.['scope'], 'remote');

    const validate = schemaValidator();
    for (const { record } of records) assert.ok(validate(record), `${record.id}: ${JSON.stringify(validate.errors)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a tracker export larger than maxRecordBytes is read a package at a time, across chunk boundaries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-debian-'));
  try {
    // 6,000 packages of ~500 bytes: 3 MB, so members straddle the reader's 1 MiB chunks;
    // keys and descriptions carry escapes and braces to keep the scanner honest.
    const doc: Record<string, unknown> = {};
    for (let i = 0; i < 6000; i++) {
      doc[`pkg${i}\u00e9`] = {
        [`CVE-2099-${10000 + i}`]: {
          description: `brace } bracket ] quote " backslash \\ comma , number ${i}`,
          releases: { bookworm: { status: 'resolved', fixed_version: `1.${i}-1`, urgency: 'low' }, sid: { status: 'open', urgency: 'low' } },
        },
      };
    }
    const path = join(dir, 'json');
    writeFileSync(path, JSON.stringify(doc, null, 1));
    const { records, skips } = await collect(path, { ...LIMITS, maxRecordBytes: 4096 });
    assert.deepEqual(skips, []);
    // JSON.parse of the whole file is the independent reading.
    const whole = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, { description: string; releases: { bookworm: { fixed_version: string } } }>>;
    const expected = Object.entries(whole).flatMap(([pkg, issues]) => Object.entries(issues).map(([cve, d]) => [`DEBIAN-${cve}-${pkg}`, d.description, d.releases.bookworm.fixed_version]));
    assert.deepEqual(records.map((r) => [r.record.id, r.record.details, (r.record.affected?.[0]?.ranges?.[0]?.events[1] as { fixed: string }).fixed]), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hostile tracker files: invalid JSON, wrong shape, too large, too deep', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-debian-'));
  try {
    const write = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const cases: Array<[string, RegExp, SourceReadOptions?]> = [
      [write('truncated.json', '{"apparmor": {"CVE-2014-1424": {"releases": '), /^not a JSON object of members: truncated/],
      [write('array.json', '[1, 2, 3]'), /^not a JSON object of members: expected \{ at byte 0/],
      [write('garbage.json', '{"a": {}} trailing'), /^not a JSON object of members: data after the closing \}/],
      [write('badkey.json', '{p: {}}'), /^not a JSON object of members: expected a key/],
      [write('badvalue.json', '{"p": {"CVE-1-1": tru}}'), /^not valid JSON/],
      [write('member.json', JSON.stringify({ p: { 'CVE-1-1': { description: 'x'.repeat(5000) } } })), /^larger than 1000 bytes$/, { ...LIMITS, maxRecordBytes: 1000 }],
      [write('file.json', JSON.stringify({ p: { 'CVE-1-1': { description: 'x'.repeat(5000) } } })), /^larger than 1000 bytes \(/, { ...LIMITS, maxArchiveBytes: 1000 }],
      [write('deep.json', `{"p": {"CVE-1-1": ${'['.repeat(10_000)}${']'.repeat(10_000)}}}`), /^nested too deeply/],
      [write('not-object.json', '{"p": "just a string"}'), /^package entry is not an object of issues/],
    ];
    for (const [path, reason, options] of cases) {
      const { records, skips } = await collect(path, options);
      assert.equal(records.length, 0, path);
      assert.equal(skips.length, 1, path);
      assert.match(skips[0]!.reason, reason, path);
    }
    await assert.rejects(collect(join(dir, 'missing.json')), (e: Error & { code?: string }) => e.code === 'not_found');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('detect: the tracker by its first bytes, nothing else', (t) => {
  const mock = corpusPath('vulndata', 'osv-dev', 'vulnfeeds', 'test_data', 'debian', 'debian_security_tracker_mock.json');
  if (!mock) return t.skip('corpus osv-dev Debian mock missing');
  const d = debianTrackerSource.detect.bind(debianTrackerSource);
  assert.equal(d(mock, readFileSync(mock).subarray(0, 8192), false), true);
  assert.equal(d('/x/json', Buffer.from('{"389-ds-base": {"TEMP-0000000-1A2B3C": {'), false), true);
  assert.equal(d('/x/a.json', Buffer.from('{"id": "GHSA-1", "modified": "x"}'), false), false);
  assert.equal(d('/x', Buffer.alloc(0), true), false);
});
