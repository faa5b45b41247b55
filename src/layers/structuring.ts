import * as tf from '@tensorflow/tfjs-core';
import type {Semifield} from '../semifields/types.js';

/**
 * Express an additive structuring function q (q ≤ 0, q(0) = 0: the quadratic kernels) as a
 * filter of semifield `sf`, so that in every semifield the centre tap is 𝟙 and far taps tend to 𝟘:
 *
 * - ⊗ = + (maxplus, log μ > 0): q;          min-like ⊕ (minplus, log μ < 0): −q
 * - ⊗ = · (linear, root p > 0): e^{q};     min-like ⊕ (root p < 0):         e^{−q}
 *
 * For max-plus this is the classical quadratic dilation; for linear, e^{q} is an (unnormalised)
 * Gaussian window; for min-plus, −q is the structuring function of the matching erosion.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {getSemifield} from 'tfjs-semifield';
 * import {structuringToSemifield} from 'tfjs-semifield/layers';
 * const q = tf.tensor4d([-1, 0, -1], [1, 3, 1, 1]);
 * structuringToSemifield(q, getSemifield('linear')); // e^{q}: [0.37, 1, 0.37]
 */
export function structuringToSemifield(q: tf.Tensor4D, sf: Semifield): tf.Tensor4D {
  return tf.tidy(() => {
    const minLike = sf.zero === Infinity;
    const signed = minLike ? tf.neg(q) : q;
    return (sf.multiplicative ? tf.exp(signed) : signed) as tf.Tensor4D;
  });
}
