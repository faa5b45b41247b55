// tfjs adapters for the package's timing helper (src/util/timing.ts): a call whose tensors are
// read back (so asynchronous backends are timed to completion) and disposed, and peak memory.
import * as tf from '@tensorflow/tfjs';

export {
  median,
  summarizeTimes,
  timeAsync,
  timeInterleaved,
  timeSync,
  type TimingResult,
} from '../../src/util/timing.js';

/** `fn` run in tf.tidy with its output read back synchronously (dataSync) and disposed. */
export function readBackSync(fn: () => tf.Tensor | tf.Tensor[]): () => void {
  return () => {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    for (const t of list) t.dataSync();
    tf.dispose(list);
  };
}

/** `fn` run in tf.tidy with its output read back asynchronously (await data()) and disposed. */
export function readBackAsync(fn: () => tf.Tensor | tf.Tensor[]): () => Promise<void> {
  return async () => {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    await Promise.all(list.map((t) => t.data()));
    tf.dispose(list);
  };
}

/** Peak bytes in use during one call (tf.profile): includes every live tensor, not only what the call adds. */
export async function peakExtraBytes(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const info = await tf.profile(() => {
    const out = fn();
    return out;
  });
  return info.peakBytes;
}
