/**
 * The contract of a secret detector: metadata (the single source for docs, SARIF rule
 * descriptors and framework reports, like configuration rules) plus a pure function that
 * finds credentials in one piece of text. One detector, one file; every detector is
 * registered in secrets/index.ts, and a meta-test checks the list.
 *
 * Detectors never decide how a secret is shown: they return offsets of the secret value
 * and the scanner masks it. No detector output is ever written anywhere unmasked.
 */
import type { RuleMeta } from '../checks/rule.js';

/**
 * The same metadata as a configuration rule (one source for docs, SARIF descriptors and
 * framework reports); frameworks always include nist-800-190:4.1.4 and stride:I.
 */
export type SecretDetectorMeta = RuleMeta;

/** One piece of text to look at, with where it came from (for path-aware detectors). */
export interface SecretInput {
  /** Path of the file (inside the image or directory), or a pseudo-path such as `config:Env`. */
  path: string;
  text: string;
}

/** Offsets are UTF-16 indexes into `SecretInput.text`; [start, end) covers the secret value only. */
export interface SecretMatch {
  start: number;
  end: number;
  /** Optional: what kind of credential within the detector (e.g. `ghp` vs `github_pat`). */
  kind?: string;
}

export interface SecretDetector extends SecretDetectorMeta {
  /**
   * Lower-case literals, at least one of which must occur (case-insensitively) in the
   * text for `find` to be worth running. The scanner uses them as a cheap prefilter;
   * an empty list means the detector decides by `appliesToPath` alone.
   */
  readonly keywords: readonly string[];
  /** For file-format detectors (`.npmrc`, `.netrc`, kubeconfig): only these paths. */
  appliesToPath?(path: string): boolean;
  /** Pure and linear-time in the length of `input.text`. */
  find(input: SecretInput): SecretMatch[];
}
