/*
 * BatchMatMul and _FusedMatMul (matmul + bias + relu/linear) for the cpu backend: the dense layers
 * and their gradients (x·W forward, xᵀ·dy for dW, dy·Wᵀ for dx).
 *
 * Why: tfjs-backend-cpu 4.22 multiplies in 48-wide blocks with a float32 read-modify-write of the
 * output per block and per term; on these shapes (a batch of 32 against 576 × 64 weights) that was
 * 13% of a profiled epoch once the convolutions were fast. This version copies each operand into
 * row-major [M, K] / [K, N] order once (a transpose flag costs one copy), then sums 4 output
 * columns at a time over k in float64 local variables, skipping zero a[i, k] (post-ReLU activations
 * and ReLU-masked gradients). Batch dimensions must be equal or one of them
 * 1; anything else goes to tfjs's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import {type CpuBackendLike, type ReplacementKernel, valuesOf} from './kernel_types.js';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
}

interface Operand {
  values: Float32Array;
  batch: number;
  rows: number;
  cols: number;
}

/** The operand as `batch` row-major matrices of the shape it has in the product. */
function asRowMajor(t: tf.TensorInfo, values: Float32Array, transposed: boolean): Operand {
  const rank = t.shape.length;
  const stored = [t.shape[rank - 2], t.shape[rank - 1]];
  const batch = t.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  if (!transposed) return {values, batch, rows: stored[0], cols: stored[1]};
  const [r, c] = stored;
  const out = new Float32Array(values.length);
  for (let n = 0; n < batch; n++) {
    const off = n * r * c;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[off + j * r + i] = values[off + i * c + j];
  }
  return {values: out, batch, rows: c, cols: r};
}

function batchMatMulValues(a: Operand, b: Operand, bias: Float32Array | null, relu: boolean): Float32Array {
  const batch = Math.max(a.batch, b.batch);
  const M = a.rows;
  const K = a.cols;
  const N = b.cols;
  const out = new Float32Array(batch * M * N);
  const finish = (v: number, j: number) => {
    const u = bias == null ? v : v + bias[j];
    return relu && u < 0 ? 0 : u;
  };
  for (let n = 0; n < batch; n++) {
    const aOff = (a.batch === 1 ? 0 : n) * M * K;
    const bOff = (b.batch === 1 ? 0 : n) * K * N;
    for (let i = 0; i < M; i++) {
      const aRow = aOff + i * K;
      const outRow = (n * M + i) * N;
      // 4 output columns at a time in local variables, over k in order, skipping zero a[i, k].
      for (let j = 0; j < N; j += 4) {
        const width = Math.min(4, N - j);
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let k = 0; k < K; k++) {
          const av = a.values[aRow + k];
          if (av === 0) continue;
          const p = bOff + k * N + j;
          a0 += av * b.values[p];
          if (width > 1) a1 += av * b.values[p + 1];
          if (width > 2) a2 += av * b.values[p + 2];
          if (width > 3) a3 += av * b.values[p + 3];
        }
        out[outRow + j] = finish(a0, j);
        if (width > 1) out[outRow + j + 1] = finish(a1, j + 1);
        if (width > 2) out[outRow + j + 2] = finish(a2, j + 2);
        if (width > 3) out[outRow + j + 3] = finish(a3, j + 3);
      }
    }
  }
  return out;
}

/** Output shape, or null for what this kernel leaves to tfjs (dtypes, batch broadcasting beyond 1). */
function plan(a: tf.TensorInfo, b: tf.TensorInfo, attrs: MatMulAttrs): number[] | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const sizeA = outerA.reduce((x, y) => x * y, 1);
  const sizeB = outerB.reduce((x, y) => x * y, 1);
  const sameOuter = outerA.length === outerB.length && outerA.every((d, k) => d === outerB[k]);
  const aBroadcasts = sizeA === 1 && outerA.length <= outerB.length;
  const bBroadcasts = sizeB === 1 && outerB.length <= outerA.length;
  if (!sameOuter && !aBroadcasts && !bBroadcasts) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const inner = attrs.transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  if (inner !== (attrs.transposeB ? b.shape[rb - 1] : b.shape[rb - 2])) return null; // tfjs raises its own error
  const m = attrs.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const n = attrs.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  return [...(sameOuter || !aBroadcasts ? outerA : outerB), m, n];
}

function multiply(
  backend: CpuBackendLike,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  attrs: MatMulAttrs,
  shape: number[],
  bias: Float32Array | null,
  relu: boolean,
): tf.TensorInfo {
  const left = asRowMajor(a, valuesOf(backend, a), attrs.transposeA);
  const right = asRowMajor(b, valuesOf(backend, b), attrs.transposeB);
  return backend.makeTensorInfo(shape, 'float32', batchMatMulValues(left, right, bias, relu));
}

export const batchMatMulReplacement: ReplacementKernel = (args, tfjsKernel) => {
  const {inputs, backend, attrs} = args as unknown as {
    inputs: {a: tf.TensorInfo; b: tf.TensorInfo};
    backend: CpuBackendLike;
    attrs: MatMulAttrs;
  };
  const shape = plan(inputs.a, inputs.b, attrs);
  if (shape == null) return tfjsKernel(args);
  return multiply(backend, inputs.a, inputs.b, attrs, shape, null, false);
};

export const fusedMatMulReplacement: ReplacementKernel = (args, tfjsKernel) => {
  const {inputs, backend, attrs} = args as unknown as {
    inputs: {a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo};
    backend: CpuBackendLike;
    attrs: MatMulAttrs;
  };
  const shape = plan(inputs.a, inputs.b, attrs);
  const activation = attrs.activation ?? 'linear';
  const n = shape?.[shape.length - 1];
  const plainBias =
    inputs.bias == null ||
    (inputs.bias.dtype === 'float32' && inputs.bias.shape.length === 1 && inputs.bias.shape[0] === n);
  if (shape == null || !plainBias || (activation !== 'linear' && activation !== 'relu')) return tfjsKernel(args);
  const bias = inputs.bias == null ? null : valuesOf(backend, inputs.bias);
  return multiply(backend, inputs.a, inputs.b, attrs, shape, bias, activation === 'relu');
};
