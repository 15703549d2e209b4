/**
 * Seeded pseudo-random generation of version strings for property tests: the same
 * seed gives the same versions on every machine, so a disagreement with a native
 * comparator is reproducible from the seed printed in the failure.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: tiny, fast, good enough to spread test inputs. */
export function rng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T,
  };
}

/** A run of `count` characters drawn from `alphabet`. */
export function run(r: Rng, alphabet: string, min: number, max: number): string {
  let s = '';
  const n = r.int(min, max);
  for (let i = 0; i < n; i++) s += alphabet[r.int(0, alphabet.length - 1)];
  return s;
}

/** A number as a version would write it: mostly small, sometimes with leading zeros or very long. */
export function number(r: Rng): string {
  const roll = r.next();
  if (roll < 0.55) return String(r.int(0, 12));
  if (roll < 0.75) return String(r.int(0, 2000));
  if (roll < 0.85) return `0${r.int(0, 99)}`;
  if (roll < 0.93) return String(r.int(20000101, 20301231));
  if (roll < 0.97) return '0';
  return run(r, '0123456789', 19, 24);
}

/**
 * Small edits that turn one version into a close neighbour: the pairs where
 * ordering rules bite (one more component, a changed digit, an inserted tilde)
 * are the ones worth asking the native tool about.
 */
export function mutate(r: Rng, v: string, alphabet: string, snippets: readonly string[]): string {
  const edits = r.int(1, 2);
  let out = v;
  for (let e = 0; e < edits; e++) {
    const at = r.int(0, out.length);
    const roll = r.next();
    if (roll < 0.25 && out.length > 0) {
      const i = Math.min(at, out.length - 1);
      out = out.slice(0, i) + (alphabet[r.int(0, alphabet.length - 1)] ?? '') + out.slice(i + 1);
    } else if (roll < 0.45) {
      out = out.slice(0, at) + (alphabet[r.int(0, alphabet.length - 1)] ?? '') + out.slice(at);
    } else if (roll < 0.55 && out.length > 1) {
      const i = Math.min(at, out.length - 1);
      out = out.slice(0, i) + out.slice(i + 1);
    } else if (roll < 0.8) {
      out += r.pick(snippets);
    } else if (roll < 0.9) {
      out = out.slice(0, at) + r.pick(snippets) + out.slice(at);
    } else {
      // bump a digit
      const digits = [...out].map((c, i) => (c >= '0' && c <= '9' ? i : -1)).filter((i) => i >= 0);
      if (digits.length > 0) {
        const i = r.pick(digits);
        out = out.slice(0, i) + String((Number(out[i]) + r.int(1, 9)) % 10) + out.slice(i + 1);
      }
    }
  }
  return out;
}

/**
 * `count` pairs of versions from `generate`: about two thirds are a version and a
 * near neighbour (or itself), the rest two independent versions.
 */
export function versionPairs(r: Rng, count: number, generate: (r: Rng) => string, neighbour: (r: Rng, v: string) => string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    const a = generate(r);
    const roll = r.next();
    const b = roll < 0.05 ? a : roll < 0.68 ? neighbour(r, a) : generate(r);
    pairs.push(r.chance(0.5) ? [a, b] : [b, a]);
  }
  return pairs;
}

/**
 * A pool of versions in clusters: each cluster is a generated version and a few
 * near neighbours, so pairs drawn inside a cluster exercise the fine ordering
 * rules and pairs across clusters the coarse ones.
 */
export function clusteredPool(r: Rng, clusters: number, size: number, generate: (r: Rng) => string, neighbour: (r: Rng, v: string) => string): string[][] {
  const pool: string[][] = [];
  for (let c = 0; c < clusters; c++) {
    const base = generate(r);
    const members = [base];
    for (let i = 1; i < size; i++) members.push(neighbour(r, r.pick(members)));
    pool.push([...new Set(members)]);
  }
  return pool;
}

/** `count` pairs from a pool: 60% within one cluster, the rest across clusters. */
export function pairsFromPool(r: Rng, pool: readonly string[][], count: number): Array<[string, string]> {
  const clusters = pool.filter((c) => c.length > 0);
  const pairs: Array<[string, string]> = [];
  if (clusters.length === 0) return pairs;
  for (let i = 0; i < count; i++) {
    const c = r.pick(clusters);
    const a = r.pick(c);
    const b = r.chance(0.6) ? r.pick(c) : r.pick(r.pick(clusters));
    pairs.push([a, b]);
  }
  return pairs;
}
