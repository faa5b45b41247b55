import * as tf from '@tensorflow/tfjs-core';
import {checkInteger, checkNumberInRange, checkOptionsObject, describe} from './checks.js';
import {matrixSvd, rankForEnergy, type MatrixSvd} from './matrix_svd.js';
import {describeJson} from '../../ops/describe.js';

/** How much of W to keep: exactly one of `rank` (1…min(rows, cols)) or `energy` (0 < e ≤ 1). */
export interface LowRankOptions {
  rank?: number;
  energy?: number;
}

/** The two factors of a truncated SVD: W ≈ a · b with a = U_r·S_r [rows, r] and b = V_rᵀ [r, cols]. */
export interface LowRankFactors {
  a: tf.Tensor2D;
  b: tf.Tensor2D;
  rank: number;
  /** All singular values of W (decreasing), so callers can report the discarded energy. */
  singularValues: Float64Array;
}

/** Resolves {rank | energy} against a decomposition; throws on anything else. */
export function resolveRank(options: unknown, svd: Pick<MatrixSvd, 'k' | 's'>, argName = 'options'): number {
  const opts = checkOptionsObject(argName, options);
  const hasRank = opts.rank !== undefined;
  const hasEnergy = opts.energy !== undefined;
  if (hasRank === hasEnergy) {
    throw new Error(`${argName}: expected exactly one of {rank} or {energy}, but got ${describeJson(opts)}`);
  }
  if (hasRank) return checkInteger(`${argName}.rank`, opts.rank, 1, svd.k);
  const energy = checkNumberInRange(`${argName}.energy`, opts.energy, 0, 1, true);
  return rankForEnergy(svd.s, energy);
}

/**
 * Truncated SVD factors of a weight matrix W [rows, cols]: a = U_r·diag(s_r) and b = V_rᵀ, so that
 * x·W ≈ (x·a)·b costs r·(rows + cols) multiply-adds per row of x instead of rows·cols. The singular
 * values go into `a` so that `b` has orthonormal rows. By Eckart–Young this is the best rank-r
 * approximation in Frobenius and spectral norm.
 *
 * `w` may also be a precomputed {@link MatrixSvd} (to try many ranks from one decomposition).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import {lowRankFactors} from 'tfjs-semifield/primitives';
 * const w = tf.randomNormal([64, 32]) as tf.Tensor2D;
 * const {a, b, rank} = lowRankFactors(w, {energy: 0.9});
 * const approx = tf.matMul(a, b); // [64, 32], rank `rank`
 * ```
 */
export function lowRankFactors(w: tf.Tensor2D | MatrixSvd, options: LowRankOptions): LowRankFactors {
  let svd: MatrixSvd;
  if (w instanceof tf.Tensor) {
    // Validate the options before paying for the decomposition.
    const k = w.rank === 2 ? Math.min(w.shape[0], w.shape[1]) : 0;
    if (k > 0) resolveRank(options, {k, s: new Float64Array(k).fill(1)});
    svd = matrixSvd(w);
  } else if (w != null && typeof w === 'object' && (w as MatrixSvd).s instanceof Float64Array) {
    svd = w as MatrixSvd;
  } else {
    throw new Error(`w: expected a rank-2 tf.Tensor or a MatrixSvd, but got ${describe(w)}`);
  }
  const rank = resolveRank(options, svd);
  const {rows, cols, k, u, s, v} = svd;
  const aValues = new Float32Array(rows * rank);
  const bValues = new Float32Array(rank * cols);
  for (let i = 0; i < rows; i++) for (let t = 0; t < rank; t++) aValues[i * rank + t] = u[i * k + t] * s[t];
  for (let t = 0; t < rank; t++) for (let j = 0; j < cols; j++) bValues[t * cols + j] = v[j * k + t];
  return {
    a: tf.tensor2d(aValues, [rows, rank]),
    b: tf.tensor2d(bValues, [rank, cols]),
    rank,
    singularValues: s.slice(),
  };
}
