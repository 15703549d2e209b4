/**
 * Open-loop load at a steady rate: request k is sent at start + k/rate whatever happened to
 * earlier ones (no coordinated omission). Latency runs from the moment the request is
 * handed to the client to the end of the response; the driver's own lateness (timer
 * jitter between the scheduled and the actual send) is measured apart. autocannon's
 * `overallRate` sends each second's quota back to back at the start of the second, which
 * measures a burst rather than a rate; the enforcement benches report both.
 */
export interface PacedResult {
  latencies: number[];
  fromSchedule: number[];
  errors: number;
  seconds: number;
}

/** `send(k)` makes request k and resolves when its answer is complete (false on error). */
export async function pacedLoad(rate: number, seconds: number, send: (k: number) => Promise<boolean>): Promise<PacedResult> {
  const latencies: number[] = [];
  const fromSchedule: number[] = [];
  let errors = 0;
  const total = Math.round(rate * seconds);
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();
  const one = async (k: number): Promise<void> => {
    const scheduled = start + (k * 1000) / rate;
    const sent = performance.now();
    const ok = await send(k);
    const done = performance.now();
    if (!ok) {
      errors++;
      return;
    }
    latencies.push(done - sent);
    fromSchedule.push(done - scheduled);
  };
  let k = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (k < due) inFlight.push(one(k++));
      if (k >= total) return done();
      setTimeout(tick, Math.max(0, start + (k * 1000) / rate - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  return { latencies, fromSchedule, errors, seconds: (performance.now() - start) / 1000 };
}

export function percentileOf(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
