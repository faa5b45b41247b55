import * as tf from '@tensorflow/tfjs-core';
import {Matrix, SVD} from 'ml-matrix';
import {checkMatrix} from './checks.js';

/**
 * Thin singular value decomposition W = U · diag(s) · Vᵀ of a [rows, cols] matrix, in float64.
 * `u` is [rows, k] and `v` is [cols, k] (row-major), k = min(rows, cols), and `s` is sorted
 * in decreasing order.
 */
export interface MatrixSvd {
  rows: number;
  cols: number;
  /** min(rows, cols): the number of singular triplets kept. */
  k: number;
  /** Left singular vectors, row-major [rows, k]. */
  u: Float64Array;
  /** Singular values, decreasing, length k. */
  s: Float64Array;
  /** Right singular vectors, row-major [cols, k]. */
  v: Float64Array;
}

/**
 * Thin SVD of a rank-2 tensor through ml-matrix (tfjs has no SVD). The tensor is read back to the CPU
 * once; the decomposition runs in float64, so its own error (~1e-15 relative) is far below float32's.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import {matrixSvd} from 'tfjs-semifield/primitives';
 * const svd = matrixSvd(tf.tensor2d([[3, 0], [0, 4]]));
 * console.log(Array.from(svd.s)); // [4, 3]
 * ```
 */
export function matrixSvd(w: tf.Tensor2D): MatrixSvd {
  const checked = checkMatrix('w', w);
  const [rows, cols] = checked.shape;
  if (rows === 0 || cols === 0) throw new Error(`w: expected a non-empty matrix, but got shape [${rows}, ${cols}]`);
  const values = checked.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new Error(`w: expected finite entries, but got ${values[i]} at flat index ${i}`);
  }
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, values[i * cols + j]);
  // autoTranspose makes ml-matrix work on the tall orientation, which its algorithm (JAMA's
  // Golub–Kahan) requires for a complete thin U when rows < cols.
  const svd = new SVD(m, {autoTranspose: true, computeLeftSingularVectors: true, computeRightSingularVectors: true});
  const k = Math.min(rows, cols);
  const left = svd.leftSingularVectors;
  const right = svd.rightSingularVectors;
  const diag = svd.diagonal;
  const u = new Float64Array(rows * k);
  const v = new Float64Array(cols * k);
  const s = new Float64Array(k);
  for (let t = 0; t < k; t++) s[t] = diag[t];
  for (let i = 0; i < rows; i++) for (let t = 0; t < k; t++) u[i * k + t] = left.get(i, t);
  for (let j = 0; j < cols; j++) for (let t = 0; t < k; t++) v[j * k + t] = right.get(j, t);
  return {rows, cols, k, u, s, v};
}

/**
 * Smallest rank whose leading singular values keep at least `energy` of Σσ² (the squared Frobenius
 * norm), i.e. whose truncation has relative Frobenius error at most sqrt(1 − energy).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import {matrixSvd, rankForEnergy} from 'tfjs-semifield/primitives';
 * const svd = matrixSvd(tf.tensor2d([[3, 0], [0, 4]]));
 * console.log(rankForEnergy(svd.s, 0.5)); // 1 (16 of 25 is kept by the first value)
 * ```
 */
export function rankForEnergy(singularValues: ArrayLike<number>, energy: number): number {
  let total = 0;
  for (let i = 0; i < singularValues.length; i++) total += singularValues[i] ** 2;
  if (total === 0) return 1;
  let kept = 0;
  for (let r = 0; r < singularValues.length; r++) {
    kept += singularValues[r] ** 2;
    // The tolerance keeps energy = 1 from asking for trailing values that are zero up to rounding.
    if (kept >= energy * total * (1 - 1e-12)) return r + 1;
  }
  return singularValues.length;
}
