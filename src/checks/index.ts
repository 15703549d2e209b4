/**
 * Every configuration rule and document adapter, in explicit lists. The meta-test
 * (index.test.ts) fails when a rule is missing metadata, ids collide, or framework
 * references are malformed.
 */
import type { DocumentAdapter } from './adapter.js';
import type { Rule } from './rule.js';

/** Each rule is typed by its own document; the lists only need the shared metadata. */
export type AnyRule = Rule<never>;

export const ADAPTERS: readonly DocumentAdapter[] = [];

export const RULES: readonly AnyRule[] = ADAPTERS.flatMap((a) => a.rules);
