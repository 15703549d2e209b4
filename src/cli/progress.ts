/**
 * Progress on a TTY, silence in pipes. A bar of compressed bytes read across all
 * layers, with a layer counter; notes (e.g. which platform was picked) go to stderr
 * above the bar.
 */
import cliProgress from 'cli-progress';
import type { ProgressSink } from '../scan/scan-image.js';

export function createProgress(enabled: boolean, notesEnabled: boolean): ProgressSink {
  if (!enabled) {
    return {
      start() {},
      bytes() {},
      layerDone() {},
      note(message) {
        if (notesEnabled) process.stderr.write(`stockade: ${message}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: 'layers {done}/{layers} |{bar}| {percentage}% {valueMB}/{totalMB} MB {cached}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  let layers = 0;
  let cached = 0;
  let value = 0;
  let total = 0;
  let started = false;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  const payload = () => ({ done, layers, cached: cached ? `(${cached} cached)` : '', valueMB: mb(value), totalMB: mb(total) });
  return {
    start(totalBytes, layerCount) {
      total = totalBytes;
      layers = layerCount;
      bar.start(Math.max(totalBytes, 1), 0, payload());
      started = true;
    },
    bytes(delta) {
      value += delta;
      if (started) bar.update(Math.min(value, Math.max(total, 1)), payload());
    },
    layerDone(fromCache) {
      done++;
      if (fromCache) cached++;
      if (started) bar.update(Math.min(value, Math.max(total, 1)), payload());
    },
    note(message) {
      if (started) bar.stop();
      process.stderr.write(`stockade: ${message}\n`);
      if (started) bar.start(Math.max(total, 1), value, payload());
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
