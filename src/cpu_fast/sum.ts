/*
 * Sum over leading axes for the cpu backend (the bias gradients: dy [B, H, W, C] summed over
 * [0, 1, 2]).
 *
 * Why: tfjs-backend-cpu 4.22 reduces only the innermost axis, so it first transposes the reduced
 * axes to the end — a full copy of dy through a generic index-by-index transpose, 6% of a profiled
 * baseline epoch. Summing rows of the row-major array needs no copy. Accumulates in float64 in
 * the same element order as tfjs. Any other axis set or dtype goes to tfjs's own kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import {type CpuBackendLike, type ReplacementKernel, valuesOf} from './kernel_types.js';

export function sumLeadingAxes(xv: Float32Array, shape: number[], reduced: number): Float32Array {
  const inner = shape.slice(reduced).reduce((a, b) => a * b, 1);
  const outer = inner === 0 ? 0 : xv.length / inner;
  const acc = new Float64Array(inner);
  for (let r = 0; r < outer; r++) {
    const off = r * inner;
    for (let k = 0; k < inner; k++) acc[k] += xv[off + k];
  }
  return Float32Array.from(acc);
}

export const sumReplacement: ReplacementKernel = (args, tfjsKernel) => {
  const {inputs, backend, attrs} = args as unknown as {
    inputs: {x: tf.TensorInfo};
    backend: CpuBackendLike;
    attrs: {axis: number | number[]; keepDims: boolean};
  };
  const {x} = inputs;
  if (x.dtype !== 'float32') return tfjsKernel(args);
  const axes = [...new Set(tf.util.parseAxisParam(attrs.axis, x.shape))].sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, k) => a === k);
  if (!leading) return tfjsKernel(args);
  const values = sumLeadingAxes(valuesOf(backend, x), x.shape, axes.length);
  const kept = x.shape.slice(axes.length);
  const shape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
  return backend.makeTensorInfo(shape, 'float32', values);
};
