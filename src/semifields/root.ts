import * as tf from '@tensorflow/tfjs-core';
import {floatLiteral} from './literals.js';
import {anyOf, FACTORISED_MAX_GRAD_SCALE, FACTORISED_MIN_SUM, powLiteral, ternary} from './shader_util.js';
import type {InvertibleSemifield, ShaderLanguage, ShaderSnippets} from './types.js';

/**
 * The root semifield with power p ≠ 0 on the domain [0, ∞]: a ⊕ b = (a^p + b^p)^{1/p},
 * a ⊗ b = a·b. p → ∞ tends to max-times. 𝟘 is 0 for p > 0 and +∞ for p < 0.
 *
 * Terms x·w below 0 are outside the domain: they are clamped to 0 (so they count as 𝟘 for p > 0)
 * and receive zero gradient. Kernels keep the dominant term m (max for p > 0, min for p < 0) and
 * s = Σ (t/m)^p ≥ 1, so y = m·s^{1/p}: every power has a base ≤ 1, so p = 50 does not overflow
 * float32.
 */
export function rootSemifield(p: number): InvertibleSemifield {
  const zero = p > 0 ? 0 : Infinity;
  const up = p > 0;
  const powP = powFunction(p);
  const powInv = powFunction(1 / p);
  const powGrad = powFunction(p - 1);
  const ratio = (a: number, m: number) => (a === zero ? 0 : a === m ? 1 : powP(a / m));
  const finalize = (m: number, s: number) => (m === zero ? zero : m * powInv(s));
  return {
    name: 'root',
    gradientRule: 'invertible',
    accumulation: 'rescaled',
    config: {name: 'root', p},
    key: JSON.stringify({name: 'root', p}),
    description: `a ⊕ b = (a^${p} + b^${p})^(1/${p}), a ⊗ b = a · b, on [0, ∞]`,
    zero,
    one: 1,
    multiplicative: true,
    term: (x, w) => Math.max(x * w, 0),
    plus(a, b) {
      const m = up ? Math.max(a, b) : Math.min(a, b);
      return finalize(m, ratio(a, m) + ratio(b, m));
    },
    dominates: up ? (t, m) => t > m : (t, m) => t < m,
    ratio,
    finalize,
    gradWeight: (t, y) => (y === zero || y === 0 || t <= 0 ? 0 : t === y ? 1 : powGrad(t / y)),
    termTensor: (x, w) => tf.relu(tf.mul(x, w)),
    dominantTensor: up ? (a, b) => tf.maximum(a, b) : (a, b) => tf.minimum(a, b),
    reduceDominantTensor: up ? (t, axis) => tf.max(t, axis) : (t, axis) => tf.min(t, axis),
    ratioTensor: (a, m) =>
      tf.tidy(() =>
        tf.where(tf.equal(a, zero), tf.scalar(0), tf.where(tf.equal(a, m), tf.scalar(1), tf.pow(tf.div(a, m), p))),
      ),
    finalizeTensor: (m, s) => tf.tidy(() => tf.where(tf.equal(m, zero), tf.scalar(zero), tf.mul(m, tf.pow(s, 1 / p)))),
    safeAnchorTensor: (m) =>
      tf.tidy(() => tf.where(tf.logicalAnd(tf.isFinite(m), tf.greater(m, 0)), m, tf.onesLike(m))),
    scaledTermTensor: (t, anchor) => tf.pow(tf.div(t, anchor), p),
    // m finite and > 0: y = m·s^{1/p}. Otherwise m is 0 or ∞ and so is y (for p < 0, m = 0 means a
    // zero term dominates; for p > 0, m = 0 means no live term).
    finalizeFromAnchorTensor: (m, anchor, s) =>
      tf.tidy(() => tf.where(tf.logicalAnd(tf.isFinite(m), tf.greater(m, 0)), tf.mul(anchor, tf.pow(s, 1 / p)), m)),
    gradWeightTensor: (t, y) =>
      tf.tidy(() => {
        const dead = tf.logicalOr(tf.logicalOr(tf.equal(y, zero), tf.equal(y, 0)), tf.lessEqual(t, 0));
        // p < 1: (t/y)^{p−1} = e^{(p−1)(ln t − ln y)}. The float32 ratio t/y underflows to 0 (and
        // the weight to ∞) for live terms far below y (p ∈ (0, 1)); the logarithms do not.
        const ratioPow = p < 1 ? tf.exp(tf.mul(p - 1, tf.sub(tf.log(t), tf.log(y)))) : tf.pow(tf.div(t, y), p - 1);
        const live = tf.where(tf.equal(t, y), tf.scalar(1), ratioPow);
        return tf.where(dead, tf.scalar(0), live);
      }),
    shader(lang: ShaderLanguage): ShaderSnippets {
      const z = floatLiteral(zero, lang);
      const f = (v: number) => floatLiteral(v, lang);
      const pow = (base: string, exponent: number) => powLiteral(base, exponent, f);
      const signedPart = (v: string, fv: string, part: number) =>
        ternary(lang, `${v} ${part === 0 ? '>' : '<'} ${f(0)}`, part === 0 ? fv : `-(${fv})`, f(0));
      return {
        zero: z,
        term: (x, w) => `max(${x} * ${w}, ${f(0)})`,
        dominates: (t, m) => `(${t} ${up ? '>' : '<'} ${m})`,
        ratio: (a, m) =>
          ternary(lang, `${a} == ${z}`, f(0), ternary(lang, `${a} == ${m}`, f(1), pow(`${a} / ${m}`, p))),
        finalize: (m, s) => ternary(lang, `${m} == ${z}`, z, `${m} * ${pow(s, 1 / p)}`),
        gradWeight: (t, y) =>
          ternary(
            lang,
            anyOf(lang, `${y} == ${z}`, `${y} == ${f(0)}`, `${t} <= ${f(0)}`),
            f(0),
            // p < 1: e^{(p−1)(ln t − ln y)}, not pow(t / y, p − 1): the float32 ratio of a live
            // term far below y underflows to 0 and the weight to ∞ (issue 15).
            ternary(
              lang,
              `${t} == ${y}`,
              f(1),
              p < 1 ? `exp(${f(p - 1)} * (log(${t}) - log(${y})))` : pow(`${t} / ${y}`, p - 1),
            ),
          ),
        // p < 1: the weight of a live term far from y can lie below float32's range (p = −1:
        // (y/t)² ~ 1e-48) while weight · b does not (b ~ 1e31), so ln|b| joins the exponent.
        // t = ∞ ≠ y (p < 0: the term adds 0 to Σ t^p) has weight 0: the exponent would be −∞ + ln|b|.
        // p ≥ 1 keeps the product: the weight (t/y)^{p−1} ≤ 1 underflows only where t/y does.
        gradWeightTimes:
          p < 1
            ? (t, y, b) =>
                ternary(
                  lang,
                  anyOf(lang, `${y} == ${z}`, `${y} == ${f(0)}`, `${t} <= ${f(0)}`),
                  f(0),
                  ternary(
                    lang,
                    `${t} == ${y}`,
                    b,
                    ternary(
                      lang,
                      `${t} == ${f(Infinity)}`,
                      f(0),
                      `sign(${b}) * exp(${f(p - 1)} * (log(${t}) - log(${y})) + log(abs(${b})))`,
                    ),
                  ),
                )
            : undefined,
        // p > 0 only: (x·w)^p = (|x|/X)^p·(|w|/W)^p·(X·W)^p for x, w of equal sign (other pairs are
        // clamped to 0), X / W the largest |x| / |w|, so both factors are ≤ 1. For p < 0 the
        // smallest term dominates and a zero operand makes its factor infinite: no factorised form.
        factorised: up
          ? {
              parts: 2,
              anchorOf: (v) => `abs(${v})`,
              anchorInit: f(0),
              combineAnchors: (a, b) => `max(${a}, ${b})`,
              // p < 1: |v|^p / a^p, not (|v|/a)^p: the ratio is flushed to 0 below 1.2e-38 where its
              // p-th power is not (p = ½: 1e-40 → 1e-20; p = 0.1: → 1.6e-4), so a product the sum
              // needs would be lost far above the 2^-126 that minSum allows for.
              factor: (v, a) => (p < 1 ? `(${pow(`abs(${v})`, p)} / ${pow(a, p)})` : pow(`abs(${v}) / ${a}`, p)),
              factorPart: (v, fv, part) => ternary(lang, `${v} ${part === 0 ? '>' : '<'} ${f(0)}`, fv, f(0)),
              inFirstPart: (v) => `(${v} > ${f(0)})`,
              // y = X·W·s^{1/p} in an order without spurious under- or overflow: X·W first when one
              // anchor is ≥ 1 and the other < 1 (X·W lies between them), else X·(W·s^{1/p}) (both ≥ 1:
              // W·s^{1/p} ≥ W·1e-20; both < 1: W·s^{1/p} underflows only where y does). A fixed
              // X·(W·r) flushed y = 2e-9 to 0 (W ~ 1e-30 below float32's normal range after · r).
              finalize: (xa, wa, s) =>
                ternary(
                  lang,
                  `(${xa} >= ${f(1)}) != (${wa} >= ${f(1)})`,
                  `(${xa} * ${wa}) * ${pow(s, 1 / p)}`,
                  `${xa} * (${wa} * ${pow(s, 1 / p)})`,
                ),
              // s^{1/p} must not underflow either (p = ½: s = 1e-20 gives s² = 1e-40, flushed to 0):
              // for p < 1 the bound is FACTORISED_MIN_SUM^p, so that s^{1/p} ≥ FACTORISED_MIN_SUM.
              minSum: f(p < 1 ? Math.pow(FACTORISED_MIN_SUM, p) : FACTORISED_MIN_SUM),
              emptyAnchor: f(1),
              // For x, w of equal sign, dy·∂y/∂t·∂t/∂x = dy·(x·w/y)^{p−1}·w
              //   = (|x|/X)^{p−1} · sign(w)·(|w|/W)^p · dy·(X·W/y)^{p−1}·W, and the same with x and
              // w swapped for ∂t/∂w; the sign of the pair goes into ownPart. p ≥ 1 keeps
              // (|x|/X)^{p−1} ≤ 1 (and 0 at x = 0).
              grad:
                p >= 1
                  ? {
                      scale: (xa, wa, y) => pow(`(${xa} * ${wa}) / ${y}`, p - 1),
                      maxScale: f(FACTORISED_MAX_GRAD_SCALE),
                      own: (v, a) => pow(`abs(${v}) / ${a}`, p - 1),
                      ownPart: signedPart,
                      partnerWeight: (b) => b,
                    }
                  : undefined,
            }
          : undefined,
      };
    },
  };
}

/**
 * b ↦ b^e for the CPU kernels' per-term calls: the small integer exponents as products and ½ as
 * sqrt (V8 fast-paths Math.pow(b, 2) but not 3, so without this p = 3 cost the CPU kernel many
 * times what p = 2 costs). Bases are ≥ 0; the results agree with Math.pow up to rounding.
 */
function powFunction(e: number): (b: number) => number {
  switch (e) {
    case 0:
      return () => 1;
    case 0.5:
      return Math.sqrt;
    case 1:
      return (b) => b;
    case 2:
      return (b) => b * b;
    case 3:
      return (b) => b * b * b;
    case 4:
      return (b) => {
        const b2 = b * b;
        return b2 * b2;
      };
    default:
      return (b) => Math.pow(b, e);
  }
}
