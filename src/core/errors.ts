/**
 * One error class for everything Stockade reports to a user.
 *
 * `code` is a closed union so the CLI can map each class of failure to an exit
 * code, and so docs/errors.md can be checked against it (see errors.test.ts).
 * `input` names the thing the user gave us (a path, a reference, a blob digest)
 * so the one-line message always says *what* was wrong, not just *that* it was.
 */
export const ERROR_CODES = {
  /** The user asked for something impossible (bad flag, missing argument). */
  usage: { exit: 2, summary: 'bad command-line usage' },
  /** A path or reference does not exist or cannot be read. */
  not_found: { exit: 3, summary: 'input not found or unreadable' },
  /** The input exists but is not a format we understand. */
  unsupported_format: { exit: 4, summary: 'input is not a supported image or file format' },
  /** The input is structurally broken: bad JSON, truncated archive, corrupt database. */
  malformed_input: { exit: 5, summary: 'input is malformed or truncated' },
  /** A digest did not match its content: the input cannot be trusted. */
  digest_mismatch: { exit: 6, summary: 'content does not match its digest' },
  /** The input tried to escape its root or exceed a safety limit. */
  hostile_input: { exit: 7, summary: 'input is hostile (path escape, bomb, loop, oversize)' },
  /** A limit configured by the user (or its default) was exceeded. */
  limit_exceeded: { exit: 7, summary: 'a configured safety limit was exceeded' },
  /** The requested platform is not in a multi-platform index. */
  platform_not_found: { exit: 8, summary: 'requested platform not in image index' },
  /** Our cache directory could not be used. */
  cache_error: { exit: 9, summary: 'cache directory unusable' },
  /** A bug in Stockade. */
  internal: { exit: 70, summary: 'internal error (a bug: please report it)' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Exit code when the result was written but some package data could not be read. */
export const SCAN_INCOMPLETE_EXIT = 11;
/** `stockade verify`: it ran, and a trust-policy requirement or signature check did not hold (cosign's code too). */
export const VERIFY_FAILED_EXIT = 1;

export class StockadeError extends Error {
  readonly code: ErrorCode;
  readonly input: string;

  constructor(code: ErrorCode, input: string, problem: string, options?: { cause?: unknown }) {
    super(problem, options);
    this.name = 'StockadeError';
    this.code = code;
    this.input = input;
  }

  /** `<input>: <problem>` on one line; newlines from nested messages are folded. */
  get oneLine(): string {
    const text = this.input ? `${this.input}: ${this.message}` : this.message;
    return text.replace(/\s*\n\s*/g, ' ');
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

export function isStockadeError(e: unknown): e is StockadeError {
  return e instanceof StockadeError;
}

/** Wraps any thrown value into a StockadeError, keeping StockadeErrors as they are. */
export function asStockadeError(e: unknown, input: string, fallback: ErrorCode = 'internal'): StockadeError {
  if (e instanceof StockadeError) return e;
  const err = e as NodeJS.ErrnoException | undefined;
  if (err && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) {
    return new StockadeError('not_found', input, 'no such file or directory', { cause: e });
  }
  if (err && err.code === 'EACCES') {
    return new StockadeError('not_found', input, 'permission denied', { cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new StockadeError(fallback, input, message, { cause: e });
}
