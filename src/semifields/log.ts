import * as tf from '@tensorflow/tfjs-core';
import {floatLiteral} from './literals.js';
import {FACTORISED_MAX_GRAD_SCALE, FACTORISED_MIN_SUM, ternary} from './shader_util.js';
import type {InvertibleSemifield, ShaderLanguage, ShaderSnippets} from './types.js';

/**
 * The log semifield with temperature μ ≠ 0: a ⊕ b = μ·log(e^{a/μ} + e^{b/μ}), a ⊗ b = a + b.
 * μ → 0⁺ tends to max-plus, μ → 0⁻ to min-plus. 𝟘 is −∞ for μ > 0 and +∞ for μ < 0.
 *
 * Kernels never evaluate e^{t/μ} raw: they keep the dominant term m (the max for μ > 0, the min
 * for μ < 0) and s = Σ e^{(t−m)/μ} ≥ 1, so y = m + μ·log s (streaming log-sum-exp). Every
 * exponent is ≤ 0, so nothing overflows for any |t/μ|; ±∞ and 𝟘 terms are handled by exact
 * comparisons before any subtraction of infinities can happen.
 */
export function logSemifield(mu: number): InvertibleSemifield {
  const zero = mu > 0 ? -Infinity : Infinity;
  const up = mu > 0;
  const ratio = (a: number, m: number) => (a === zero ? 0 : a === m ? 1 : Math.exp((a - m) / mu));
  return {
    name: 'log',
    gradientRule: 'invertible',
    accumulation: 'rescaled',
    config: {name: 'log', mu},
    key: JSON.stringify({name: 'log', mu}),
    description: `a ⊕ b = ${mu}·log(e^{a/${mu}} + e^{b/${mu}}), a ⊗ b = a + b`,
    zero,
    one: 0,
    multiplicative: false,
    term: (x, w) => x + w,
    plus(a, b) {
      const m = up ? Math.max(a, b) : Math.min(a, b);
      if (m === zero) return zero;
      return m + mu * Math.log(ratio(a, m) + ratio(b, m));
    },
    dominates: up ? (t, m) => t > m : (t, m) => t < m,
    ratio,
    finalize: (m, s) => (m === zero ? zero : m + mu * Math.log(s)),
    gradWeight: (t, y) => (y === zero ? 0 : t === y ? 1 : Math.exp((t - y) / mu)),
    termTensor: (x, w) => tf.add(x, w),
    dominantTensor: up ? (a, b) => tf.maximum(a, b) : (a, b) => tf.minimum(a, b),
    reduceDominantTensor: up ? (t, axis) => tf.max(t, axis) : (t, axis) => tf.min(t, axis),
    ratioTensor: (a, m) =>
      tf.tidy(() =>
        tf.where(
          tf.equal(a, zero),
          tf.scalar(0),
          tf.where(tf.equal(a, m), tf.scalar(1), tf.exp(tf.div(tf.sub(a, m), mu))),
        ),
      ),
    finalizeTensor: (m, s) =>
      tf.tidy(() => tf.where(tf.equal(m, zero), tf.scalar(zero), tf.add(m, tf.mul(mu, tf.log(s))))),
    safeAnchorTensor: (m) => tf.tidy(() => tf.where(tf.isFinite(m), m, tf.zerosLike(m))),
    scaledTermTensor: (t, anchor) => tf.exp(tf.div(tf.sub(t, anchor), mu)),
    // m finite: y = m + μ·log s. m = 𝟘: 𝟘. m = −𝟘 (an infinite term of the other sign): s = ∞ and y = m.
    finalizeFromAnchorTensor: (m, anchor, s) =>
      tf.tidy(() => tf.where(tf.isFinite(m), tf.add(anchor, tf.mul(mu, tf.log(s))), m)),
    gradWeightTensor: (t, y) =>
      tf.tidy(() =>
        tf.where(
          tf.equal(y, zero),
          tf.scalar(0),
          tf.where(tf.equal(t, y), tf.scalar(1), tf.exp(tf.div(tf.sub(t, y), mu))),
        ),
      ),
    shader(lang: ShaderLanguage): ShaderSnippets {
      const z = floatLiteral(zero, lang);
      const f = (v: number) => floatLiteral(v, lang);
      const invMu = f(1 / mu);
      return {
        zero: z,
        term: (x, w) => `(${x} + ${w})`,
        dominates: (t, m) => `(${t} ${up ? '>' : '<'} ${m})`,
        ratio: (a, m) =>
          ternary(lang, `${a} == ${z}`, f(0), ternary(lang, `${a} == ${m}`, f(1), `exp((${a} - ${m}) * ${invMu})`)),
        finalize: (m, s) => ternary(lang, `${m} == ${z}`, z, `${m} + ${f(mu)} * log(${s})`),
        gradWeight: (t, y) =>
          ternary(lang, `${y} == ${z}`, f(0), ternary(lang, `${t} == ${y}`, f(1), `exp((${t} - ${y}) * ${invMu})`)),
        // e^{(x+w)/μ} = e^{(x−X)/μ}·e^{(w−W)/μ}·e^{(X+W)/μ}, X / W the dominant x / w (max for μ > 0,
        // min for μ < 0), so both factors are ≤ 1.
        factorised: {
          parts: 1,
          anchorOf: (v) => v,
          anchorInit: z,
          combineAnchors: (a, b) => `${up ? 'max' : 'min'}(${a}, ${b})`,
          factor: (v, a) => `exp((${v} - ${a}) * ${invMu})`,
          factorPart: (_v, fv) => fv,
          finalize: (xa, wa, s) => `(${xa} + ${wa}) + ${f(mu)} * log(${s})`,
          minSum: f(FACTORISED_MIN_SUM),
          emptyAnchor: f(0),
          // ∂y/∂t = e^{(x+w−y)/μ} = e^{(x−X)/μ}·e^{(w−W)/μ}·e^{(X+W−y)/μ}.
          grad: {
            scale: (xa, wa, y) => `exp(((${xa} + ${wa}) - ${y}) * ${invMu})`,
            maxScale: f(FACTORISED_MAX_GRAD_SCALE),
            own: (v, a) => `exp((${v} - ${a}) * ${invMu})`,
            ownPart: (_v, fv) => fv,
          },
        },
      };
    },
  };
}
