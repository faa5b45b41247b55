import * as tf from '@tensorflow/tfjs';

/** Median of `reps` timed calls after `warmup` untimed ones; each call's result is read back. */
export async function medianMs(fn: () => tf.Tensor | tf.Tensor[], reps: number, warmup = 2): Promise<number> {
  const run = async () => {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    await Promise.all(list.map((t) => t.data()));
    tf.dispose(list);
  };
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

/** Peak bytes allocated during one call beyond what existed before (tf.profile). */
export async function peakExtraBytes(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const info = await tf.profile(() => {
    const out = fn();
    return out;
  });
  return info.peakBytes;
}
