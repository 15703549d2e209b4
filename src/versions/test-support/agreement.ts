/**
 * Comparing a scheme's answers with an oracle's (a native tool's or a corpus
 * file's), collecting every disagreement so a failure shows them all at once.
 */
import type { VersionScheme } from '../scheme.js';
import { VersionParseError } from '../scheme.js';
import type { OrderVector } from './vectors.js';

/** What a native comparator said about one pair: a sign, or that it refused the pair. */
export type NativeAnswer = { sign: -1 | 0 | 1 } | { invalid: true };

export interface Agreement {
  checked: number;
  agreed: number;
  /** How the oracle answered: refused, less, equal, greater (native checks only). */
  tally?: { invalid: number; less: number; equal: number; greater: number };
  /** Human-readable disagreements (capped). */
  disagreements: string[];
}

const CAP = 25;

function ours(scheme: VersionScheme, a: string, b: string): -1 | 0 | 1 | 'invalid' {
  try {
    return Math.sign(scheme.compare(a, b)) as -1 | 0 | 1;
  } catch (e) {
    if (e instanceof VersionParseError) return 'invalid';
    throw e;
  }
}

/** Checks compare() against a native tool: same sign when it compares, a throw when it refuses. */
export function checkAgainstNative(scheme: VersionScheme, pairs: ReadonlyArray<readonly [string, string]>, answers: readonly NativeAnswer[]): Agreement {
  const tally = { invalid: 0, less: 0, equal: 0, greater: 0 };
  const result: Agreement = { checked: 0, agreed: 0, disagreements: [], tally };
  pairs.forEach(([a, b], i) => {
    const native = answers[i] as NativeAnswer;
    const expected = 'invalid' in native ? 'invalid' : native.sign;
    if (expected === 'invalid') tally.invalid++;
    else if (expected < 0) tally.less++;
    else if (expected > 0) tally.greater++;
    else tally.equal++;
    const got = ours(scheme, a, b);
    result.checked++;
    if (got === expected) result.agreed++;
    else if (result.disagreements.length < CAP) result.disagreements.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: native ${expected}, ours ${got}`);
  });
  return result;
}

/** Checks isValid() against a native validity verdict per version. */
export function checkValidity(scheme: VersionScheme, versions: readonly string[], nativeValid: readonly boolean[]): Agreement {
  const result: Agreement = { checked: 0, agreed: 0, disagreements: [] };
  versions.forEach((v, i) => {
    result.checked++;
    if (scheme.isValid(v) === nativeValid[i]) result.agreed++;
    else if (result.disagreements.length < CAP) result.disagreements.push(`${JSON.stringify(v)}: native ${nativeValid[i] ? 'valid' : 'invalid'}, ours ${scheme.isValid(v) ? 'valid' : 'invalid'}`);
  });
  return result;
}

export interface VectorAgreement extends Agreement {
  /** Vectors with a side our scheme rejects (not compared). */
  rejected: OrderVector[];
  /** Every vector we order differently (uncapped), for a native tool to arbitrate. */
  mismatched: OrderVector[];
}

/** Checks compare() against corpus vectors whose sides we accept; returns the rest as `rejected`. */
export function checkVectors(scheme: VersionScheme, vectors: readonly OrderVector[]): VectorAgreement {
  const result: VectorAgreement = { checked: 0, agreed: 0, disagreements: [], rejected: [], mismatched: [] };
  for (const v of vectors) {
    const got = ours(scheme, v.a, v.b);
    if (got === 'invalid') {
      result.rejected.push(v);
      continue;
    }
    result.checked++;
    if (got === v.expected) result.agreed++;
    else {
      result.mismatched.push(v);
      if (result.disagreements.length < CAP) result.disagreements.push(`${v.where}: ${v.a} vs ${v.b}: expected ${v.expected}, ours ${got}`);
    }
  }
  return result;
}

/** Parses a native tool's `-1|0|1` or `E` (refused) answer line. */
export function parseAnswer(line: string): NativeAnswer {
  const t = line.trim();
  if (t === '-1' || t === '0' || t === '1') return { sign: Number(t) as -1 | 0 | 1 };
  if (t === 'E') return { invalid: true };
  throw new Error(`unexpected oracle answer: ${JSON.stringify(line)}`);
}

export function summary(name: string, a: Agreement): string {
  const t = a.tally;
  const detail = t ? ` (native said: ${t.less} <, ${t.equal} =, ${t.greater} >, ${t.invalid} refused)` : '';
  return `${name}: ${a.agreed}/${a.checked} agree${detail}`;
}
