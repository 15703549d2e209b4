/**
 * Table writer tests. The expectations come from the input result (names, counts,
 * layers, locations) and from the layout rules the brief sets: aligned columns, plain
 * ASCII without colour, every line within the width, nothing from the image able to
 * emit a terminal control sequence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ecosystem, LayerRef, Package, ScanResult, VulnerabilityFinding } from '../../core/types.js';
import { tableWriter } from './table.js';
import { vulnerableResult } from './test-support/vulnerable-result.js';

const LAYERS: LayerRef[] = [
  { index: 0, diffID: `sha256:${'a'.repeat(64)}`, createdBy: '# debian.sh --arch amd64 out/ bookworm' },
  { index: 1, diffID: `sha256:${'b'.repeat(64)}`, createdBy: 'RUN apt-get install -y python3-requests' },
  { index: 2, diffID: `sha256:${'c'.repeat(64)}`, createdBy: 'COPY /app /app' },
];

function p(fields: Partial<Package> & Pick<Package, 'ecosystem' | 'name' | 'version'>): Package {
  return {
    id: `${fields.ecosystem}:${fields.name}@${fields.version}:${fields.locations?.[0] ?? ''}`,
    purl: `pkg:${fields.ecosystem}/${encodeURIComponent(fields.name)}@${encodeURIComponent(fields.version)}`,
    locations: ['/var/lib/dpkg/status'],
    foundBy: 'test',
    ...fields,
  };
}

function sampleResult(): ScanResult {
  const deb = { ecosystem: 'deb' as const, layer: LAYERS[0]!, locations: ['/var/lib/dpkg/status'] };
  return {
    schemaVersion: 1,
    tool: { name: 'stockade', version: '0.1.0' },
    createdAt: '2024-05-01T12:34:56Z',
    target: {
      name: 'python:3.12-slim',
      sourceKind: 'registry',
      manifestDigest: `sha256:${'d'.repeat(64)}`,
      configDigest: `sha256:${'e'.repeat(64)}`,
      repoTags: ['python:3.12-slim'],
      repoDigests: [],
      platform: { os: 'linux', architecture: 'amd64' },
      layers: LAYERS,
    },
    os: { family: 'debian', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', source: '/etc/os-release' },
    packages: [
      p({ ...deb, name: 'libc6', version: '2.36-9+deb12u4', source: { name: 'glibc', version: '2.36-9+deb12u4' } }),
      p({ ...deb, name: 'passwd', version: '4.13+dfsg1-1', epoch: 1, source: { name: 'shadow', version: '1:4.13+dfsg1-1' } }),
      // A binNMU: the binary version differs from its source's.
      p({ ...deb, name: 'libssl3', version: '3.0.11-1~deb12u2+b1', source: { name: 'openssl', version: '3.0.11-1~deb12u2' } }),
      p({ ...deb, name: 'bash', version: '5.2.15-2+b2', source: { name: 'bash', version: '5.2.15-2+b2' } }),
      p({ ecosystem: 'pypi', name: 'requests', version: '2.28.1', layer: LAYERS[1]!,
        locations: ['/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO'] }),
      p({ ecosystem: 'pypi', name: 'idna', version: '3.3', layer: LAYERS[1]!,
        locations: ['/usr/lib/python3/dist-packages/idna-3.3.egg-info/PKG-INFO'] }),
      p({ ecosystem: 'npm', name: '@babel/core', version: '7.24.0', layer: LAYERS[2]!,
        locations: ['/app/node_modules/@babel/core/package.json', '/app/package-lock.json'] }),
      p({ ecosystem: 'npm', name: 'semver', version: '6.3.1', layer: LAYERS[2]!,
        locations: ['/app/node_modules/@babel/core/node_modules/semver/package.json'] }),
      p({ ecosystem: 'npm', name: 'semver', version: '7.6.0', layer: LAYERS[2]!, locations: ['/app/node_modules/semver/package.json'] }),
      // No layer: as from a root-filesystem scan.
      p({ ecosystem: 'golang', name: 'github.com/spf13/cobra', version: 'v1.8.0', locations: ['/usr/local/bin/tool'] }),
    ],
    warnings: [],
  };
}

function ecosystemsOf(result: ScanResult): Map<Ecosystem, Package[]> {
  const m = new Map<Ecosystem, Package[]>();
  for (const pkg of result.packages) m.set(pkg.ecosystem, [...(m.get(pkg.ecosystem) ?? []), pkg]);
  return m;
}

/** The lines of one ecosystem's section: title, header, rule, rows. */
function section(lines: string[], ecosystem: string): { title: string; header: string; rows: string[] } {
  const start = lines.findIndex((l) => l.startsWith(`${ecosystem} (`));
  assert.ok(start >= 0, `section for ${ecosystem}`);
  const end = lines.findIndex((l, i) => i > start && l === '');
  return { title: lines[start]!, header: lines[start + 1]!, rows: lines.slice(start + 3, end) };
}

/** Start offsets of the header's column names. */
function columnStarts(header: string): Map<string, number> {
  return new Map([...header.matchAll(/\S+/g)].map((m) => [m[0], m.index!]));
}

const SGR = /\x1b\[[0-9;]*m/g;

test('header block names target, digest, OS and layer count', () => {
  const result = sampleResult();
  const lines = tableWriter.write(result, { color: false }).split('\n');
  const value = (label: string) => lines.find((l) => l.startsWith(`${label}:`))?.slice(label.length + 1).trim();
  assert.equal(value('Target'), result.target.name);
  assert.equal(value('Digest'), result.target.manifestDigest);
  assert.equal(value('OS'), result.os!.prettyName);
  assert.equal(value('Layers'), String(result.target.layers.length));
});

test('a section per ecosystem with its count, and the summary line', () => {
  const result = sampleResult();
  const lines = tableWriter.write(result, { color: false }).split('\n');
  const groups = ecosystemsOf(result);
  for (const [eco, pkgs] of groups) {
    assert.equal(section(lines, eco).title, `${eco} (${pkgs.length} package${pkgs.length === 1 ? '' : 's'})`);
  }
  assert.ok(lines.includes(`${result.packages.length} packages in ${groups.size} ecosystems`));
});

test('columns are aligned and rows hold the package facts, sorted by name', () => {
  const result = sampleResult();
  const lines = tableWriter.write(result, { color: false }).split('\n');
  for (const [eco, pkgs] of ecosystemsOf(result)) {
    const { header, rows } = section(lines, eco);
    const starts = columnStarts(header);
    assert.equal(starts.get('NAME'), 0);
    const order = [...starts.values()];
    for (const row of rows) {
      order.slice(1).forEach((s, i) => {
        if (row.length <= s) return; // trailing empty cells are trimmed
        assert.equal(row.slice(s - 2, s), '  ', `gap before column at ${s} in ${JSON.stringify(row)}`);
        const blankCell = row.slice(s, order[i + 2] ?? row.length).trim() === ''; // an empty SOURCE cell
        if (!blankCell) assert.notEqual(row[s], ' ', `cell starts at ${s} in ${JSON.stringify(row)}`);
      });
    }
    const names = rows.map((r) => r.slice(0, starts.get('VERSION')).trimEnd());
    assert.deepEqual(names, pkgs.map((x) => x.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const cell = (row: string, col: string): string => {
      const s = starts.get(col)!;
      const next = order.find((o) => o > s) ?? row.length;
      return row.slice(s, next).trim();
    };
    for (const row of rows) {
      const name = cell(row, 'NAME');
      const version = cell(row, 'VERSION');
      const pkg = pkgs.find((x) => x.name === name && (x.epoch ? `${x.epoch}:${x.version}` : x.version) === version);
      assert.ok(pkg, `row ${JSON.stringify(row)} is a package of ${eco}`);
      assert.equal(cell(row, 'LAYER'), pkg.layer ? String(pkg.layer.index) : '-');
      assert.ok(cell(row, 'LOCATION').startsWith(pkg.locations[0]!));
    }
  }
});

test('source package shown only when it differs from the package', () => {
  const result = sampleResult();
  const lines = tableWriter.write(result, { color: false }).split('\n');
  const debs = section(lines, 'deb');
  const starts = columnStarts(debs.header);
  assert.ok(starts.has('SOURCE'));
  const rowOf = (name: string) => debs.rows.find((r) => r.startsWith(`${name} `))!;
  const sourceCell = (row: string) => row.slice(starts.get('SOURCE')!, starts.get('LAYER')!).trim();
  assert.equal(sourceCell(rowOf('bash')), '');
  assert.equal(sourceCell(rowOf('libc6')), 'glibc');
  assert.equal(sourceCell(rowOf('passwd')), 'shadow', 'source version equals epoch:version');
  assert.ok(sourceCell(rowOf('libssl3')).includes('openssl') && sourceCell(rowOf('libssl3')).includes('3.0.11-1~deb12u2'));
  // No package in the pypi section has a source: no SOURCE column there.
  assert.ok(!columnStarts(section(lines, 'pypi').header).has('SOURCE'));
});

test('plain ASCII without colour; every line fits the width', () => {
  const result = sampleResult();
  for (const width of [40, 60, 100]) {
    const text = tableWriter.write(result, { color: false, width });
    assert.match(text, /^[\x20-\x7e\n]*$/, 'printable ASCII only');
    for (const line of text.split('\n')) assert.ok(line.length <= width, `${line.length} > ${width}: ${line}`);
  }
  // Without a width nothing is cut: the longest location appears whole.
  const longest = result.packages.flatMap((x) => x.locations.slice(0, 1)).sort((a, b) => b.length - a.length)[0]!;
  assert.ok(tableWriter.write(result, { color: false }).includes(longest));
  // At 60 columns it does not fit and is shortened with an ASCII ellipsis.
  assert.ok(!tableWriter.write(result, { color: false, width: 60 }).includes(longest));
  assert.ok(tableWriter.write(result, { color: false, width: 60 }).includes('...'));
});

test('colour uses only SGR codes, and visible width still fits', () => {
  const text = tableWriter.write(sampleResult(), { color: true, width: 70 });
  assert.ok(text.includes('\x1b[1m'));
  assert.ok(!text.replace(SGR, '').includes('\x1b'));
  for (const line of text.replace(SGR, '').split('\n')) assert.ok([...line].length <= 70, line);
});

test('control characters from the image never reach the terminal', () => {
  const result = sampleResult();
  result.packages.push(p({ ecosystem: 'npm', name: 'evil\x1b]0;owned\x07\x1b[2J', version: '1.0.0\r', layer: LAYERS[2]!,
    locations: ['/app/node_modules/evil\x9b31m/package.json'] }));
  result.target.name = 'img\x1b[31m';
  for (const color of [false, true]) {
    const text = tableWriter.write(result, { color });
    const withoutOurCodes = text.replace(/\x1b\[[012]m/g, '');
    assert.doesNotMatch(withoutOurCodes, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, `color=${color}`);
  }
});

test('empty inventory, warnings and an incomplete inventory are said plainly', () => {
  const empty: ScanResult = { ...sampleResult(), packages: [], os: undefined };
  delete empty.os;
  const text = tableWriter.write(empty, { color: false });
  assert.ok(text.includes('No packages found.'));
  assert.ok(text.includes('0 packages in 0 ecosystems'));
  assert.ok(text.includes('OS:'));
  const warned = sampleResult();
  warned.warnings = [
    { input: '/var/lib/rpm/rpmdb.sqlite', message: 'file is not a database', incomplete: true },
    { input: '/var/lib/dpkg/status', message: 'record 3: bad Version' },
  ];
  const out = tableWriter.write(warned, { color: false });
  assert.ok(out.includes('2 warnings'));
  assert.ok(out.split('\n').some((l) => l.includes('incomplete') && l.includes('/var/lib/rpm/rpmdb.sqlite')));
  const one = sampleResult();
  one.packages = one.packages.slice(0, 1);
  assert.ok(tableWriter.write(one, { color: false }).includes('1 package in 1 ecosystem\n'));
});

test('writer metadata', () => {
  assert.equal(tableWriter.id, 'table');
  assert.ok(tableWriter.description.length > 0);
});

// ---------------------------------------------------------------------------
// Vulnerabilities. Expectations come from the input findings (counted here, not by
// the writer's helpers) and from the brief's layout: a section per target, most
// severe first, Trivy's Total line, suppressed findings only counted.
// ---------------------------------------------------------------------------

const LEVELS = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/** `Total: N (UNKNOWN: a, LOW: b, MEDIUM: c, HIGH: d, CRITICAL: e)` computed from the findings themselves. */
function expectedTotal(findings: readonly VulnerabilityFinding[]): string {
  const n = (level: string) => findings.filter((f) => f.severity.level === level).length;
  return `Total: ${findings.length} (${LEVELS.map((l) => `${l}: ${n(l)}`).join(', ')})`;
}

/** Rows of the vulnerability table that follows `title`: header, rule, rows up to the blank line. */
function vulnSection(lines: string[], title: string): { total: string; header: string; rows: string[] } {
  const start = lines.indexOf(title);
  assert.ok(start >= 0, `section ${title} in:\n${lines.join('\n')}`);
  let end = lines.findIndex((l, i) => i > start && l === '');
  if (end < 0) end = lines.length;
  return { total: lines[start + 1]!, header: lines[start + 2]!, rows: lines.slice(start + 4, end).filter((l) => !l.startsWith('* ')) };
}

function cellsOf(header: string, row: string): Record<string, string> {
  const starts = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index! }));
  const out: Record<string, string> = {};
  starts.forEach((s, i) => { out[s.name] = row.slice(s.at, starts[i + 1]?.at ?? row.length).trim(); });
  return out;
}

test('vulnerabilities: overall and per-target totals, suppressed only counted', () => {
  const result = vulnerableResult();
  const text = tableWriter.write(result, { color: false });
  const lines = text.split('\n');
  const active = result.vulnerabilities!.filter((f) => !f.suppressed);
  const suppressed = result.vulnerabilities!.filter((f) => f.suppressed);
  const at = lines.indexOf('Vulnerabilities');
  assert.ok(at > 0);
  assert.equal(lines[at + 1], expectedTotal(active));
  assert.equal(lines[at + 2], `${suppressed.length} suppressed (see --format json)`);
  for (const f of suppressed) assert.ok(!text.includes(f.id), `suppressed ${f.id} not listed`);
  for (const f of active) assert.ok(text.includes(f.id), `${f.id} listed`);
  const debs = vulnSection(lines, 'deb: Debian GNU/Linux 12 (bookworm) packages');
  const debFindings = active.filter((f) => result.packages.find((p) => p.id === f.packageId)!.ecosystem === 'deb');
  assert.equal(debs.total, expectedTotal(debFindings));
  assert.equal(debs.rows.length, debFindings.length);
});

test('vulnerabilities: one section per target, OS first, then each ecosystem by manifest', () => {
  const lines = tableWriter.write(vulnerableResult(), { color: false }).split('\n');
  const titles = lines.filter((l, i) => lines[i + 1]?.startsWith('Total: ') && l !== 'Vulnerabilities');
  assert.deepEqual(titles, [
    'deb: Debian GNU/Linux 12 (bookworm) packages',
    'npm: /app/package-lock.json',
    'npm: installed packages',
    'pypi: installed packages',
    'golang: /usr/local/bin/tool',
  ]);
  // Loose packages name their file.
  const npm = vulnSection(lines, 'npm: installed packages');
  assert.equal(cellsOf(npm.header, npm.rows[0]!)['PATH'], '/app/node_modules/semver/package.json');
});

test('vulnerabilities: rows most severe first with library, id, status, versions, title and link', () => {
  const result = vulnerableResult();
  const lines = tableWriter.write(result, { color: false }).split('\n');
  const { header, rows } = vulnSection(lines, 'deb: Debian GNU/Linux 12 (bookworm) packages');
  assert.deepEqual([...header.matchAll(/\S+/g)].map((m) => m[0]), ['LIBRARY', 'VULNERABILITY', 'SEVERITY', 'STATUS', 'INSTALLED', 'FIXED', 'TITLE', 'LINK']);
  const ranks = rows.map((r) => LEVELS.indexOf(cellsOf(header, r)['SEVERITY'] as typeof LEVELS[number]));
  assert.ok(ranks.every((r) => r >= 0));
  assert.deepEqual(ranks, [...ranks].sort((a, b) => b - a), 'CRITICAL first');
  for (const row of rows) {
    const c = cellsOf(header, row);
    const f = result.vulnerabilities!.find((v) => v.id === c['VULNERABILITY'] && v.packageName === c['LIBRARY'])!;
    assert.ok(f, row);
    assert.equal(c['STATUS'], f.status);
    assert.equal(c['INSTALLED'], f.installedVersion);
    assert.equal(c['FIXED'], f.fixedVersions.join(', '));
    assert.equal(c['TITLE'], f.title);
    assert.equal(c['LINK'], f.primaryUrl);
  }
});

test('vulnerabilities: an OS-owned match is marked and explained', () => {
  const lines = tableWriter.write(vulnerableResult(), { color: false }).split('\n');
  const start = lines.indexOf('pypi: installed packages');
  assert.ok(lines[start + 4]!.startsWith('requests *'));
  assert.ok(lines[start + 5]!.startsWith('* installed by an OS package'));
});

test('vulnerabilities: the inventory shrinks to a summary line', () => {
  const result = vulnerableResult();
  const text = tableWriter.write(result, { color: false });
  assert.ok(!text.includes('NAME  '), 'no inventory table');
  const ecosystems = new Set(result.packages.map((x) => x.ecosystem));
  assert.ok(text.includes(`Inventory: ${result.packages.length} packages in ${ecosystems.size} ecosystems (`));
  // Without vulnerabilities the full inventory is still printed.
  delete result.vulnerabilities;
  assert.ok(tableWriter.write(result, { color: false }).includes('NAME  '));
});

test('vulnerabilities: every line fits the width; links give way first and that is said', () => {
  const result = vulnerableResult();
  for (const width of [80, 100, 120, 160]) {
    const text = tableWriter.write(result, { color: false, width });
    assert.match(text, /^[\x20-\x7e\n]*$/);
    for (const line of text.split('\n')) assert.ok(line.length <= width, `${line.length} > ${width}: ${line}`);
    for (const f of result.vulnerabilities!.filter((v) => !v.suppressed)) assert.ok(text.includes(f.id), `${width}: ${f.id} whole`);
  }
  const narrow = tableWriter.write(result, { color: false, width: 100 });
  assert.ok(!narrow.includes('https://'));
  assert.ok(narrow.includes('Advisory links left out to fit the terminal width'));
  const wide = tableWriter.write(result, { color: false });
  assert.ok(wide.includes('https://security-tracker.debian.org/tracker/CVE-2023-45853'));
  assert.ok(!wide.includes('Advisory links left out'));
});

test('vulnerabilities: colour marks severities with SGR only; hostile advisory text is neutralised', () => {
  const result = vulnerableResult();
  const f = result.vulnerabilities!.find((v) => v.severity.level === 'CRITICAL')!;
  f.title = 'evil\x1b]8;;http://x\x07link\x1b]8;;\x07\x1b[2J';
  f.primaryUrl = 'javascript:alert(1)';
  f.id = 'CVE-2023-45853\x1b[31m';
  const text = tableWriter.write(result, { color: true, width: 200 });
  assert.ok(text.includes('\x1b[1;31mCRITICAL\x1b[0m'));
  assert.doesNotMatch(text.replace(SGR, ''), /[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  for (const line of text.replace(SGR, '').split('\n')) assert.ok([...line].length <= 200, line);
  // With no width every link is printed: still only http(s) ones.
  const unbounded = tableWriter.write(result, { color: false });
  assert.ok(unbounded.includes('https://'));
  assert.ok(!unbounded.includes('javascript:'));
});

test('vulnerabilities: a clean scan and an all-suppressed scan say so', () => {
  const clean = vulnerableResult();
  clean.vulnerabilities = [];
  const text = tableWriter.write(clean, { color: false });
  assert.ok(text.includes('Total: 0 (UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0)'));
  assert.ok(text.includes('No vulnerabilities found.'));
  const quiet = vulnerableResult();
  quiet.vulnerabilities = quiet.vulnerabilities!.filter((v) => v.suppressed);
  const out = tableWriter.write(quiet, { color: false });
  assert.ok(out.includes(`${quiet.vulnerabilities.length} suppressed`));
  assert.ok(out.includes('No vulnerabilities found that are not suppressed.'));
});

test('vulnerabilities: same input, same text', () => {
  const a = tableWriter.write(vulnerableResult(), { color: false, width: 120 });
  const shuffled = vulnerableResult();
  shuffled.vulnerabilities!.reverse();
  shuffled.packages.reverse();
  assert.equal(tableWriter.write(shuffled, { color: false, width: 120 }), a);
});
