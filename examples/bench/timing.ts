import * as tf from '@tensorflow/tfjs';

/**
 * Median of `reps` timed calls after `warmup` untimed ones; each call's result is read back.
 * With `budgetMs`, a row whose warm-up call shows it cannot fit is cut to fewer calls (at least 3);
 * the count actually used is returned so tables can say so.
 */
export async function medianMs(
  fn: () => tf.Tensor | tf.Tensor[],
  reps: number,
  warmup = 2,
  budgetMs = Infinity,
): Promise<{ms: number; reps: number}> {
  const run = async () => {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    await Promise.all(list.map((t) => t.data()));
    tf.dispose(list);
  };
  let warmupMs = 0;
  for (let i = 0; i < warmup; i++) {
    const start = performance.now();
    await run();
    warmupMs = performance.now() - start;
  }
  if (warmupMs * reps > budgetMs) reps = Math.max(3, Math.floor(budgetMs / warmupMs));
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return {ms: times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2, reps};
}

/** Peak bytes in use during one call (tf.profile): includes every live tensor, not only what the call adds. */
export async function peakExtraBytes(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const info = await tf.profile(() => {
    const out = fn();
    return out;
  });
  return info.peakBytes;
}
