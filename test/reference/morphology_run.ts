/* Runs one morphology case with tfjs on the active backend (Node and browser). */
import * as tf from '@tensorflow/tfjs';
import {morphology} from '../../index.js';
import type {MorphCase} from './morphology_cases.js';
import type {RefMorphFn} from './morphology_reference.js';

export function callMorphology(fn: RefMorphFn, x: tf.Tensor, se: tf.Tensor, opts: morphology.MorphologyOptions): tf.Tensor {
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
    const [dx, dse] = tf.grads((xi: tf.Tensor, si: tf.Tensor) => tf.sum(tf.mul(callMorphology(c.fn, xi, si, opts), r)))([x, se]);
    return {y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dse: dse.dataSync() as Float32Array};
  });
}
