/*
 * Relu and Step for the cpu backend, float32 (the activation of every conv and dense layer here,
 * and its gradient dy·step(x)).
 *
 * Why: as for Add / Multiply (binary_elementwise.ts), tfjs-backend-cpu 4.22's shared unary
 * template calls the op through a closure V8 cannot inline. Same values as tfjs's ops, NaN
 * included: relu(NaN) = NaN, relu(−0) = 0, step(NaN) = NaN, step(x ≤ 0) = alpha.
 */
import type * as tf from '@tensorflow/tfjs-core';
import {type CpuBackendLike, type ReplacementKernel, valuesOf} from './kernel_types.js';

export const reluReplacement: ReplacementKernel = (args, tfjsKernel) => {
  const {inputs, backend} = args as unknown as {inputs: {x: tf.TensorInfo}; backend: CpuBackendLike};
  if (inputs.x.dtype !== 'float32') return tfjsKernel(args);
  const x = valuesOf(backend, inputs.x);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v > 0 ? v : v === v ? 0 : NaN;
  }
  return backend.makeTensorInfo([...inputs.x.shape], 'float32', out);
};

export const stepReplacement: ReplacementKernel = (args, tfjsKernel) => {
  const {inputs, backend, attrs} = args as unknown as {
    inputs: {x: tf.TensorInfo};
    backend: CpuBackendLike;
    attrs: {alpha: number};
  };
  if (inputs.x.dtype !== 'float32') return tfjsKernel(args);
  const x = valuesOf(backend, inputs.x);
  const out = new Float32Array(x.length);
  const alpha = attrs.alpha;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v > 0 ? 1 : v === v ? alpha : NaN;
  }
  return backend.makeTensorInfo([...inputs.x.shape], 'float32', out);
};
