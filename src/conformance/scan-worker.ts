/**
 * Worker-thread entry for harness.ts `scanIsolated`: runs one scan through the real
 * pipeline (scanImage / scanRootfs with the extractor registry) and posts the result
 * or the error back. Living in its own thread, a scan that loops or exhausts its heap
 * is stopped without taking the conformance run down.
 */
import { mkdir } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { isStockadeError } from '../core/errors.js';
import { DEFAULT_WALK_LIMITS } from '../image/walk-layer.js';
import { EXTRACTORS } from '../inventory/extractors/index.js';
import { scanImage, scanRootfs } from '../scan/scan-image.js';
import type { ScanRequest, WorkerReply } from './harness.js';

async function run(request: ScanRequest): Promise<WorkerReply> {
  try {
    if (request.mode === 'image') {
      await mkdir(request.cacheDir, { recursive: true });
      const result = await scanImage(request.input, { cacheDir: request.cacheDir, limits: DEFAULT_WALK_LIMITS, extractors: EXTRACTORS });
      return { kind: 'ok', result };
    }
    return { kind: 'ok', result: await scanRootfs(request.dir, { extractors: EXTRACTORS }) };
  } catch (e) {
    if (isStockadeError(e)) return { kind: 'threw', stockade: true, code: e.code, message: e.oneLine };
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { kind: 'threw', stockade: false, message };
  }
}

if (parentPort) {
  const port = parentPort;
  void run(workerData as ScanRequest).then((reply) => port.postMessage(reply));
}
