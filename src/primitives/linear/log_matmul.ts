import * as tf from '@tensorflow/tfjs-core';
import {checkInnerDims, checkInteger, checkMatrix, checkOptionsObject} from './checks.js';

export interface LogMatMulOptions {
  /**
   * Round each log2|x| to this many fraction bits before the product (a fixed-point log format, as
   * an LNS would store it); omit for float32 logs.
   */
  logFracBits?: number;
}

/** Elements of the [rows, K, N] term tensor materialised at once; bounds memory on big products. */
const TERMS_PER_CHUNK = 1 << 22;

/**
 * Matrix product computed in the log domain: each term a_ik·b_kj is formed as
 * sign(a_ik)·sign(b_kj)·2^(log2|a_ik| + log2|b_kj|) — multiplication becomes addition of logs, with
 * the sign carried separately — and the terms are converted back to linear for the sums over k.
 *
 * Zeros are exact: a zero's log is replaced by 0 (any finite value would do) and its sign, 0, makes
 * the term exactly 0, so no −∞ or NaN reaches any backend. Built from public tfjs ops, so it runs on
 * every backend; the [rows, K, N] terms are formed in row blocks of at most 4M elements.
 *
 * Accuracy with float32 logs: exp2 of a float32 log sum has a relative error of a few float32 ulps
 * times |log2 t|, so |y − a·b| ≲ 1e-6·Σ_k|a_ik·b_kj| for moderate magnitudes.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import {logMatMul} from 'tfjs-semifield/primitives';
 * logMatMul(tf.tensor2d([[1, -2], [0, 3]]), tf.tensor2d([[4], [5]])).print(); // [[-6], [15]]
 * ```
 */
export function logMatMul(a: tf.Tensor2D, b: tf.Tensor2D, options?: LogMatMulOptions): tf.Tensor2D {
  const am = checkMatrix('a', a);
  const bm = checkMatrix('b', b);
  checkInnerDims('a', am, 'b', bm);
  const opts = checkOptionsObject('options', options);
  const logFracBits =
    opts.logFracBits === undefined ? undefined : checkInteger('options.logFracBits', opts.logFracBits, 0, 20);
  const [m, k] = am.shape;
  const n = bm.shape[1];
  return tf.tidy(() => {
    const toLog = (x: tf.Tensor2D): {log: tf.Tensor2D; sign: tf.Tensor2D} => {
      const xf = tf.cast(x, 'float32');
      const isZero = tf.equal(xf, 0);
      let log = tf.div(tf.log(tf.where(isZero, tf.onesLike(xf), tf.abs(xf))), Math.LN2) as tf.Tensor2D;
      if (logFracBits !== undefined) {
        const scale = 2 ** logFracBits;
        log = tf.div(tf.round(tf.mul(log, scale)), scale);
      }
      return {log, sign: tf.sign(xf) as tf.Tensor2D};
    };
    const la = toLog(am);
    const lb = toLog(bm);
    if (m === 0 || n === 0 || k === 0) return tf.zeros([m, n]) as tf.Tensor2D;
    const logB = tf.expandDims(lb.log, 0); // [1, K, N]
    const signB = tf.expandDims(lb.sign, 0);
    const rowsPerChunk = Math.max(1, Math.floor(TERMS_PER_CHUNK / Math.max(1, k * n)));
    const blocks: tf.Tensor2D[] = [];
    for (let start = 0; start < m; start += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, m - start);
      blocks.push(
        tf.tidy(() => {
          const logA = tf.expandDims(tf.slice(la.log, [start, 0], [rows, k]), 2); // [rows, K, 1]
          const signA = tf.expandDims(tf.slice(la.sign, [start, 0], [rows, k]), 2);
          // exp2 via exp: tfjs has no exp2 op; the extra rounding of ·ln2 is one float32 ulp.
          const magnitude = tf.exp(tf.mul(tf.add(logA, logB), Math.LN2));
          const terms = tf.mul(magnitude, tf.mul(signA, signB));
          return tf.sum(terms, 1) as tf.Tensor2D;
        }),
      );
    }
    return (blocks.length === 1 ? blocks[0] : tf.concat(blocks, 0)) as tf.Tensor2D;
  });
}
