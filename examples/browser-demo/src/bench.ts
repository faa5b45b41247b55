/*
 * Benchmark panel: the fused semifield op against tfjs's own linear and morphological ops, on each
 * backend this browser offers, in milliseconds per call (warm-up calls first, so shader compilation
 * is not counted; the result of the last call is downloaded so queued GPU work is included).
 */
import * as tf from '@tensorflow/tfjs';
import {semifieldConv2d} from '../../../index.js';

export interface BenchCase {
  name: string;
  run: (x: tf.Tensor4D, w: tf.Tensor4D, wd: tf.Tensor4D, wDil: tf.Tensor3D) => tf.Tensor;
}

export const benchCases: BenchCase[] = [
  {name: 'semifieldConv2d linear (3×3, C→2C)', run: (x, w) => semifieldConv2d(x, w, 'linear', {pad: 'same'})},
  {name: 'tf.conv2d (3×3, C→2C)', run: (x, w) => tf.conv2d(x, w, 1, 'same')},
  {name: 'semifieldConv2d maxplus (3×3, C→2C)', run: (x, w) => semifieldConv2d(x, w, 'maxplus', {pad: 'same'})},
  {name: 'semifieldConv2d log μ=1 (3×3, C→2C)', run: (x, w) => semifieldConv2d(x, w, 'log', {pad: 'same'})},
  {name: 'semifieldConv2d maxplus depthwise (3×3, C)', run: (x, _w, wd) => semifieldConv2d(x, wd, 'maxplus', {pad: 'same', groups: x.shape[3]})},
  {name: 'tf.dilation2d (3×3, C)', run: (x, _w, _wd, wDil) => tf.dilation2d(x, wDil, 1, 'same')},
];

export interface BenchShape {
  batch: number;
  size: number;
  channels: number;
}

/** ms per call for every case on the *current* backend (NaN + message where the op is not supported). */
export async function benchBackend(shape: BenchShape, iterations: number): Promise<Array<{ms: number; error?: string}>> {
  const {batch, size, channels} = shape;
  const x = tf.randomUniform([batch, size, size, channels], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomUniform([3, 3, channels, 2 * channels], -0.2, 0.2, 'float32', 2) as tf.Tensor4D;
  const wd = tf.randomUniform([3, 3, 1, channels], -0.2, 0.2, 'float32', 3) as tf.Tensor4D;
  const wDil = tf.reshape(wd, [3, 3, channels]) as tf.Tensor3D;
  const results: Array<{ms: number; error?: string}> = [];
  try {
    for (const c of benchCases) {
      try {
        for (let k = 0; k < 2; k++) {
          const y = c.run(x, w, wd, wDil);
          await y.data();
          y.dispose();
        }
        const t0 = performance.now();
        let last: tf.Tensor | null = null;
        for (let k = 0; k < iterations; k++) {
          last?.dispose();
          last = c.run(x, w, wd, wDil);
        }
        await last!.data();
        last!.dispose();
        results.push({ms: (performance.now() - t0) / iterations});
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
