/**
 * A document adapter recognises one kind of configuration file and parses it into
 * the documents that kind's rules read. The engine asks each adapter in turn; the
 * first that claims a file parses it. One adapter per kind, listed in checks/index.ts.
 */
import type { AnyRule } from './index.js';
import type { DocumentKind } from './rule.js';

export interface ParsedDocuments {
  /**
   * Documents for this kind's rules (a Kubernetes file may hold many), possibly parsed
   * as they are iterated: iterate once, then read `errors` and `warnings`.
   */
  documents: Iterable<unknown>;
  /** Problems that make (part of) the file unreadable: the run is incomplete. */
  errors: string[];
  /** Problems worth telling (duplicate keys) that do not stop the checks. */
  warnings: string[];
}

export interface DocumentAdapter {
  readonly kind: DocumentKind;
  /** From the file name alone (cheap): `yes`, `no`, or `maybe` (look at the content). */
  claimsName(name: string): 'yes' | 'no' | 'maybe';
  /** From the content, for `maybe` names. */
  claimsContent?(text: string): boolean;
  parse(text: string, file: string): ParsedDocuments;
  readonly rules: readonly AnyRule[];
}
