/**
 * Parity with pod-security-admission on its own test data: every file under
 * testdata/<level>/<v1.N>/pass must be allowed and every file under fail/ denied at
 * that level and version, with the check named by the file stem among the failures
 * (or the restricted check that replaces it at that version, as PSA's registry does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath } from '../../../testing/corpus.js';
import { parseYamlFile } from '../../yaml-source.js';
import { findPodTemplates } from '../workload.js';
import { checksFor, evaluatePodSecurity, PSS_CHECKS, parsePssVersion, MAX_PSS_VERSION } from './evaluate.js';
import type { PssCheckId, PssLevel } from './check.js';

const root = corpusPath('pss', 'test', 'testdata');

function stemCheck(file: string): PssCheckId | 'base' | undefined {
  const stem = file.replace(/\.yaml$/, '').replace(/\d+$/, '').toLowerCase();
  if (stem.startsWith('base')) return 'base';
  return PSS_CHECKS.find((check) => check.id.toLowerCase() === stem)?.id;
}

test('PSS conformance with pod-security-admission testdata', (t) => {
  if (!root) {
    t.skip('corpus pss/test/testdata absent (set STOCKADE_CORPUS)');
    return;
  }
  const mismatches: string[] = [];
  let total = 0;
  let agreed = 0;
  const lines: string[] = [];
  for (const level of ['baseline', 'restricted'] as PssLevel[]) {
    const versions = readdirSync(join(root, level)).sort((a, b) => parsePssVersion(a as `v${number}.${number}`).minor - parsePssVersion(b as `v${number}.${number}`).minor);
    for (const version of versions) {
      const versionSpec = version as `v${number}.${number}`;
      let n = 0;
      let ok = 0;
      for (const outcome of ['pass', 'fail'] as const) {
        let files: string[];
        try {
          files = readdirSync(join(root, level, version, outcome)).filter((f) => f.endsWith('.yaml'));
        } catch {
          continue;
        }
        for (const file of files) {
          n++;
          const where = `${level}/${version}/${outcome}/${file}`;
          const parsed = parseYamlFile(readFileSync(join(root, level, version, outcome, file), 'utf8'));
          const templates = parsed.documents.flatMap((doc) => findPodTemplates(doc.value));
          if (templates.length !== 1 || !templates[0]) {
            mismatches.push(`${where}: expected one pod, found ${templates.length}`);
            continue;
          }
          const verdict = evaluatePodSecurity(templates[0].podMetadata, templates[0].podSpec, level, versionSpec);
          const failed = verdict.failures.map((f) => f.id);
          if (outcome === 'pass') {
            if (verdict.allowed) ok++;
            else mismatches.push(`${where}: denied by ${failed.join(', ')}`);
            continue;
          }
          const named = stemCheck(file);
          if (verdict.allowed) {
            mismatches.push(`${where}: allowed`);
            continue;
          }
          // At restricted, a baseline check may be replaced by a restricted one at this version.
          const active = checksFor(level, versionSpec);
          const expected = new Set<string>(named && named !== 'base' ? [named] : []);
          for (const check of active) for (const o of check.variantAt(verdict.version)?.overrides ?? []) if (o === named) expected.add(check.id);
          if (named === undefined || named === 'base' || failed.some((id) => expected.has(id))) ok++;
          else mismatches.push(`${where}: denied by ${failed.join(', ')}, not by ${[...expected].join(' or ')}`);
        }
      }
      total += n;
      agreed += ok;
      lines.push(`${level} ${version}: ${ok}/${n}`);
    }
  }
  t.diagnostic(lines.join('; '));
  t.diagnostic(`total agreement ${agreed}/${total} (latest = v${MAX_PSS_VERSION.major}.${MAX_PSS_VERSION.minor})`);
  assert.ok(total > 4000, `expected the full corpus (4,537 files), read ${total}`);
  assert.deepEqual(mismatches.slice(0, 30), [], `${mismatches.length} disagreements`);
});

test('every fail file names a known check', (t) => {
  if (!root) {
    t.skip('corpus pss/test/testdata absent (set STOCKADE_CORPUS)');
    return;
  }
  const unknown = new Set<string>();
  for (const level of ['baseline', 'restricted']) {
    for (const version of readdirSync(join(root, level))) {
      let files: string[] = [];
      try {
        files = readdirSync(join(root, level, version, 'fail'));
      } catch {
        continue;
      }
      for (const file of files) if (stemCheck(file) === undefined) unknown.add(file.replace(/\d+\.yaml$/, ''));
    }
  }
  assert.deepEqual([...unknown], []);
});

test('the newest corpus version equals the newest check variant', (t) => {
  if (!root) {
    t.skip('corpus pss/test/testdata absent (set STOCKADE_CORPUS)');
    return;
  }
  const newest = Math.max(...readdirSync(join(root, 'restricted')).map((v) => parsePssVersion(v as `v${number}.${number}`).minor));
  assert.equal(MAX_PSS_VERSION.minor, newest);
});
