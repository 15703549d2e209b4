/**
 * Readers for the version-ordering vectors in the shared corpus. The files are
 * read at test time and never copied into the repository (some are GPL).
 */
import { readFileSync } from 'node:fs';
import { corpusPath } from '../../testing/corpus.js';

export type Relation = '<' | '=' | '>';

export interface OrderVector {
  /** `file:line`, for failure messages. */
  where: string;
  a: string;
  b: string;
  /** Expected sign of compare(a, b). */
  expected: -1 | 0 | 1;
}

const SIGN: Record<Relation, -1 | 0 | 1> = { '<': -1, '=': 0, '>': 1 };

/** Absolute path of a file under `scanner/version-vectors/`, or undefined without the corpus. */
export function vectorPath(...parts: string[]): string | undefined {
  return corpusPath('scanner', 'version-vectors', ...parts);
}

/**
 * osv-scalibr's `A op B` files (semantic/testdata/*-versions*.txt), read the way
 * its compare_test.go reads them: blank lines and lines starting with "# " or
 * "// " are skipped, every other line is exactly three space-separated fields.
 */
export function readScalibrVectors(file: string): OrderVector[] | undefined {
  const path = vectorPath('osv-scalibr-semantic', file);
  if (!path) return undefined;
  const out: OrderVector[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line === '' || line.startsWith('# ') || line.startsWith('// ')) return;
      const pieces = line.split(' ');
      const [a, op, b] = pieces;
      if (pieces.length !== 3 || a === undefined || b === undefined || !(op === '<' || op === '=' || op === '>')) {
        throw new Error(`${file}:${i + 1}: not an 'A op B' line: ${JSON.stringify(line)}`);
      }
      out.push({ where: `${file}:${i + 1}`, a, b, expected: SIGN[op] });
    });
  return out;
}

/** Tab-separated `a<TAB>b<TAB>-1|0|1` lines (the rpm and dpkg vector files). */
export function readSignedTsv(relative: string, separator: RegExp = /\t/): OrderVector[] | undefined {
  const path = vectorPath(...relative.split('/'));
  if (!path) return undefined;
  const out: OrderVector[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const [a, b, sign] = line.split(separator);
      if (a === undefined || b === undefined || !(sign === '-1' || sign === '0' || sign === '1')) {
        throw new Error(`${relative}:${i + 1}: not an 'a b sign' line: ${JSON.stringify(line)}`);
      }
      out.push({ where: `${relative}:${i + 1}`, a, b, expected: Number(sign) as -1 | 0 | 1 });
    });
  return out;
}
