import type * as tf from '@tensorflow/tfjs';
import {readBackSync, timeInterleaved} from '../bench/timing.js';

/**
 * Median wall time (ms) of each candidate, measured round-robin: every repetition times all
 * candidates one after the other, so slow drift of the machine (other jobs, thermal) hits all of
 * them alike instead of biasing whichever ran last. Each call's output is read back (dataSync), so
 * asynchronous backends are timed to completion.
 */
export function interleavedMedians(
  candidates: Map<string, () => tf.Tensor>,
  reps: number,
  warmup: number,
  tick?: () => void,
): Map<string, number> {
  const calls = new Map([...candidates].map(([name, fn]) => [name, readBackSync(fn)]));
  const results = timeInterleaved(calls, {reps, warmup, onCall: () => tick?.()});
  return new Map([...results].map(([name, r]) => [name, r.medianMs]));
}

/**
 * Smallest rank at which the factorised product stops being faster than the dense one, by linear
 * interpolation of (time_factorised − time_dense) between measured ranks; null if it never does.
 */
export function breakEvenRank(ranks: number[], factorisedMs: number[], denseMs: number): number | null {
  for (let i = 0; i < ranks.length; i++) {
    const gap = factorisedMs[i] - denseMs;
    if (gap >= 0) {
      if (i === 0) return ranks[0];
      const previous = factorisedMs[i - 1] - denseMs;
      return ranks[i - 1] + ((ranks[i] - ranks[i - 1]) * -previous) / (gap - previous);
    }
  }
  return null;
}
