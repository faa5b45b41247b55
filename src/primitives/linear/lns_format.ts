import {checkInteger, checkOptionsObject} from './checks.js';

/**
 * The log-number-system (LNS) format of NVIDIA's US 2021/0056446 (Dally et al., "Inference
 * accelerator using logarithmic-based arithmetic"; the LNS-Madam line of work).
 *
 * A non-zero value is v = (−1)^s · 2^(e/n) with an integer exponent e and n = 2^F, F = `fracBits`.
 * Zero has its own code (a flag), so it is exact. Encoding rounds log2|v| to the nearest multiple of
 * 1/n, so |log2 ṽ − log2 v| ≤ 1/(2n) and the relative error of one value is at most 2^(1/(2n)) − 1
 * ≈ ln2/(2n): each fraction bit halves it.
 *
 * With `integerBits` = I the exponent field is I + F bits wide (two's complement), e ∈ [−2^(I+F−1),
 * 2^(I+F−1) − 1]: larger magnitudes saturate at the largest code and smaller ones flush to zero, as a
 * fixed-width hardware format would. Without it the range is unbounded (only F matters), which is
 * what the error bound below assumes.
 */
export interface LnsOptions {
  /** F: fraction bits of the log2 exponent (0…16). */
  fracBits: number;
  /** I: integer bits of the exponent field; omit for an unbounded range. */
  integerBits?: number;
  /**
   * h (0…F) for the hybrid adder: bin on the top h bits of the remainder and apply Mitchell's
   * approximation 2^x ≈ 1 + x to the low F − h bits. Omit (or h = F) for the exact binned adder.
   */
  hybridBits?: number;
}

export interface ResolvedLnsOptions {
  fracBits: number;
  /** n = 2^F. */
  n: number;
  /** Number of accumulators per dot product: 2^h (= n for the exact adder). */
  bins: number;
  hybridBits: number;
  minExponent: number;
  maxExponent: number;
}

export function resolveLnsOptions(options: unknown, argName = 'options'): ResolvedLnsOptions {
  const opts = checkOptionsObject(argName, options);
  if (opts.fracBits === undefined)
    throw new Error(`${argName}.fracBits: expected an integer in [0, 16], but got undefined`);
  const fracBits = checkInteger(`${argName}.fracBits`, opts.fracBits, 0, 16);
  const hybridBits =
    opts.hybridBits === undefined ? fracBits : checkInteger(`${argName}.hybridBits`, opts.hybridBits, 0, fracBits);
  let minExponent = -(2 ** 30);
  let maxExponent = 2 ** 30;
  if (opts.integerBits !== undefined) {
    const integerBits = checkInteger(`${argName}.integerBits`, opts.integerBits, 1, 12);
    maxExponent = 2 ** (integerBits + fracBits - 1) - 1;
    minExponent = -(2 ** (integerBits + fracBits - 1));
  }
  return {fracBits, n: 2 ** fracBits, bins: 2 ** hybridBits, hybridBits, minExponent, maxExponent};
}

/**
 * Exponent code of |v| (v ≠ 0, finite): round(log2|v| · n), clamped to the format's range. Returns
 * null when the value flushes to zero. Ties round away from −∞ (Math.round), a fixed, documented rule.
 */
export function lnsExponent(v: number, fmt: ResolvedLnsOptions): number | null {
  if (v === 0) return null;
  const e = Math.round(Math.log2(Math.abs(v)) * fmt.n);
  if (e < fmt.minExponent) return null;
  return Math.min(e, fmt.maxExponent);
}

/** The value a code stands for: (−1)^s · 2^(e/n), or 0. */
export function lnsDecode(negative: boolean, exponent: number | null, fmt: ResolvedLnsOptions): number {
  if (exponent === null) return 0;
  const magnitude = 2 ** (exponent / fmt.n);
  return negative ? -magnitude : magnitude;
}

/**
 * Rounds every value of `values` to the nearest LNS value (sign, exponent code, back to linear).
 *
 * @example
 * ```ts
 * import {lnsQuantize} from 'tfjs-semifield/primitives';
 * console.log(lnsQuantize([3, -0.1, 0], {fracBits: 2})); // [2.828…, -0.105…, 0]: 2^(6/4), -2^(-13/4)
 * ```
 */
export function lnsQuantize(values: ArrayLike<number>, options: LnsOptions): Float64Array {
  const fmt = resolveLnsOptions(options);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new Error(`values: expected finite numbers, but got ${v} at index ${i}`);
    out[i] = lnsDecode(v < 0, lnsExponent(v, fmt), fmt);
  }
  return out;
}

/**
 * Worst-case relative overestimate of Mitchell's approximation on the low remainder bits:
 * ρ = max (1 + x) / 2^x over the x = r_low / n that occur, x ∈ [0, 2^−h − 1/n]. Since 2^x is convex
 * and meets 1 + x at 0 and 1, 1 + x ≥ 2^x there; the ratio grows until x = 1/ln2 − 1.
 */
export function mitchellMaxRatio(fracBits: number, hybridBits: number): number {
  if (hybridBits >= fracBits) return 1;
  const xMax = 2 ** -hybridBits - 2 ** -fracBits;
  const x = Math.min(xMax, 1 / Math.LN2 - 1);
  return (1 + x) / 2 ** x;
}

/**
 * β such that, for finite a, b inside the format's range (no saturation or flush-to-zero), every
 * entry of the LNS product obeys |ỹ_ij − (a·b)_ij| ≤ β · Σ_k |a_ik|·|b_kj|.
 *
 * Derivation. Encoding moves log2 of each input by at most 1/(2n), so a product term t̃ = ã·b̃ is
 * t·2^δ with |δ| ≤ 1/n. The hybrid adder then uses t̃·ρ_k with 1 ≤ ρ_k ≤ ρ (Mitchell overestimates),
 * the exact adder ρ_k = 1. Binned accumulation adds the ±2^q exactly (integers in their
 * accumulators), so the pre-rounding sum is S = Σ t̃_k ρ_k up to the float64 rounding of the LUT
 * constants and of their weighted sum (≤ (bins + 2)·2^−52 relative to Σ|t|, added to β).
 * Requantisation multiplies S by 2^ε, |ε| ≤ 1/(2n). Hence
 * |ỹ − y| ≤ |S − y| + |ỹ − S| ≤ (2^(1/n)ρ − 1)Σ|t| + (2^(1/(2n)) − 1)·2^(1/n)ρ·Σ|t|
 * = (2^(3/(2n))·ρ − 1)·Σ|t|. For the exact adder β = 2^(3/(2n)) − 1 ≈ 1.04/n (4.1e-3 at F = 8); the
 * typical error on random data is far smaller because the δ_k are independent and partly cancel.
 *
 * @example
 * ```ts
 * import {lnsErrorBound} from 'tfjs-semifield/primitives';
 * console.log(lnsErrorBound({fracBits: 8})); // 0.00407…
 * ```
 */
export function lnsErrorBound(options: LnsOptions): number {
  const fmt = resolveLnsOptions(options);
  const rho = mitchellMaxRatio(fmt.fracBits, fmt.hybridBits);
  // The last term covers the float64 rounding of the LUT-weighted sum over the accumulators.
  return 2 ** (1.5 / fmt.n) * rho - 1 + (fmt.bins + 2) * 2 ** -52 * 2 * rho;
}
