// OSV range evaluation. Oracle 1: pypa/advisory-database records carry both ranges
// and osv.dev's own enumeration of the affected releases (`versions`), computed by
// osv.dev from the ranges and PyPI's release history: every enumerated version must
// be inside our evaluation of the ranges alone. Oracle 2: the OSV schema's worked
// examples of `last_affected` and `limit`, and a published advisory's own text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { corpusPath } from '../testing/corpus.js';
import { schemeById } from '../versions/index.js';
import type { OsvAffected } from './osv.js';
import { evaluateAffected } from './ranges.js';

const pep440 = schemeById('pep440');
const semver = schemeById('semver');

test('every version osv.dev enumerated for a pypa advisory is inside our range evaluation', (t) => {
  const root = corpusPath('vulndata', 'pypa', 'vulns');
  if (!root || !pep440) return t.skip('corpus pypa data absent');
  let checked = 0;
  let records = 0;
  let quirks = 0;
  const misses: string[] = [];
  for (const pkg of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    for (const file of readdirSync(join(root, pkg)).filter((f) => f.endsWith('.yaml'))) {
      const doc = parseYaml(readFileSync(join(root, pkg, file), 'utf8')) as { id: string; affected?: OsvAffected[] };
      records++;
      for (const entry of doc.affected ?? []) {
        if (!entry.ranges?.some((r) => r.type === 'ECOSYSTEM')) continue;
        const rangesOnly: OsvAffected = { ...entry, versions: [] };
        for (const v of entry.versions ?? []) {
          if (!pep440.isValid(v)) continue; // legacy non-PEP 440 releases: no defined order
          const verdict = evaluateAffected(v, rangesOnly, pep440);
          checked++;
          if (!verdict.affected && !knownDataQuirk(v, entry)) misses.push(`${doc.id} ${pkg} ${v}`);
          if (!verdict.affected && knownDataQuirk(v, entry)) quirks++;
        }
      }
    }
  }
  assert.ok(records > 1000 && checked > 10_000, `checked ${checked} versions in ${records} records`);
  assert.deepEqual(misses.slice(0, 20), [], `${misses.length} enumerated versions not matched`);
  assert.ok(quirks < checked / 1000, `${quirks} data quirks`);
});

/**
 * Where the record contradicts itself, the enumeration and the ranges cannot both be
 * right, and the OSV evaluation rules side with the ranges (the matcher still reports
 * the version as affected, because the explicit `versions` list counts too):
 * - a pre-release of an `introduced` version (3.2a1 for introduced 3.2) enumerated as affected;
 * - an enumerated version at or above a `fixed` event with no later `introduced` below it;
 * - ranges whose sorted events have two `introduced` in a row (overlapping pairs).
 */
function knownDataQuirk(v: string, entry: OsvAffected): boolean {
  if (!pep440) return false;
  for (const range of entry.ranges ?? []) {
    if (range.type !== 'ECOSYSTEM') continue;
    const introduced = range.events.flatMap((e) => ('introduced' in e ? [e.introduced] : []));
    const fixed = range.events.flatMap((e) => ('fixed' in e ? [e.fixed] : []));
    if (introduced.some((i) => i !== '0' && pep440.isValid(i) && v.startsWith(i) && /(a|b|rc|dev)\d*$/.test(v))) return true;
    if (fixed.some((f) => pep440.isValid(f) && pep440.compare(v, f) >= 0) && introduced.every((i) => i === '0' || !pep440.isValid(i) || pep440.compare(i, v) > 0)) return true;
    if (introduced.filter((i) => i === '0').length > 0 && introduced.length > 1 && range.events[0] && !('introduced' in range.events[0] && range.events[0].introduced === '0')) return true;
  }
  return false;
}

test('published advisory: requests PYSEC-2023-74 affects 2.3.0 up to but not including 2.31.0', () => {
  assert.ok(pep440);
  const entry: OsvAffected = { package: { ecosystem: 'PyPI', name: 'requests' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.3.0' }, { fixed: '2.31.0' }] }] };
  assert.equal(evaluateAffected('2.2.1', entry, pep440).affected, false);
  assert.equal(evaluateAffected('2.3.0', entry, pep440).affected, true);
  assert.deepEqual(evaluateAffected('2.25.0', entry, pep440), { affected: true, fixed: ['2.31.0'], errors: [] });
  assert.equal(evaluateAffected('2.31.0', entry, pep440).affected, false);
  assert.equal(evaluateAffected('2.31.0rc1', entry, pep440).affected, true); // pre-releases sort before the release
});

test('OSV schema semantics: several introduced/fixed pairs, last_affected, limit, versions, GIT ignored', () => {
  assert.ok(semver);
  const multi: OsvAffected = { ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.2.0' }, { introduced: '2.0.0' }, { fixed: '2.0.3' }] }] };
  assert.equal(evaluateAffected('0.9.0', multi, semver).affected, false);
  assert.deepEqual(evaluateAffected('1.1.9', multi, semver).fixed, ['1.2.0']);
  assert.equal(evaluateAffected('1.5.0', multi, semver).affected, false);
  assert.deepEqual(evaluateAffected('2.0.1', multi, semver).fixed, ['2.0.3']);
  assert.equal(evaluateAffected('2.0.3', multi, semver).affected, false);
  // Events need not be listed in order.
  const shuffled: OsvAffected = { ranges: [{ type: 'SEMVER', events: [{ fixed: '2.0.3' }, { introduced: '2.0.0' }, { fixed: '1.2.0' }, { introduced: '1.0.0' }] }] };
  assert.equal(evaluateAffected('1.5.0', shuffled, semver).affected, false);
  assert.equal(evaluateAffected('2.0.2', shuffled, semver).affected, true);
  const last: OsvAffected = { ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { last_affected: '1.4.2' }] }] };
  assert.equal(evaluateAffected('1.4.2', last, semver).affected, true);
  assert.equal(evaluateAffected('1.4.3', last, semver).affected, false);
  assert.deepEqual(evaluateAffected('1.0.0', last, semver).fixed, [], 'no fix known');
  const limited: OsvAffected = { ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { limit: '3.0.0' }] }] };
  assert.equal(evaluateAffected('2.9.9', limited, semver).affected, true);
  assert.equal(evaluateAffected('3.0.0', limited, semver).affected, false);
  const listed: OsvAffected = { versions: ['0.1.0-weird'], ranges: [{ type: 'GIT', repo: 'https://example.invalid/r', events: [{ introduced: '0' }] }] };
  assert.equal(evaluateAffected('0.1.0-weird', listed, semver).affected, true);
  assert.equal(evaluateAffected('0.2.0', listed, semver).affected, false, 'GIT ranges need history: not evaluated');
});

test('a version the scheme cannot order is reported, never guessed', () => {
  assert.ok(pep440);
  const entry: OsvAffected = { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'not a version!' }] }] };
  const v = evaluateAffected('1.0', entry, pep440);
  assert.equal(v.affected, false);
  assert.match(v.errors[0] ?? '', /not a valid PEP 440 version/);
});
