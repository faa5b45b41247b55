import * as tf from '@tensorflow/tfjs-core';
import {floatLiteral} from './literals.js';
import type {SelectionSemifield, ShaderLanguage, ShaderSnippets} from './types.js';

/**
 * Shared shape of the tropical semifields (⊕ = max or min, ⊗ = +). They differ only in the
 * direction of the selection, so maxplus.ts and minplus.ts each call this once.
 */
export function tropicalSemifield(name: 'maxplus' | 'minplus'): SelectionSemifield {
  const direction: 1 | -1 = name === 'maxplus' ? 1 : -1;
  const zero = -direction * Infinity;
  const cmp = direction === 1 ? '>' : '<';
  return {
    name,
    gradientRule: 'selection',
    config: {name},
    key: JSON.stringify({name}),
    description: direction === 1 ? 'a ⊕ b = max(a, b), a ⊗ b = a + b' : 'a ⊕ b = min(a, b), a ⊗ b = a + b',
    zero,
    one: 0,
    multiplicative: false,
    direction,
    term: (x, w) => x + w,
    plus: direction === 1 ? Math.max : Math.min,
    better: direction === 1 ? (t, acc) => t > acc : (t, acc) => t < acc,
    termTensor: (x, w) => tf.add(x, w),
    reduceTensor: direction === 1 ? (t, axis) => tf.max(t, axis) : (t, axis) => tf.min(t, axis),
    betterTensor: direction === 1 ? (t, acc) => tf.greater(t, acc) : (t, acc) => tf.less(t, acc),
    shader(lang: ShaderLanguage): ShaderSnippets {
      return {
        zero: floatLiteral(zero, lang),
        term: (x, w) => `(${x} + ${w})`,
        better: (t, acc) => `(${t} ${cmp} ${acc})`,
      };
    },
  };
}
