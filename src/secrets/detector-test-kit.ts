/**
 * Assertions the detector tests share: a planted secret is found by the expected
 * detector at the line and column where it was planted, and nothing the scanner returns
 * (serialized as any writer would) contains the secret or a recognisable piece of it.
 * Expected positions are computed here by splitting the text, independently of the
 * scanner's own offset-to-position code.
 */
import assert from 'node:assert/strict';
import type { SecretInput } from './detector.js';
import { scanText, type SecretHit } from './scan-text.js';

/** 1-based line and column of `offset`, by splitting the text into lines. */
export function expectedPosition(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1] as string).length + 1 };
}

/** Fails if the serialized hits contain `secret` or any 8-character piece of it past its first 4 characters. */
export function assertMasked(hits: readonly SecretHit[], secret: string): void {
  const json = JSON.stringify(hits);
  assert.ok(!json.includes(secret), 'the serialized hits contain the whole secret');
  for (let i = 4; i + 8 <= secret.length; i++) {
    const piece = secret.slice(i, i + 8);
    assert.ok(!json.includes(piece), `the serialized hits contain ${JSON.stringify(piece)} from offset ${i} of the secret`);
  }
}

function describe(hits: readonly SecretHit[]): string {
  return JSON.stringify(hits.map((h) => ({ id: h.detector.id, line: h.line, column: h.column, kind: h.kind, masked: h.masked })));
}

/**
 * Scans `input` and asserts that `detectorId` reported `secret` (which must occur in the
 * text) at its position, with the expected kind when given, and that hits are masked.
 */
export function expectSecret(input: SecretInput, detectorId: string, secret: string, kind?: string): SecretHit {
  const offset = input.text.indexOf(secret);
  assert.ok(offset !== -1, 'fixture error: the secret is not in the text');
  const hits = scanText(input);
  const at = expectedPosition(input.text, offset);
  const end = expectedPosition(input.text, offset + secret.length);
  const hit = hits.find((h) => h.detector.id === detectorId && h.line === at.line && h.column === at.column);
  assert.ok(hit, `${detectorId} did not report the secret at ${at.line}:${at.column} of ${input.path}; hits: ${describe(hits)}`);
  assert.deepEqual({ endLine: hit.endLine, endColumn: hit.endColumn }, { endLine: end.line, endColumn: end.column }, 'end position');
  if (kind !== undefined) assert.equal(hit.kind, kind);
  assertMasked(hits, secret);
  return hit;
}

/** Asserts that no detector (or only none of `detectorIds`) reports anything in `input`. */
export function expectNothing(input: SecretInput, detectorIds?: readonly string[]): void {
  const hits = scanText(input).filter((h) => detectorIds === undefined || detectorIds.includes(h.detector.id));
  assert.deepEqual(describe(hits), '[]', `unexpected hits in ${input.path}: ${JSON.stringify(input.text.slice(0, 200))}`);
}
