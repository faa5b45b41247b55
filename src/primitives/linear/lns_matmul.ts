import * as tf from '@tensorflow/tfjs-core';
import {checkInnerDims, checkMatrix} from './checks.js';
import {resolveLnsOptions, type LnsOptions, type ResolvedLnsOptions} from './lns_format.js';

/** Bounds on the intermediates of one row block (terms [rows, K, N]; accumulators [rows, N, bins]). */
const TERMS_PER_CHUNK = 1 << 21;
const ACCUMULATORS_PER_CHUNK = 1 << 22;

/** Encodes x as (sign ∈ {−1, 0, 1}, exponent code e as float32 integers); zero and flushed values get sign 0. */
function encodeTensor(x: tf.Tensor2D, fmt: ResolvedLnsOptions): {sign: tf.Tensor2D; exponent: tf.Tensor2D} {
  const xf = tf.cast(x, 'float32');
  const magnitude = tf.abs(xf);
  const isZero = tf.equal(magnitude, 0);
  const log2 = tf.div(tf.log(tf.where(isZero, tf.onesLike(magnitude), magnitude)), Math.LN2);
  const rounded = tf.round(tf.mul(log2, fmt.n));
  const flushed = tf.logicalOr(isZero, tf.less(rounded, fmt.minExponent));
  const exponent = tf.where(flushed, tf.zerosLike(rounded), tf.minimum(rounded, fmt.maxExponent)) as tf.Tensor2D;
  const sign = tf.where(flushed, tf.zerosLike(xf), tf.sign(xf)) as tf.Tensor2D;
  return {sign, exponent};
}

/** (−1)^s·2^(e/n) back to float32. */
function decodeTensor(sign: tf.Tensor, exponent: tf.Tensor, fmt: ResolvedLnsOptions): tf.Tensor {
  return tf.mul(sign, tf.exp(tf.mul(exponent, Math.LN2 / fmt.n)));
}

/**
 * LNS matrix product with the binned approximate log-domain addition of US 2021/0056446 (Dally et
 * al.), built from public tfjs ops so it runs on every backend. Same arithmetic as
 * {@link lnsMatMulEmulated} (read its comment for the algorithm and {@link lnsErrorBound} for the
 * error bound), with float32 carriers:
 * - exponent codes are float32 integers (exact below 2^24), q = floor(e / n) and r = e − q·n;
 * - each term ±2^q (times 1 + r_low/n for the hybrid adder) is scattered into its accumulator
 *   [row, col, bin] with `scatterND` (which sums duplicate indices), and the accumulators meet the
 *   LUT 2^(bin/bins) in one small matMul per dot product;
 * - the accumulators are float32, i.e. 24-bit integers with a floating binary point: exact while
 *   one accumulator's terms span fewer than 24 bits, otherwise rounded like a float32 sum (bounded by
 *   K·2^−24·Σ|t|); the log2 of encode/requantise is a float32 log, which can move a code by one
 *   where the exact log sits within ~1e-7·|log2 x|·n of a rounding tie.
 * Returns the decoded float32 values of the requantised LNS output. Not differentiable (rounding has
 * no useful gradient) and not fast: the [rows, K, N] terms are materialised in row blocks, and WebGL's
 * scatter kernel visits every update per output, so keep it to study-sized matrices on GPU backends.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import {lnsMatMul} from 'tfjs-semifield/primitives';
 * lnsMatMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]), {fracBits: 8}).print(); // [[11.0…]]
 * ```
 */
export function lnsMatMul(a: tf.Tensor2D, b: tf.Tensor2D, options: LnsOptions): tf.Tensor2D {
  const am = checkMatrix('a', a);
  const bm = checkMatrix('b', b);
  checkInnerDims('a', am, 'b', bm);
  const fmt = resolveLnsOptions(options);
  const [m, k] = am.shape;
  const n = bm.shape[1];
  const {bins} = fmt;
  const lowBits = fmt.fracBits - fmt.hybridBits;
  const lowScale = 2 ** lowBits;
  return tf.tidy(() => {
    if (m === 0 || n === 0 || k === 0) return tf.zeros([m, n]) as tf.Tensor2D;
    const ea = encodeTensor(am, fmt);
    const eb = encodeTensor(bm, fmt);
    const lut = tf.tensor2d(
      Array.from({length: bins}, (_, bin) => 2 ** (bin / bins)),
      [bins, 1],
    );
    const expB = tf.expandDims(eb.exponent, 0); // [1, K, N]
    const signB = tf.expandDims(eb.sign, 0);
    const rowsPerChunk = Math.max(
      1,
      Math.min(Math.floor(TERMS_PER_CHUNK / (k * n)), Math.floor(ACCUMULATORS_PER_CHUNK / (n * bins))),
    );
    const blocks: tf.Tensor2D[] = [];
    for (let start = 0; start < m; start += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, m - start);
      blocks.push(
        tf.tidy(() => {
          const expA = tf.expandDims(tf.slice(ea.exponent, [start, 0], [rows, k]), 2); // [rows, K, 1]
          const signA = tf.expandDims(tf.slice(ea.sign, [start, 0], [rows, k]), 2);
          // Multiply: add exponents, multiply signs (±1, or 0 for a zero operand).
          const e = tf.add(expA, expB);
          const q = tf.floor(tf.div(e, fmt.n));
          const r = tf.sub(e, tf.mul(q, fmt.n));
          let magnitude: tf.Tensor = tf.pow(tf.scalar(2), q);
          let bin: tf.Tensor = r;
          if (lowBits > 0) {
            bin = tf.floor(tf.div(r, lowScale));
            const low = tf.sub(r, tf.mul(bin, lowScale));
            magnitude = tf.mul(magnitude, tf.add(1, tf.div(low, fmt.n))); // Mitchell: 2^x ≈ 1 + x
          }
          const terms = tf.mul(magnitude, tf.mul(signA, signB));
          // Accumulator id of a term: ((row·N + col)·bins + bin); the K axis is what gets summed.
          const cellBase = tf.reshape(tf.range(0, rows * n * bins, bins, 'int32'), [rows, 1, n]);
          const ids = tf.reshape(tf.add(cellBase, tf.cast(bin, 'int32')), [-1, 1]);
          // scatterND sums duplicate indices, i.e. it is the accumulate step. (unsortedSegmentSum
          // would do the same, but tfjs-cpu implements it with one full pass per segment.)
          const acc = tf.scatterND(ids, tf.reshape(terms, [-1]), [rows * n * bins]);
          // Once per dot product: weight the accumulators by the LUT constants 2^(bin/bins).
          const sums = tf.reshape(tf.matMul(tf.reshape(acc, [rows * n, bins]), lut), [rows, n]);
          // Requantise to the log format.
          const out = encodeTensor(sums as tf.Tensor2D, fmt);
          return decodeTensor(out.sign, out.exponent, fmt) as tf.Tensor2D;
        }),
      );
    }
    return (blocks.length === 1 ? blocks[0] : tf.concat(blocks, 0)) as tf.Tensor2D;
  });
}
