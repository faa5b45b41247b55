/*
 * The user semifields of the registerSemifield tests (browser-safe): max-times (⊕ = max, ⊗ = ·, on
 * positive reals) and log-sum-exp at a chosen μ, declared by hand (once in tensor form only, once
 * with hand-written fused forms); a generic float64 reference of the op (groups 1, stride 1) for a ⊕
 * given as a reduction over a window's terms; and the checks the GPU suites share.
 */
import * as tf from '@tensorflow/tfjs';
import {semifieldConv2d, type SemifieldDefinition, type SemifieldSpec, type ShaderLanguage} from '../../index.js';
import {uniform} from './random.js';

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

/**
 * log-sum-exp at μ again, with the fused forms a user supplies to get the fused kernels: the scalar
 * functions and the GLSL / WGSL expression templates, all written out here by hand (nothing taken
 * from the built-in log). The templates follow ShaderSnippets: `ratio` and `gradWeight` are exactly
 * 1 where their operands are equal (covers ±∞), 𝟘 operands give 0 and a 𝟘 anchor gives 𝟘. ±∞ is
 * `INFINITY` in GLSL and `uniforms.INFINITY` in WGSL (neither language has an infinity literal).
 */
export const lseFusedDefinition: SemifieldDefinition = {
  name: 'lsefused',
  params: {mu: LSE_MU},
  create: ({mu}): SemifieldSpec => {
    const spec = (lseDefinition as {create(p: Record<string, number>): SemifieldSpec}).create({mu});
    // A float literal: a '.' or exponent (both languages), WGSL's f suffix, parentheses if negative.
    const num = (v: number, lang: ShaderLanguage) => {
      let text = String(Math.fround(v));
      if (!/[.eE]/.test(text)) text += '.0';
      if (lang === 'wgsl') text += 'f';
      return v < 0 ? `(${text})` : text;
    };
    const sel = (lang: ShaderLanguage, c: string, t: string, f: string) =>
      lang === 'glsl' ? `((${c}) ? (${t}) : (${f}))` : `select(${f}, ${t}, ${c})`;
    return {
      ...spec,
      fused: {
        term: (x, w) => x + w,
        plus: (a, b) => {
          const m = Math.max(a, b);
          return m === -Infinity ? m : m + mu * Math.log(Math.exp((a - m) / mu) + Math.exp((b - m) / mu));
        },
        dominates: (t, m) => t > m,
        ratio: (a, m) => (a === -Infinity ? 0 : a === m ? 1 : Math.exp((a - m) / mu)),
        finalize: (m, sum) => (m === -Infinity ? m : m + mu * Math.log(sum)),
        gradWeight: (t, y) => (y === -Infinity ? 0 : t === y ? 1 : Math.exp((t - y) / mu)),
        shader: (lang) => {
          const zero = lang === 'glsl' ? '(-INFINITY)' : '(-uniforms.INFINITY)';
          const invMu = num(1 / mu, lang);
          return {
            zero,
            term: (x, w) => `(${x} + ${w})`,
            dominates: (t, m) => `(${t} > ${m})`,
            ratio: (a, m) =>
              sel(
                lang,
                `${a} == ${zero}`,
                num(0, lang),
                sel(lang, `${a} == ${m}`, num(1, lang), `exp((${a} - ${m}) * ${invMu})`),
              ),
            finalize: (m, sum) => sel(lang, `${m} == ${zero}`, zero, `${m} + ${num(mu, lang)} * log(${sum})`),
            gradWeight: (t, y) =>
              sel(
                lang,
                `${y} == ${zero}`,
                num(0, lang),
                sel(lang, `${t} == ${y}`, num(1, lang), `exp((${t} - ${y}) * ${invMu})`),
              ),
          };
        },
      },
    };
  },
};

export const refMaxTimes = {
  term: (x: number, w: number) => x * w,
  reduce: (t: number[]) => (t.length ? Math.max(...t) : 0),
};
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

/**
 * The user-semifield checks the GPU suites run (webgl and webgpu in the browser, webgpu through Dawn
 * in Node): each user semifield on the path its definition gives it — max-times and the plain
 * log-sum-exp have no fused forms (max-times could not use them: the fused selection kernels assume
 * ⊗ = +), so 'auto' runs the composite path; the log-sum-exp with hand-written snippets runs the
 * fused kernels ('fused' throws where none applies) and, forced, the composite path.
 */
export interface UserSemifieldCheck {
  semifield: 'maxtimes' | 'lse' | 'lsefused';
  implementation: 'auto' | 'composite' | 'fused';
  /** Which kernels must run: the three fused ones, or none of them. */
  path: 'fused' | 'composite';
  ref: {term: (x: number, w: number) => number; reduce: (t: number[]) => number};
  lo: number;
  hi: number;
  seed: number;
}

export const userSemifieldChecks: UserSemifieldCheck[] = [
  {semifield: 'maxtimes', implementation: 'auto', path: 'composite', ref: refMaxTimes, lo: 0.1, hi: 2, seed: 1},
  {semifield: 'lse', implementation: 'auto', path: 'composite', ref: refLse(LSE_MU), lo: -1, hi: 1, seed: 2},
  {semifield: 'lsefused', implementation: 'fused', path: 'fused', ref: refLse(LSE_MU), lo: -1, hi: 1, seed: 3},
  {semifield: 'lsefused', implementation: 'composite', path: 'composite', ref: refLse(LSE_MU), lo: -1, hi: 1, seed: 4},
];

export const userCheckXShape: [number, number, number, number] = [1, 5, 6, 2];
export const userCheckWShape: [number, number, number, number] = [3, 3, 2, 3];

/** Central differences of L = Σ r·g(v) by each entry of v, in float64. */
function centralDifferences(
  g: (v: Float64Array) => Float64Array,
  v: ArrayLike<number>,
  r: ArrayLike<number>,
  eps = 1e-6,
): Float64Array {
  const at = Float64Array.from(v);
  const loss = () => g(at).reduce((s, y, k) => s + r[k] * y, 0);
  const out = new Float64Array(at.length);
  for (let k = 0; k < at.length; k++) {
    const keep = at[k];
    at[k] = keep + eps;
    const plus = loss();
    at[k] = keep - eps;
    const minus = loss();
    at[k] = keep;
    out[k] = (plus - minus) / (2 * eps);
  }
  return out;
}

/** max |a − b| / (1 + |b|). */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let k = 0; k < b.length; k++) {
    const e = a[k] === b[k] ? 0 : Math.abs(a[k] - b[k]) / (1 + Math.abs(b[k]));
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

/**
 * Runs one check on the active backend (asynchronous reads: WebGPU in Node and SwiftShader have no
 * usable synchronous read-back) and returns its errors against the float64 reference: y, and dx /
 * dw against central differences of the reference; the kernels that ran; the tensors left behind.
 */
export async function runUserSemifieldCheck(
  c: UserSemifieldCheck,
): Promise<{y: number; dx: number; dw: number; kernels: string[]; leaked: number}> {
  const nx = userCheckXShape.reduce((a, b) => a * b);
  const nw = userCheckWShape.reduce((a, b) => a * b);
  const x = uniform(nx, c.lo, c.hi, 100 + c.seed);
  const w = uniform(nw, c.lo, c.hi, 200 + c.seed);
  const [, h, wd] = userCheckXShape;
  const r = uniform(h * wd * userCheckWShape[3], -1, 1, 300 + c.seed);
  const before = tf.memory().numTensors;
  let out: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    out = tf.tidy(() => {
      const xt = tf.tensor4d(x, userCheckXShape);
      const wt = tf.tensor4d(w, userCheckWShape);
      const rt = tf.tensor4d(r, [1, h, wd, userCheckWShape[3]]);
      const opts = {pad: 'same' as const, implementation: c.implementation};
      const f = (a: tf.Tensor, b: tf.Tensor) => semifieldConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.semifield, opts);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), rt)))([xt, wt]);
      return [f(xt, wt), dx, dw];
    });
    return [] as unknown as tf.Tensor;
  });
  const [y, dx, dw] = await Promise.all(out.map((t) => t.data()));
  tf.dispose(out);
  const ref = (xv: ArrayLike<number>, wv: ArrayLike<number>) =>
    refConvGeneric(xv, userCheckXShape, wv, userCheckWShape, [1, 1], c.ref);
  return {
    y: relError(y, ref(x, w)),
    dx: relError(
      dx,
      centralDifferences((v) => ref(v, w), x, r),
    ),
    dw: relError(
      dw,
      centralDifferences((v) => ref(x, v), w, r),
    ),
    kernels: profile.kernelNames,
    leaked: tf.memory().numTensors - before,
  };
}
