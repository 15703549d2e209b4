/**
 * Per-layer analysis cache under the XDG cache dir. The key is the layer's diffID
 * plus the fingerprint of every extractor (`id@version`), so changing one extractor
 * re-analyses exactly the layers it could affect. An entry is only used for a blob
 * whose digest was verified to produce that diffID, so a manifest that lies about
 * its diffIDs cannot borrow another layer's clean bill of health.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import type { LayerAnalysis } from './layer-analysis.js';
import type { LayerSource } from './source.js';

/** `$XDG_CACHE_HOME/stockade`, else `~/.cache/stockade`. */
export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache');
  return join(base, 'stockade');
}

const CACHE_FORMAT = 1;

export class LayerCache {
  private readonly dir: string;
  private readonly keySuffix: string;

  constructor(cacheDir: string, extractorFingerprint: string) {
    this.dir = join(cacheDir, 'layers');
    this.keySuffix = createHash('sha256').update(`${CACHE_FORMAT}|${extractorFingerprint}`).digest('hex').slice(0, 16);
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new StockadeError('cache_error', cacheDir, `cannot create cache directory: ${(e as Error).message}`);
    }
  }

  private file(diffID: string): string {
    return join(this.dir, `${diffID.replace(/^sha256:/, '')}-${this.keySuffix}.json`);
  }

  get(layer: LayerSource): LayerAnalysis | undefined {
    let parsed: LayerAnalysis;
    try {
      parsed = JSON.parse(readFileSync(this.file(layer.diffID), 'utf8')) as LayerAnalysis;
    } catch {
      return undefined; // missing or damaged: analyse again
    }
    if (parsed.format !== 1 || parsed.diffID !== layer.diffID || !Array.isArray(parsed.entries) || !Array.isArray(parsed.extractions)) return undefined;
    // Only trust the entry for a blob we have seen hash to this diffID ourselves.
    if (layer.digest !== undefined && !parsed.digests.includes(layer.digest)) return undefined;
    return parsed;
  }

  put(analysis: LayerAnalysis): void {
    const target = this.file(analysis.diffID);
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      let digests = analysis.digests;
      try {
        const existing = JSON.parse(readFileSync(target, 'utf8')) as LayerAnalysis;
        digests = [...new Set([...existing.digests, ...analysis.digests])];
      } catch {
        // no previous entry
      }
      writeFileSync(tmp, JSON.stringify({ ...analysis, digests }), { mode: 0o600 });
      renameSync(tmp, target);
    } catch {
      rmSync(tmp, { force: true });
      // A cache we cannot write only costs speed next time.
    }
  }
}
