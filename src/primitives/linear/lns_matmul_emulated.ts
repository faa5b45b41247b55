import * as tf from '@tensorflow/tfjs-core';
import {checkInnerDims, checkMatrix} from './checks.js';
import {lnsDecode, lnsExponent, resolveLnsOptions, type LnsOptions, type ResolvedLnsOptions} from './lns_format.js';

/** Result of {@link lnsMatMulEmulated}: the output both as LNS codes and as the values they stand for. */
export interface LnsMatMulEmulation {
  shape: [number, number];
  /** Decoded output (−1)^s·2^(e/n), row-major, float64. */
  values: Float64Array;
  /** The dot products before requantisation: Σ_bins LUT[bin]·acc[bin]. */
  sums: Float64Array;
  /** Output exponent codes e (meaningless where `zero` is 1). */
  exponents: Int32Array;
  /** Output sign bits. */
  negative: Uint8Array;
  /** Output zero flags. */
  zero: Uint8Array;
  /**
   * True when every accumulator stayed within float64's 53-bit significand, i.e. the emulated
   * integer accumulators never lost a bit. (Checked from the exponent span, conservatively.)
   */
  exact: boolean;
}

interface EncodedMatrix {
  exponent: Int32Array;
  negative: Uint8Array;
  zero: Uint8Array;
}

function encode(name: string, values: ArrayLike<number>, fmt: ResolvedLnsOptions): EncodedMatrix {
  const exponent = new Int32Array(values.length);
  const negative = new Uint8Array(values.length);
  const zero = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new Error(`${name}: expected finite entries, but got ${v} at flat index ${i}`);
    const e = lnsExponent(v, fmt);
    negative[i] = v < 0 ? 1 : 0;
    if (e === null) zero[i] = 1;
    else exponent[i] = e;
  }
  return {exponent, negative, zero};
}

/**
 * Bit-accurate emulation of the LNS matrix product of US 2021/0056446 (Dally et al.), in plain
 * TypeScript on the CPU. Inputs are encoded as (−1)^s·2^(e/n), n = 2^F (see {@link LnsOptions}).
 *
 * For each output y_ij = Σ_k a_ik·b_kj:
 * 1. multiply = add exponents and xor signs: e = e_a + e_b, s = s_a ⊕ s_b (zero if either is zero);
 * 2. split e into quotient q = e >> F (arithmetic shift: floor for negative e) and remainder
 *    r = e & (n − 1), so that 2^(e/n) = 2^q · 2^(r/n) with 0 ≤ r < n;
 * 3. add ±2^q — a one-hot shift, no lookup per term — into the integer accumulator of remainder r;
 *    (hybrid, h < F: accumulator r >> (F − h), adding ±2^q·(1 + r_low/n), Mitchell's 2^x ≈ 1 + x on
 *    the low F − h bits r_low = r & (2^(F−h) − 1));
 * 4. once per dot product, S = Σ_bin LUT[bin]·acc[bin] with the constants LUT[bin] = 2^(bin/bins);
 * 5. requantise S to the log format: e_out = round(log2|S|·n).
 * The integer accumulators are emulated by float64 sums of powers of two, exact while their bit span
 * stays within 53 bits (reported as `exact`). So the only errors are the rounding of the inputs' and
 * the output's logs (and Mitchell's, for the hybrid): see {@link lnsErrorBound}.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import {lnsMatMulEmulated} from 'tfjs-semifield/primitives';
 * const r = lnsMatMulEmulated(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]), {fracBits: 8});
 * console.log(r.values[0]); // 11.0…: 11 rounded to the nearest 2^(e/256)
 * ```
 */
export function lnsMatMulEmulated(a: tf.Tensor2D, b: tf.Tensor2D, options: LnsOptions): LnsMatMulEmulation {
  const am = checkMatrix('a', a);
  const bm = checkMatrix('b', b);
  checkInnerDims('a', am, 'b', bm);
  const fmt = resolveLnsOptions(options);
  const [m, kDim] = am.shape;
  const nCols = bm.shape[1];
  const ea = encode('a', am.dataSync(), fmt);
  const eb = encode('b', bm.dataSync(), fmt);

  const {fracBits, n, bins} = fmt;
  const lowBits = fracBits - fmt.hybridBits;
  const lowMask = (1 << lowBits) - 1;
  const remainderMask = n - 1;
  const lut = new Float64Array(bins);
  for (let bin = 0; bin < bins; bin++) lut[bin] = 2 ** (bin / bins);
  const acc = new Float64Array(bins);

  const values = new Float64Array(m * nCols);
  const sums = new Float64Array(m * nCols);
  const exponents = new Int32Array(m * nCols);
  const negative = new Uint8Array(m * nCols);
  const zero = new Uint8Array(m * nCols);
  let qMin = Infinity;
  let qMax = -Infinity;

  for (let i = 0; i < m; i++) {
    for (let j = 0; j < nCols; j++) {
      acc.fill(0);
      for (let k = 0; k < kDim; k++) {
        const ia = i * kDim + k;
        const ib = k * nCols + j;
        if (ea.zero[ia] || eb.zero[ib]) continue;
        const e = ea.exponent[ia] + eb.exponent[ib];
        const q = e >> fracBits;
        const r = e & remainderMask;
        if (q < qMin) qMin = q;
        if (q > qMax) qMax = q;
        // 2 ** q is exact in float64 for the |q| < 1022 that int32 codes of F ≥ 0 produce here.
        let term = 2 ** q;
        let bin = r;
        if (lowBits > 0) {
          bin = r >> lowBits;
          term += term * ((r & lowMask) / n); // (1 + r_low/n)·2^q: r_low·2^(q−F) is one shift-add
        }
        acc[bin] += ea.negative[ia] ^ eb.negative[ib] ? -term : term;
      }
      let s = 0;
      for (let bin = 0; bin < bins; bin++) if (acc[bin] !== 0) s += lut[bin] * acc[bin];
      const o = i * nCols + j;
      sums[o] = s;
      const e = lnsExponent(s, fmt);
      negative[o] = s < 0 ? 1 : 0;
      if (e === null) zero[o] = 1;
      else exponents[o] = e;
      values[o] = lnsDecode(s < 0, e, fmt);
    }
  }
  // Accumulator bits needed: from the lowest term bit (2^(qMin − lowBits)) to the largest possible
  // sum (kDim terms of at most 2^(qMax+1)).
  const span = qMax === -Infinity ? 0 : qMax + 1 + Math.ceil(Math.log2(Math.max(kDim, 1))) - (qMin - lowBits);
  return {shape: [m, nCols], values, sums, exponents, negative, zero, exact: span <= 53};
}
