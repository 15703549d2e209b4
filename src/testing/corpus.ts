/**
 * Locates ../shared/corpus (conformance data we may read but never copy into the
 * repository). Tests that need it skip with a printed reason when it is absent.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root: dist/testing/ or src/testing/ -> two levels up. */
export const REPO_ROOT = resolve(here, '..', '..');

export function corpusRoot(): string | undefined {
  const candidates = [process.env.STOCKADE_CORPUS, join(REPO_ROOT, '..', 'shared', 'corpus')];
  for (const c of candidates) if (c && existsSync(join(c, 'MANIFEST.md'))) return c;
  return undefined;
}

/** Absolute path of a corpus file, or undefined when the corpus (or that file) is absent. */
export function corpusPath(...parts: string[]): string | undefined {
  const root = corpusRoot();
  if (!root) return undefined;
  const p = join(root, ...parts);
  return existsSync(p) ? p : undefined;
}

/**
 * Where heavy test fixtures (built Debian images, npm trees) are cached between runs.
 * Outside the repository so a fresh clone stays clean; CI reuses it on the same machine.
 */
export function fixtureCacheDir(): string {
  return process.env.STOCKADE_FIXTURE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'stockade-test-fixtures');
}
