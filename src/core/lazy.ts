/**
 * Loads a dependency on first use. The CLI starts on every scan, and a warm re-scan
 * reads only the layer cache: parsers for yarn lockfiles, rpm sqlite databases or
 * jars should cost nothing until a file of theirs is actually met.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazy<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
