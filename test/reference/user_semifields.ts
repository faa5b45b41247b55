/*
 * The user semifields of the registerSemifield tests (browser-safe): max-times (⊕ = max, ⊗ = ·, on
 * positive reals) and log-sum-exp at a chosen μ, declared by hand; plus a generic float64 reference
 * of the op (groups 1, stride 1) for a ⊕ given as a reduction over a window's terms.
 */
import * as tf from '@tensorflow/tfjs';
import type {SemifieldDefinition, SemifieldSpec} from '../../index.js';

export const LSE_MU = 0.5;

export const maxTimesDefinition: SemifieldDefinition = {
  name: 'maxtimes',
  summary: 'max(a, b), a · b on positive reals',
  zero: 0,
  times: 'multiply',
  plus: (a, b) => tf.maximum(a, b),
  gradient: {kind: 'selection', better: (t, acc) => tf.greater(t, acc)},
};

export const lseDefinition: SemifieldDefinition = {
  name: 'lse',
  params: {mu: LSE_MU},
  create: ({mu}): SemifieldSpec => ({
    description: `μ·log(e^{a/μ} + e^{b/μ}), a + b (μ = ${mu})`,
    zero: -Infinity,
    times: 'add',
    plus: (a, b) => tf.mul(mu, tf.log(tf.add(tf.exp(tf.div(a, mu)), tf.exp(tf.div(b, mu))))),
    gradient: {
      kind: 'invertible',
      f: (t) => tf.exp(tf.div(t, mu)),
      fInverse: (s) => tf.mul(mu, tf.log(s)),
      fPrime: (t) => tf.div(tf.exp(tf.div(t, mu)), mu),
      // stable forms (optional): f(t)/f(m), f⁻¹(s·f(m)), f′(t)/f′(y)
      ratio: (t, m) => tf.exp(tf.div(tf.sub(t, m), mu)),
      finalize: (m, s) => tf.add(m, tf.mul(mu, tf.log(s))),
      gradWeight: (t, y) => tf.exp(tf.div(tf.sub(t, y), mu)),
    },
  }),
};

export const refMaxTimes = {term: (x: number, w: number) => x * w, reduce: (t: number[]) => (t.length ? Math.max(...t) : 0)};
export function refLse(mu: number) {
  return {
    term: (x: number, w: number) => x + w,
    reduce: (t: number[]) => {
      if (!t.length) return -Infinity;
      const m = Math.max(...t);
      return m + mu * Math.log(t.reduce((s, v) => s + Math.exp((v - m) / mu), 0));
    },
  };
}

/** y of the op (groups 1, stride 1, explicit padding [top, left]) in float64. */
export function refConvGeneric(
  x: ArrayLike<number>,
  xShape: [number, number, number, number],
  w: ArrayLike<number>,
  wShape: [number, number, number, number],
  pad: [number, number],
  sf: {term: (x: number, w: number) => number; reduce: (t: number[]) => number},
): Float64Array {
  const [B, H, W, Cin] = xShape;
  const [kh, kw, , Cout] = wShape;
  const [pt, pl] = pad;
  const OH = H + 2 * pt - kh + 1;
  const OW = W + 2 * pl - kw + 1;
  const y = new Float64Array(B * OH * OW * Cout);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++)
        for (let o = 0; o < Cout; o++) {
          const terms: number[] = [];
          for (let di = 0; di < kh; di++)
            for (let dj = 0; dj < kw; dj++)
              for (let c = 0; c < Cin; c++) {
                const ih = i + di - pt;
                const iw = j + dj - pl;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                terms.push(sf.term(x[((b * H + ih) * W + iw) * Cin + c], w[((di * kw + dj) * Cin + c) * Cout + o]));
              }
          y[((b * OH + i) * OW + j) * Cout + o] = sf.reduce(terms);
        }
  return y;
}
