/*
 * Add and Multiply for the cpu backend, float32 operands of equal shape or where one operand's
 * shape is a suffix of the other's (a bias [C] against [B, H, W, C], a scalar against anything).
 *
 * Why: tfjs-backend-cpu 4.22 builds every binary op from one shared template that calls the op
 * through a closure and indexes with `i % length`; since all ops share that template's code, V8
 * cannot inline the closure, and in the MNIST example (examples/node-mnist) Add and Multiply (bias adds, ReLU gradients
 * dy·step(x), Adam's updates) were ~15% of a profiled epoch. The loops below are written out per
 * op so each compiles to a plain loop. Other shapes and dtypes go to tfjs's kernel.
 */
import type * as tf from '@tensorflow/tfjs-core';
import {type CpuBackendLike, type ReplacementKernel, valuesOf} from './kernel_types.js';

/** [long, short] when `short`'s shape is a suffix of `long`'s (equal shapes included), else null. */
function suffixPair(a: tf.TensorInfo, b: tf.TensorInfo): [tf.TensorInfo, tf.TensorInfo] | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const isSuffix = (long: number[], short: number[]) =>
    short.length <= long.length && short.every((d, k) => d === long[long.length - short.length + k]);
  if (isSuffix(a.shape, b.shape)) return [a, b];
  if (isSuffix(b.shape, a.shape)) return [b, a];
  return null;
}

function add(long: Float32Array, short: Float32Array): Float32Array {
  const out = new Float32Array(long.length);
  const n = short.length;
  if (n === long.length) {
    for (let i = 0; i < n; i++) out[i] = long[i] + short[i];
  } else if (n === 1) {
    const s = short[0];
    for (let i = 0; i < long.length; i++) out[i] = long[i] + s;
  } else {
    for (let off = 0; off < long.length; off += n) for (let k = 0; k < n; k++) out[off + k] = long[off + k] + short[k];
  }
  return out;
}

function multiply(long: Float32Array, short: Float32Array): Float32Array {
  const out = new Float32Array(long.length);
  const n = short.length;
  if (n === long.length) {
    for (let i = 0; i < n; i++) out[i] = long[i] * short[i];
  } else if (n === 1) {
    const s = short[0];
    for (let i = 0; i < long.length; i++) out[i] = long[i] * s;
  } else {
    for (let off = 0; off < long.length; off += n) for (let k = 0; k < n; k++) out[off + k] = long[off + k] * short[k];
  }
  return out;
}

function binary(impl: (long: Float32Array, short: Float32Array) => Float32Array): ReplacementKernel {
  return (args, tfjsKernel) => {
    const {inputs, backend} = args as unknown as {
      inputs: {a: tf.TensorInfo; b: tf.TensorInfo};
      backend: CpuBackendLike;
    };
    const pair = suffixPair(inputs.a, inputs.b);
    // An empty suffix operand would mean a zero-size result; leave that corner to tfjs.
    if (pair == null || valuesOf(backend, pair[1]).length === 0) return tfjsKernel(args);
    const [long, short] = pair;
    return backend.makeTensorInfo([...long.shape], 'float32', impl(valuesOf(backend, long), valuesOf(backend, short)));
  };
}

export const addReplacement = binary(add);
export const multiplyReplacement = binary(multiply);
