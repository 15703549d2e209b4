// Vulnerability scanning end to end through the CLI: advisories imported from the
// corpus (pypa/advisory-database, real OSV records), the bundled demo image scanned.
// Oracle: osv.dev's own enumeration of affected versions in each pypa record
// (`versions`): the findings for each Python package must be exactly the advisories
// whose enumeration lists the installed version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ERROR_CODES } from '../core/errors.js';
import type { ScanResult } from '../core/types.js';
import { DEMO_IMAGE, buildDemoImage } from '../examples/build-demo-image.js';
import { REPO_ROOT, corpusPath } from '../testing/corpus.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface PypaRecord {
  id: string;
  aliases?: string[];
  withdrawn?: string;
  affected?: Array<{ package?: { name: string }; versions?: string[] }>;
}

/** Advisory ids whose osv.dev enumeration lists name@version. */
function expectedIds(root: string, name: string, version: string): Set<string> {
  const dir = join(root, name.toLowerCase());
  const ids = new Set<string>();
  if (!existsSync(dir)) return ids;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    const rec = parseYaml(readFileSync(join(dir, f), 'utf8')) as PypaRecord;
    if (rec.withdrawn) continue;
    if ((rec.affected ?? []).some((a) => a.versions?.includes(version))) ids.add(rec.id);
  }
  return ids;
}

test('demo image against the pypa advisories: exactly the enumerated advisories, per package', { timeout: 600_000 }, async (t) => {
  const pypa = corpusPath('vulndata', 'pypa', 'vulns');
  if (!pypa) return t.skip('corpus pypa data absent');
  if (!existsSync(DEMO_IMAGE)) await buildDemoImage();
  const cache = mkdtempSync(join(tmpdir(), 'stockade-vuln-'));
  const imported = run(['db', 'import', pypa, '--cache-dir', cache, '-q']);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /imported/);

  const scan = run(['image', '--input', DEMO_IMAGE, '--cache-dir', cache, '--skip-db-update', '-f', 'json', '-q']);
  assert.equal(scan.code, 0, scan.stderr);
  const result = JSON.parse(scan.stdout) as ScanResult;
  const pythonPackages = result.packages.filter((p) => p.ecosystem === 'pypi');
  assert.ok(pythonPackages.length >= 4);
  let compared = 0;
  for (const p of pythonPackages) {
    const expected = expectedIds(pypa, p.name, p.version);
    const found = (result.vulnerabilities ?? []).filter((f) => f.packageId === p.id);
    const foundIds = new Set(found.flatMap((f) => [f.id, ...f.aliases]).filter((i) => i.startsWith('PYSEC-')));
    assert.deepEqual([...foundIds].sort(), [...expected].sort(), `${p.name}@${p.version}`);
    compared += expected.size;
    for (const f of found) {
      assert.equal(f.installedVersion, p.version);
      assert.ok(f.status === 'fixed' ? f.fixedVersions.length > 0 : true);
    }
  }
  assert.ok(compared > 5, `only ${compared} advisories compared`);

  // --exit-code gates on what remains; --severity filters what remains.
  const gated = run(['image', '--input', DEMO_IMAGE, '--cache-dir', cache, '--skip-db-update', '-f', 'json', '-q', '--exit-code', '3']);
  assert.equal(gated.code, 3);
  const none = run(['image', '--input', DEMO_IMAGE, '--cache-dir', cache, '--skip-db-update', '-f', 'json', '-q', '--exit-code', '3', '--severity', 'UNKNOWN', '--scanners', 'vuln']);
  const unknownOnly = (JSON.parse(none.stdout) as ScanResult).vulnerabilities ?? [];
  assert.ok(unknownOnly.every((f) => f.severity.level === 'UNKNOWN'));
  assert.equal(none.code, unknownOnly.length > 0 ? 3 : 0);

  // The same findings from our own SBOM of the image.
  const sbomFile = join(cache, 'demo.cdx.json');
  assert.equal(run(['image', '--input', DEMO_IMAGE, '--cache-dir', cache, '--scanners', 'none', '-f', 'cyclonedx', '-o', sbomFile, '-q']).code, 0);
  const fromSbom = run(['sbom', sbomFile, '--cache-dir', cache, '--skip-db-update', '-f', 'json', '-q']);
  assert.equal(fromSbom.code, 0, fromSbom.stderr);
  // Names compared as purls carry them (PyPI names are normalised in purls).
  const ids = (r: ScanResult) => (r.vulnerabilities ?? []).map((f) => `${f.packageName.toLowerCase()}@${f.installedVersion} ${f.id}`).sort();
  assert.deepEqual(ids(JSON.parse(fromSbom.stdout) as ScanResult), ids(result));
});

test('no database: an inventory with a plain warning by default, an error when a gate depends on it', { timeout: 120_000 }, async () => {
  if (!existsSync(DEMO_IMAGE)) await buildDemoImage();
  const cache = mkdtempSync(join(tmpdir(), 'stockade-nodb-'));
  const soft = run(['image', '--input', DEMO_IMAGE, '--cache-dir', cache, '--skip-db-update', '-f', 'json']);
  assert.equal(soft.code, 0, soft.stderr);
  assert.match(soft.stderr, /no vulnerability database at .*vulnerabilities were NOT scanned/);
  assert.equal((JSON.parse(soft.stdout) as ScanResult).vulnerabilities, undefined);
  const gate = run(['image', '--input', DEMO_IMAGE, '--cache-dir', cache, '--skip-db-update', '--exit-code', '1']);
  assert.equal(gate.code, ERROR_CODES.not_found.exit);
  assert.match(gate.stderr, /^stockade: vulnerability database: missing at /m);
});
