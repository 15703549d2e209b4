/**
 * SPDX license-id and expression tests. Oracles: CycloneDX's copy of the official SPDX
 * license list (shared corpus) and the python3-license-expression library, which
 * judges expressions independently of our parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusPath } from '../testing/corpus.js';
import { KNOWN_LICENSE_EXCEPTION_IDS, KNOWN_LICENSE_IDS, parseSpdxExpression, spdxLicenseId } from './spdx-license.js';
import { pythonSpdxVerdicts, PYTHON_MISSING } from './writers/test-support/sample-inventory.js';


/** CycloneDX's copy of the SPDX license and exception id list (v3.17), from the corpus. */
function officialSpdxIds(): Set<string> | undefined {
  const p = corpusPath('scanner', 'sbom', 'schemas', 'spdx.schema.json');
  if (!p) return undefined;
  return new Set((JSON.parse(readFileSync(p, 'utf8')) as { enum: string[] }).enum);
}

test('our license ids and exceptions are all on the official SPDX list', (t) => {
  const official = officialSpdxIds();
  if (!official) return t.skip('shared corpus (scanner/sbom/schemas/spdx.schema.json) is absent');
  for (const id of [...KNOWN_LICENSE_IDS, ...KNOWN_LICENSE_EXCEPTION_IDS]) assert.ok(official.has(id), id);
});

test('parseSpdxExpression agrees with python3-license-expression on valid and invalid strings', (t) => {
  // Built only from ids we know, so a disagreement is a parser bug, not a list gap.
  // (`MIT+` is left out: the SPDX grammar allows `+` after any id, the library does not.)
  const cases = [
    'MIT', 'mit', 'MIT OR Apache-2.0', 'mit or apache-2.0', '(MIT OR Apache-2.0) AND Unicode-DFS-2016',
    'GPL-2.0-only WITH Classpath-exception-2.0', 'GPL-2.0-only WITH Classpath-exception-2.0 OR MIT', '((MIT))',
    'GPL-2.0+', 'LGPL-2.1-or-later AND (BSD-3-Clause OR ISC)', 'BSD-3-clause',
    'MIT AND', 'OR MIT', 'MIT Apache-2.0', '(MIT', 'MIT)', 'MIT WITH MIT', 'Classpath-exception-2.0', 'MIT WITH',
    '()', 'Apache 2.0', 'GPL-2+', 'Custom license, see LICENSE', 'MIT AND OR ISC',
  ];
  const verdicts = pythonSpdxVerdicts(cases);
  if (!verdicts) return t.skip(PYTHON_MISSING);
  cases.forEach((c, i) => {
    const theirs = verdicts[i]!.errors.length === 0;
    assert.equal(parseSpdxExpression(c) !== undefined, theirs, `${JSON.stringify(c)}: python says ${JSON.stringify(verdicts[i])}`);
  });
});

test('parseSpdxExpression: canonical case, LicenseRefs, and bounded on hostile input', () => {
  assert.deepEqual(parseSpdxExpression('apache-2.0 or mit'), { expression: 'Apache-2.0 OR MIT', compound: true });
  assert.deepEqual(parseSpdxExpression('LicenseRef-acme-1.0'), { expression: 'LicenseRef-acme-1.0', compound: false });
  assert.deepEqual(parseSpdxExpression('GPL-3.0-only WITH GCC-exception-3.1'), { expression: 'GPL-3.0-only WITH GCC-exception-3.1', compound: false });
  const started = process.hrtime.bigint();
  assert.equal(parseSpdxExpression(`${'('.repeat(100)}MIT${')'.repeat(100)}`), undefined, 'nesting limit');
  assert.equal(parseSpdxExpression('MIT OR '.repeat(10_000) + 'MIT'), undefined, 'length limit');
  assert.ok(process.hrtime.bigint() - started < 1_000_000_000n, 'fast on hostile input');
});

test('spdxLicenseId: one known id in canonical case, nothing else', () => {
  assert.equal(spdxLicenseId(' apache-2.0 '), 'Apache-2.0');
  assert.equal(spdxLicenseId('MIT OR Apache-2.0'), undefined);
  assert.equal(spdxLicenseId('Apache 2.0'), undefined);
});
