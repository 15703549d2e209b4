/**
 * Worker-thread entry for zipEntriesInWorker (zip-entries.ts): runs the zip loop on
 * the descriptor the main thread opened and posts inflated entries in batches whose
 * buffers are transferred, not copied. A helper, not a source.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isStockadeError } from '../../core/errors.js';
import {
  BATCH_BYTES,
  BATCH_ENTRIES,
  BATCH_JSON,
  BATCH_SKIP,
  BATCH_YAML,
  WORKER_CREDIT,
  zipEntriesFromFd,
  type WorkerMessage,
  type ZipWorkerData,
} from './zip-entries.js';

async function run(port: NonNullable<typeof parentPort>, data: ZipWorkerData): Promise<void> {
  let credit = WORKER_CREDIT;
  let wake: (() => void) | undefined;
  port.on('message', () => {
    credit++;
    const w = wake;
    wake = undefined;
    w?.();
  });

  const prefix = `${data.path}!`;
  let pending: Buffer[] = [];
  let kinds: number[] = [];
  let ends: number[] = [];
  let labels: string[] = [];
  let skips: Array<[string, string]> = [];
  let bytes = 0;
  const flush = async () => {
    if (kinds.length === 0) return;
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit--;
    const buffer = new ArrayBuffer(bytes);
    const view = new Uint8Array(buffer);
    let at = 0;
    for (const b of pending) {
      view.set(b, at);
      at += b.length;
    }
    const batch = { type: 'batch', buffer, kinds: Uint8Array.from(kinds), ends: Uint32Array.from(ends), labels: labels.join('\n'), skips } satisfies WorkerMessage;
    port.postMessage(batch, [buffer, batch.kinds.buffer, batch.ends.buffer]);
    pending = [];
    kinds = [];
    ends = [];
    labels = [];
    skips = [];
    bytes = 0;
  };

  try {
    for await (const item of zipEntriesFromFd(data.fd, data.path, data.limits)) {
      if (item.kind === 'skip') {
        kinds.push(BATCH_SKIP);
        skips.push([item.origin, item.reason]);
      } else {
        kinds.push(item.format === 'yaml' ? BATCH_YAML : BATCH_JSON);
        pending.push(item.bytes);
        bytes += item.bytes.length;
        ends.push(bytes);
        // Entry origins are `path!label`; only the label travels.
        labels.push(item.origin.slice(prefix.length));
      }
      if (bytes >= BATCH_BYTES || kinds.length >= BATCH_ENTRIES) await flush();
    }
    await flush();
    port.postMessage({ type: 'done' } satisfies WorkerMessage);
  } catch (e) {
    const message: WorkerMessage = isStockadeError(e)
      ? { type: 'fatal', code: e.code, input: e.input, message: e.message }
      : { type: 'fatal', code: 'internal', input: data.path, message: e instanceof Error ? e.message : String(e) };
    port.postMessage(message);
  }
  port.close();
}

if (parentPort) void run(parentPort, workerData as ZipWorkerData);
