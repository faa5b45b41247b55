/*
 * MaxPoolGrad for the cpu backend (NHWC, the only layout tfjs's MaxPool has).
 *
 * Why: tfjs-backend-cpu 4.22 recomputes the argmax positions through TensorBuffer.get() (a
 * bounds-checked, variadic call per element) and then, for every input element, searches the
 * windows that could contain it; in the MNIST example (examples/node-mnist) it was ~25% of a baseline epoch (maxPoolGrad,
 * maxPoolPositions and the TensorBuffer.get calls). This version finds each window's argmax over
 * the typed array and adds dy to it: the same rule as tfjs's (the first strictly greatest element
 * in row-major window order; a window of NaN / −∞ passes no gradient), so results are identical
 * for non-overlapping windows and equal up to summation order where windows overlap.
 */
import * as tf from '@tensorflow/tfjs-core';
import {type CpuBackendLike, type ReplacementKernel, valuesOf} from './kernel_types.js';

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function maxPoolGradNHWC(
  dyv: Float32Array,
  xv: Float32Array,
  xShape: number[],
  attrs: MaxPoolGradAttrs,
): Float32Array {
  const info = tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad as never,
    attrs.dimRoundingMode,
  );
  const {batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW} = info;
  const {strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw} = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = new Float64Array(xv.length);
  const best = new Float64Array(C);
  const where = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < OH; i++) {
      const r0 = Math.max(0, i * sh - top);
      const r1 = Math.min(H, i * sh - top + fh);
      for (let j = 0; j < OW; j++) {
        const c0 = Math.max(0, j * sw - left);
        const c1 = Math.min(W, j * sw - left + fw);
        best.fill(-Infinity);
        where.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let col = c0; col < c1; col++) {
            const off = ((b * H + r) * W + col) * C;
            for (let d = 0; d < C; d++) {
              const v = xv[off + d];
              if (v > best[d]) {
                best[d] = v;
                where[d] = off + d;
              }
            }
          }
        }
        const dyOff = ((b * OH + i) * OW + j) * C;
        for (let d = 0; d < C; d++) if (where[d] >= 0) dx[where[d]] += dyv[dyOff + d];
      }
    }
  }
  return Float32Array.from(dx);
}

export const maxPoolGradReplacement: ReplacementKernel = (args, tfjsKernel) => {
  const {inputs, backend, attrs} = args as unknown as {
    inputs: {dy: tf.TensorInfo; input: tf.TensorInfo};
    backend: CpuBackendLike;
    attrs: MaxPoolGradAttrs;
  };
  if (inputs.input.dtype !== 'float32') return tfjsKernel(args);
  const dx = maxPoolGradNHWC(valuesOf(backend, inputs.dy), valuesOf(backend, inputs.input), inputs.input.shape, attrs);
  return backend.makeTensorInfo([...inputs.input.shape], 'float32', dx);
};
