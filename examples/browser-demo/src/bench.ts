/*
 * Benchmark panel: the fused semifield op against tfjs's own linear and morphological ops, on each
 * backend this browser offers: the median of the timed calls, in milliseconds (two warm-up calls
 * first, so shader compilation is not counted; every call's result is downloaded, so its GPU work
 * is included). Timing by the package's helper (src/util/timing.ts).
 */
import * as tf from '@tensorflow/tfjs';
import {semifieldConv2d} from '../../../index.js';
import {timeAsync, type TimingResult} from '../../../src/util/timing.js';

export interface BenchCase {
  name: string;
  run: (x: tf.Tensor4D, w: tf.Tensor4D, wd: tf.Tensor4D, wDil: tf.Tensor3D) => tf.Tensor;
}

export const benchCases: BenchCase[] = [
  {name: 'semifieldConv2d linear (3×3, C→2C)', run: (x, w) => semifieldConv2d(x, w, 'linear', {pad: 'same'})},
  {name: 'tf.conv2d (3×3, C→2C)', run: (x, w) => tf.conv2d(x, w, 1, 'same')},
  {name: 'semifieldConv2d maxplus (3×3, C→2C)', run: (x, w) => semifieldConv2d(x, w, 'maxplus', {pad: 'same'})},
  {name: 'semifieldConv2d log μ=1 (3×3, C→2C)', run: (x, w) => semifieldConv2d(x, w, 'log', {pad: 'same'})},
  {
    name: 'semifieldConv2d maxplus depthwise (3×3, C)',
    run: (x, _w, wd) => semifieldConv2d(x, wd, 'maxplus', {pad: 'same', groups: x.shape[3]}),
  },
  {name: 'tf.dilation2d (3×3, C)', run: (x, _w, _wd, wDil) => tf.dilation2d(x, wDil, 1, 'same')},
];

export interface BenchResult {
  /** Median ms per call (NaN when the op failed). */
  ms: number;
  timing?: TimingResult;
  error?: string;
}

export interface BenchShape {
  batch: number;
  size: number;
  channels: number;
}

/** Median ms per call for every case on the *current* backend (NaN + message where the op is not supported). */
export async function benchBackend(shape: BenchShape, iterations: number): Promise<BenchResult[]> {
  const {batch, size, channels} = shape;
  const x = tf.randomUniform([batch, size, size, channels], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomUniform([3, 3, channels, 2 * channels], -0.2, 0.2, 'float32', 2) as tf.Tensor4D;
  const wd = tf.randomUniform([3, 3, 1, channels], -0.2, 0.2, 'float32', 3) as tf.Tensor4D;
  const wDil = tf.reshape(wd, [3, 3, channels]) as tf.Tensor3D;
  const results: BenchResult[] = [];
  try {
    for (const c of benchCases) {
      try {
        const timing = await timeAsync(
          async () => {
            const y = c.run(x, w, wd, wDil);
            await y.data();
            y.dispose();
          },
          {reps: iterations, warmup: 2},
        );
        results.push({ms: timing.medianMs, timing});
      } catch (e) {
        results.push({ms: NaN, error: e instanceof Error ? e.message : String(e)});
      }
      await tf.nextFrame();
    }
  } finally {
    tf.dispose([x, w, wd, wDil]);
  }
  return results;
}
