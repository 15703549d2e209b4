/**
 * Every configuration rule, in one explicit list per document kind. The meta-test
 * fails when a rule file is not listed, ids collide, or metadata is incomplete.
 */
import type { Rule } from './rule.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each rule is typed by its own document; the list only needs the shared metadata.
export type AnyRule = Rule<never>;

export const RULES: readonly AnyRule[] = [];
