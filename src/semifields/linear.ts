import * as tf from '@tensorflow/tfjs-core';
import {floatLiteral} from './literals.js';
import type {InvertibleSemifield, ShaderLanguage, ShaderSnippets} from './types.js';

/** The ordinary (+, ·) semiring: semifieldConv2d with it is tf.conv2d with groups. */
export const linear: InvertibleSemifield = {
  name: 'linear',
  gradientRule: 'invertible',
  accumulation: 'sum',
  config: {name: 'linear'},
  key: JSON.stringify({name: 'linear'}),
  description: 'a ⊕ b = a + b, a ⊗ b = a · b',
  zero: 0,
  one: 1,
  multiplicative: true,
  term: (x, w) => x * w,
  plus: (a, b) => a + b,
  // The anchor/ratio machinery is unused by 'sum' accumulation; these keep the interface total.
  dominates: () => false,
  ratio: (a) => a,
  finalize: (_m, s) => s,
  gradWeight: () => 1,
  termTensor: (x, w) => tf.mul(x, w),
  dominantTensor: (a) => a,
  reduceDominantTensor: (t, axis) => tf.sum(t, axis),
  ratioTensor: (a) => a,
  finalizeTensor: (_m, s) => s,
  gradWeightTensor: (t) => tf.onesLike(t),
  safeAnchorTensor: (m) => tf.zerosLike(m),
  scaledTermTensor: (t) => t,
  finalizeFromAnchorTensor: (_m, _anchor, s) => s,
  shader(lang: ShaderLanguage): ShaderSnippets {
    return {
      zero: floatLiteral(0, lang),
      term: (x, w) => `(${x} * ${w})`,
      gradWeight: () => floatLiteral(1, lang),
    };
  },
};
