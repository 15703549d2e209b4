/**
 * How random a candidate value looks. Generated credentials are drawn uniformly from
 * an alphabet; words, identifiers and example values are not. The generic detectors
 * use these measures as their gate, so they are kept tiny and allocation-free.
 */

/** Shannon entropy in bits per character over the value's own character histogram. */
export function shannonEntropy(value: string): number {
  const n = value.length;
  if (n === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Which of lower-case, upper-case, digit and other characters occur, as a count 0..4. */
export function characterClassCount(value: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

/**
 * The longest run of characters that are each one step from the previous in the same
 * direction (`abcdef`, `654321`) or equal (`aaaa`): keyboard filler, not randomness.
 */
export function longestSequentialRun(value: string): number {
  let best = value.length === 0 ? 0 : 1;
  let run = 1;
  let step = 0;
  for (let i = 1; i < value.length; i++) {
    const d = value.charCodeAt(i) - value.charCodeAt(i - 1);
    if ((d === 1 || d === -1 || d === 0) && (run === 1 || d === step)) {
      step = d;
      run++;
    } else {
      run = d === 1 || d === -1 || d === 0 ? 2 : 1;
      step = d;
    }
    if (run > best) best = run;
  }
  return best;
}
