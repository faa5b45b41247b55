/* Runs one morphology case with tfjs on the active backend (Node and browser). */
import * as tf from '@tensorflow/tfjs';
import {morphology} from '../../index.js';
import type {MorphCase} from './morphology_cases.js';
import type {RefMorphFn} from './morphology_reference.js';

export function callMorphology(
  fn: RefMorphFn,
  x: tf.Tensor,
  se: tf.Tensor,
  opts: morphology.MorphologyOptions,
): tf.Tensor {
  switch (fn) {
    case 'gradient':
      return morphology.gradient(x, se, opts);
    case 'internalGradient':
      return morphology.gradient(x, se, {...opts, variant: 'internal'});
    case 'externalGradient':
      return morphology.gradient(x, se, {...opts, variant: 'external'});
    default:
      return morphology[fn](x, se, opts);
  }
}

/** y and the gradients of L = Σ r·y by x and by the element. */
export function runMorphCase(c: MorphCase): {y: Float32Array; dx: Float32Array; dse: Float32Array} {
  return tf.tidy(() => {
    const x = tf.tensor4d(c.x, c.shape);
    const se = tf.tensor3d(c.se, [c.seSize[0], c.seSize[1], c.shape[3]]);
    const r = tf.tensor4d(c.r, c.shape);
    const opts = {border: c.border, ...(c.origin ? {origin: c.origin} : {})};
    const y = callMorphology(c.fn, x, se, opts);
    const [dx, dse] = tf.grads((xi: tf.Tensor, si: tf.Tensor) => tf.sum(tf.mul(callMorphology(c.fn, xi, si, opts), r)))(
      [x, se],
    );
    return {y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dse: dse.dataSync() as Float32Array};
  });
}

/**
 * runMorphCase with asynchronous reads: tfjs's synchronous WebGPU read-back (dataSync) goes through
 * a canvas path that fails on SwiftShader's WebGPU, so the webgpu suites read with data().
 */
export async function runMorphCaseAsync(c: MorphCase): Promise<{y: Float32Array; dx: Float32Array; dse: Float32Array}> {
  const {y, dx, dse} = tf.tidy(() => {
    const x = tf.tensor4d(c.x, c.shape);
    const se = tf.tensor3d(c.se, [c.seSize[0], c.seSize[1], c.shape[3]]);
    const r = tf.tensor4d(c.r, c.shape);
    const opts = {border: c.border, ...(c.origin ? {origin: c.origin} : {})};
    const y = callMorphology(c.fn, x, se, opts);
    const [dx, dse] = tf.grads((xi: tf.Tensor, si: tf.Tensor) => tf.sum(tf.mul(callMorphology(c.fn, xi, si, opts), r)))(
      [x, se],
    );
    return {y, dx, dse};
  });
  try {
    const [yv, dxv, dsev] = await Promise.all([y.data(), dx.data(), dse.data()]);
    return {y: yv as Float32Array, dx: dxv as Float32Array, dse: dsev as Float32Array};
  } finally {
    tf.dispose([y, dx, dse]);
  }
}
