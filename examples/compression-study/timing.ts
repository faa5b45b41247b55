import * as tf from '@tensorflow/tfjs';
import {median} from './plot.js';

/**
 * Median wall time (ms) of each candidate, measured round-robin: every repetition times all
 * candidates one after the other, so slow drift of the machine (other jobs, thermal) hits all of
 * them alike instead of biasing whichever ran last. Each call's output is read back (dataSync), so
 * asynchronous backends are timed to completion.
 */
export function interleavedMedians(candidates: Map<string, () => tf.Tensor>, reps: number, warmup: number, tick?: () => void): Map<string, number> {
  const run = (fn: () => tf.Tensor) => {
    const out = tf.tidy(fn);
    out.dataSync();
    out.dispose();
  };
  for (let w = 0; w < warmup; w++) for (const fn of candidates.values()) run(fn);
  const times = new Map<string, number[]>([...candidates.keys()].map((k) => [k, []]));
  for (let r = 0; r < reps; r++) {
    for (const [name, fn] of candidates) {
      const start = performance.now();
      run(fn);
      times.get(name)!.push(performance.now() - start);
      tick?.();
    }
  }
  return new Map([...times].map(([k, v]) => [k, median(v)]));
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
