import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import type { Ecosystem, Package, VulnerabilityFinding } from '../core/types.js';
import { applyIgnores, indexPackages, isExpired, loadIgnoreFile, parseIgnoreFile, type IgnoreRules } from './ignore-file.js';

function pkg(id: string, ecosystem: Ecosystem, name: string, version: string, purl: string): Package {
  return { id, ecosystem, name, version, purl, locations: [], foundBy: 'test' };
}

function finding(id: string, aliases: string[], p: Package, installedVersion = p.version): VulnerabilityFinding {
  return {
    id,
    aliases,
    packageId: p.id,
    packageName: p.name,
    installedVersion,
    fixedVersions: [],
    status: 'fixed',
    severity: { level: 'HIGH', source: 'test' },
    references: [],
    dataSources: [],
  };
}

const openssl = pkg('p1', 'deb', 'openssl', '3.0.11-1~deb12u2', 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12');
const babel = pkg('p2', 'npm', '@babel/core', '7.22.0', 'pkg:npm/%40babel/core@7.22.0');
const libxml = pkg('p3', 'deb', 'libxml2', '2.9.14+dfsg-1.3', 'pkg:deb/debian/libxml2@2.9.14%2Bdfsg-1.3?arch=amd64&distro=debian-12');
const packages = indexPackages([openssl, babel, libxml]);

function expectMalformed(fn: () => unknown, source: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StockadeError, String(e));
    assert.equal(e.code, 'malformed_input');
    assert.equal(e.input, source);
    assert.ok(!e.oneLine.includes('\n'), e.oneLine);
    assert.match(e.oneLine, pattern);
    return true;
  });
}

// ---------------------------------------------------------------------------
// Parsing

test('YAML form: ids, package selectors of each kind, expiry, reason and line numbers', () => {
  const text = [
    '# accepted risks', // 1
    'vulnerabilities:', // 2
    '  - id: CVE-2023-5678', // 3
    '    packages:', // 4
    '      - pkg:deb/debian/openssl', // 5
    '      - "@babel/core@7.22.0"', // 6
    '      - libxml2', // 7
    '    expires: 2025-01-31', // 8
    '    reason: not reachable from the network', // 9
    '  - id: GHSA-jfh8-c2jp-5v3q', // 10
  ].join('\n');
  const rules = parseIgnoreFile(text, '.stockadeignore');
  assert.equal(rules.format, 'yaml');
  assert.equal(rules.rules.length, 2);
  const [first, second] = rules.rules;
  assert.equal(first?.id, 'CVE-2023-5678');
  assert.equal(first?.line, 3);
  assert.equal(first?.expires, '2025-01-31');
  assert.equal(first?.reason, 'not reachable from the network');
  assert.deepEqual(first?.packages?.map((p) => p.kind), ['purl', 'name-version', 'name']);
  const nv = first?.packages?.[1];
  assert.ok(nv?.kind === 'name-version');
  assert.equal(nv.name, '@babel/core');
  assert.equal(nv.version, '7.22.0');
  assert.equal(second?.line, 10);
  assert.equal(second?.packages, undefined);
});

test('line form (Trivy .trivyignore): comments, exp:, trailing reason', () => {
  // Shape of Trivy's documented example (trivy.dev docs/configuration/filtering, .trivyignore).
  const text = ['# Accept the risk', 'CVE-2018-14618', '', '# Accept the risk until 2023-01-01', 'CVE-2019-14697 exp:2023-01-01', '\tCVE-2019-1543   # no impact in our settings\r', 'ALSA-2022:4587'].join('\n');
  const rules = parseIgnoreFile(text, '.trivyignore');
  assert.equal(rules.format, 'lines');
  assert.deepEqual(
    rules.rules.map((r) => [r.id, r.line, r.expires, r.reason]),
    [
      ['CVE-2018-14618', 2, undefined, undefined],
      ['CVE-2019-14697', 5, '2023-01-01', undefined],
      ['CVE-2019-1543', 6, undefined, 'no impact in our settings'],
      ['ALSA-2022:4587', 7, undefined, undefined],
    ],
  );
});

test('an empty vulnerabilities list and an empty file are valid', () => {
  assert.deepEqual(parseIgnoreFile('vulnerabilities:\n', 'f').rules, []);
  assert.deepEqual(parseIgnoreFile('vulnerabilities: []\n', 'f').rules, []);
  assert.deepEqual(parseIgnoreFile('', 'f').rules, []);
  assert.deepEqual(parseIgnoreFile('# nothing yet\n', 'f').rules, []);
});

test('malformed input: one-line errors naming the file and the line', () => {
  const f = 'ci/.stockadeignore';
  expectMalformed(() => parseIgnoreFile('vulnerabilities:\n  - id: CVE-1\n    expire: 2025-01-31\n', f), f, /^ci\/\.stockadeignore: line 2: .*expire/);
  expectMalformed(() => parseIgnoreFile('vulnerabilities:\n  - id: CVE-1\n  - id: CVE-2\n    expires: 2025-02-30\n', f), f, /line 3: .*2025-02-30.* not a date/);
  expectMalformed(() => parseIgnoreFile('vulnerabilities:\n  - id: CVE-1\n    packages: ["pkg:"]\n', f), f, /line 2: package "pkg:"/);
  expectMalformed(() => parseIgnoreFile('vulnerabilities:\n  - id: "bad id with spaces"\n', f), f, /line 2: id: not a vulnerability id/);
  expectMalformed(() => parseIgnoreFile('vulnerabilities:\n  - id: CVE-1\n    reason: [unclosed\n', f), f, /line \d+: /);
  expectMalformed(() => parseIgnoreFile('vulnerabilities: {id: CVE-1}\n', f), f, /must be a list/);
  expectMalformed(() => parseIgnoreFile('vulnerabilities: []\nmisconfigurations: []\n', f), f, /line 2: unknown key "misconfigurations"/);
  expectMalformed(() => parseIgnoreFile('vulnerabilities:\n  - id: CVE-1\n    id: CVE-2\n', f), f, /line \d+: .*[Uu]nique|line \d+: .*duplicate/i);
  expectMalformed(() => parseIgnoreFile('CVE-2020-1234\nCVE-2020-5678 exp=2025-01-01\n', f), f, /line 2: unexpected "exp=2025-01-01"/);
  expectMalformed(() => parseIgnoreFile('CVE-2020-1234 exp:2025-13-01\n', f), f, /line 1: .*not a date/);
  expectMalformed(() => parseIgnoreFile('CVE-2020-1234 exp:2025-01-01 exp:2026-01-01\n', f), f, /line 1: exp: given twice/);
  expectMalformed(() => parseIgnoreFile('CVE-1\n;rm -rf\n', f), f, /line 2: .*not a vulnerability id/);
});

test('YAML alias expansion is bounded (billion laughs)', () => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  lines.push('vulnerabilities:', '  - id: CVE-1', '    reason: *a9');
  const started = Date.now();
  expectMalformed(() => parseIgnoreFile(lines.join('\n'), 'bomb.yaml'), 'bomb.yaml', /unknown key "a0"|alias/i);
  // Also when the aliases hide inside an allowed key.
  const inner = ['vulnerabilities:', '  - id: CVE-0', '    reason: &r0 x'];
  for (let i = 1; i < 12; i++) inner.push(`  - id: CVE-${i}`, `    packages: &r${i} [${Array(10).fill(`*r${i - 1}`).join(', ')}]`);
  expectMalformed(() => parseIgnoreFile(inner.join('\n'), 'bomb.yaml'), 'bomb.yaml', /alias|not a string|expected string|invalid/i);
  assert.ok(Date.now() - started < 5000, 'bounded time');
});

test('loadIgnoreFile: missing, oversized and non-UTF-8 files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stockade-ignore-'));
  try {
    assert.throws(() => loadIgnoreFile(join(dir, 'absent')), (e: unknown) => e instanceof StockadeError && e.code === 'not_found');
    const big = join(dir, 'big');
    writeFileSync(big, `${'CVE-2020-1234\n'.repeat(80_000)}`);
    assert.throws(() => loadIgnoreFile(big), (e: unknown) => e instanceof StockadeError && e.code === 'limit_exceeded' && e.input === big);
    const latin1 = join(dir, 'latin1');
    writeFileSync(latin1, Buffer.from([0x43, 0x56, 0x45, 0x2d, 0x31, 0x20, 0x23, 0x20, 0xe9, 0x0a]));
    assert.throws(() => loadIgnoreFile(latin1), (e: unknown) => e instanceof StockadeError && e.code === 'malformed_input' && /UTF-8/.test(e.message));
    const ok = join(dir, '.stockadeignore');
    writeFileSync(ok, '\uFEFFvulnerabilities:\n  - id: CVE-2023-5678\n');
    assert.equal(loadIgnoreFile(ok).rules[0]?.id, 'CVE-2023-5678');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------
// Applying

const today = new Date('2024-06-01T12:00:00Z');

function apply(text: string, findings: VulnerabilityFinding[], when = today) {
  return applyIgnores(findings, packages, parseIgnoreFile(text, '.stockadeignore'), when);
}

test('matches the finding id or any alias, case-insensitively; never removes findings', () => {
  const findings = [finding('CVE-2023-5678', ['DSA-5532-1'], openssl), finding('CVE-2024-0001', [], openssl), finding('GHSA-aaaa-bbbb-cccc', ['CVE-2023-9999'], babel)];
  const input = structuredClone(findings);
  const out = apply('dsa-5532-1\nCVE-2023-9999 # vendored, unused\n', findings);
  assert.equal(out.findings.length, 3);
  assert.deepEqual(out.findings[0]?.suppressed, { kind: 'ignorefile', source: '.stockadeignore' });
  assert.equal(out.findings[1]?.suppressed, undefined);
  assert.deepEqual(out.findings[2]?.suppressed, { kind: 'ignorefile', source: '.stockadeignore', justification: 'vendored, unused' });
  assert.deepEqual(findings, input, 'input not mutated');
});

test('package selectors: purl (qualifiers only when the rule has them), name@version, name', () => {
  const f = (p: Package) => finding('CVE-2023-5678', [], p);
  const cases: Array<[string, Package, boolean]> = [
    ['pkg:deb/debian/openssl', openssl, true],
    ['pkg:deb/debian/openssl@3.0.11-1~deb12u2', openssl, true],
    ['pkg:deb/debian/openssl@3.0.11-1~deb12u1', openssl, false],
    ['pkg:deb/debian/openssl?arch=amd64', openssl, true],
    ['pkg:deb/debian/openssl?arch=arm64', openssl, false],
    ['pkg:deb/debian/openssl?distro=debian-12&arch=amd64', openssl, true],
    ['pkg:deb/ubuntu/openssl', openssl, false],
    ['pkg:rpm/openssl', openssl, false],
    ['pkg:deb/debian/libxml2@2.9.14+dfsg-1.3', libxml, true], // percent-encoding is the parser's business
    ['pkg:npm/%40babel/core', babel, true],
    ['"@babel/core@7.22.0"', babel, true],
    ['"@babel/core@7.22.1"', babel, false],
    ['"@babel/core"', babel, true],
    ['openssl', openssl, true],
    ['openssl', babel, false],
    ['openssl@3.0.11-1~deb12u2', openssl, true],
  ];
  for (const [sel, p, expected] of cases) {
    const out = apply(`vulnerabilities:\n  - id: CVE-2023-5678\n    packages: [${sel.startsWith('"') ? sel : JSON.stringify(sel)}]\n`, [f(p)]);
    assert.equal(Boolean(out.findings[0]?.suppressed), expected, `${sel} vs ${p.purl}`);
  }
  // The matcher's version (with the epoch dpkg keeps apart) also counts.
  const withEpoch = finding('CVE-2023-5678', [], openssl, '1:3.0.11-1~deb12u2');
  assert.ok(apply('vulnerabilities:\n  - id: CVE-2023-5678\n    packages: ["openssl@1:3.0.11-1~deb12u2"]\n', [withEpoch]).findings[0]?.suppressed);
});

test('expiry: suppresses until the start of the day (UTC), then yields a note instead', () => {
  const text = 'vulnerabilities:\n  - id: CVE-2023-5678\n    expires: 2025-01-31\n    reason: waiting for upstream\n';
  const f = [finding('CVE-2023-5678', [], openssl)];
  const before = apply(text, f, new Date('2025-01-30T23:59:59.999Z'));
  assert.deepEqual(before.findings[0]?.suppressed, { kind: 'ignorefile', justification: 'waiting for upstream', source: '.stockadeignore', expires: '2025-01-31' });
  assert.deepEqual(before.expiredNotes, []);
  const after = apply(text, f, new Date('2025-01-31T00:00:00Z'));
  assert.equal(after.findings[0]?.suppressed, undefined);
  assert.deepEqual(after.expiredNotes, ['.stockadeignore:2: ignore rule for CVE-2023-5678 expired on 2025-01-31; no longer suppressing']);
  // Same for the line form, with its own line number, and one note however many findings it covered.
  const lines = apply('# header\nCVE-2023-5678 exp:2025-01-31\n', [...f, finding('CVE-2023-5678', [], libxml)], new Date('2025-02-01T00:00:00Z'));
  assert.deepEqual(lines.expiredNotes, ['.stockadeignore:2: ignore rule for CVE-2023-5678 expired on 2025-01-31; no longer suppressing']);
  assert.ok(isExpired('2024-06-01T11:00:00Z', today));
  assert.ok(!isExpired('2024-06-01T13:00:00+00:00', today));
});

test('an expired rule stays quiet when a live rule still covers the finding, or when it matches nothing', () => {
  const text = 'CVE-2023-5678 exp:2020-01-01\nCVE-2023-5678 exp:2030-01-01\nCVE-2000-0001 exp:2020-01-01\n';
  const out = apply(text, [finding('CVE-2023-5678', [], openssl)]);
  assert.equal(out.findings[0]?.suppressed?.expires, '2030-01-01');
  assert.deepEqual(out.expiredNotes, []);
});

test('a finding already suppressed (by VEX) is left as it was', () => {
  const f = { ...finding('CVE-2023-5678', [], openssl), suppressed: { kind: 'vex' as const, source: 'a.vex.json', justification: 'component_not_present' } };
  const out = apply('CVE-2023-5678\n', [f]);
  assert.equal(out.findings[0], f);
});

test('rules for unknown packages never match (a finding whose package is not in the map)', () => {
  const ghost = finding('CVE-2023-5678', [], pkg('zz', 'npm', 'ghost', '1.0.0', 'pkg:npm/ghost@1.0.0'));
  const rules: IgnoreRules = parseIgnoreFile('vulnerabilities:\n  - id: CVE-2023-5678\n    packages: ["pkg:npm/ghost"]\n', 'f');
  assert.equal(applyIgnores([ghost], packages, rules, today).findings[0]?.suppressed, undefined);
  // By name it still matches: the finding names its package.
  const byName = parseIgnoreFile('vulnerabilities:\n  - id: CVE-2023-5678\n    packages: [ghost]\n', 'f');
  assert.ok(applyIgnores([ghost], packages, byName, today).findings[0]?.suppressed);
});
