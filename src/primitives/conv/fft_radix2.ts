import * as tf from '@tensorflow/tfjs-core';

/** A complex tensor as two float32 tensors of the same shape; `im` null means all zeros. */
export interface ComplexParts {
  re: tf.Tensor;
  im: tf.Tensor | null;
}

const isPowerOfTwo = (n: number): boolean => n >= 1 && (n & (n - 1)) === 0;

/**
 * Smallest power of two ≥ n.
 *
 * @example
 * import {nextPowerOfTwo} from 'tfjs-semifield/primitives';
 * nextPowerOfTwo(33); // 64
 */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The DFT matrix of size n (sign −1 forward, +1 inverse), computed in float64 then stored as float32. */
function dftMatrix(n: number, sign: number): {re: tf.Tensor2D; im: tf.Tensor2D} {
  const re = new Float32Array(n * n);
  const im = new Float32Array(n * n);
  for (let j = 0; j < n; j++)
    for (let k = 0; k < n; k++) {
      const angle = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      re[j * n + k] = Math.cos(angle);
      im[j * n + k] = Math.sin(angle);
    }
  return {re: tf.tensor2d(re, [n, n]), im: tf.tensor2d(im, [n, n])};
}

/** Base-case DFT size: one small GEMM replaces the first log2(BASE) butterfly stages (fewer ops to launch on GPUs). */
const BASE = 16;

/**
 * Fast Fourier transform along the last axis, O(N log N), built from tfjs ops only (matMul, slice,
 * mul, add, concat), so it runs on every backend — including wasm, which registers no FFT kernel,
 * and webgl/webgpu, whose FFT kernels are O(N²) DFTs. N must be a power of two.
 *
 * Layout trick (Stockham-style, no bit reversal): with L = N / base, view x as [M, base, L], take
 * the base-size DFT of each of the L decimated subsequences by one GEMM, giving X[C=L, M, R=base];
 * then each stage merges the subsequence pairs (c, c + C/2) with the butterfly
 * X' = [E + w·O, E − w·O] (w = e^{∓iπk/R}) until C = 1. Inverse scales by 1/N.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {fftRadix2} from 'tfjs-semifield/primitives';
 * const {re, im} = fftRadix2({re: tf.tensor2d([[1, 0, 0, 0]]), im: null}); // all ones, zeros
 */
export function fftRadix2(x: ComplexParts, inverse = false): {re: tf.Tensor; im: tf.Tensor} {
  const shape = x.re.shape;
  const n = shape[shape.length - 1];
  if (!isPowerOfTwo(n))
    throw new Error(`x: fftRadix2 needs a power-of-two length on the last axis, but got shape [${shape}]`);
  if (x.im != null && !tf.util.arraysEqual(x.im.shape, shape)) {
    throw new Error(`x.im: expected the shape of x.re [${shape}], but got [${x.im.shape}]`);
  }
  return tf.tidy(() => {
    const rows = shape.slice(0, -1).reduce((p, q) => p * q, 1);
    const sign = inverse ? 1 : -1;
    const base = Math.min(BASE, n);
    let columns = n / base;
    // [M, base, L] → [L, M, base]: entry (c, m, ·) holds the subsequence x[m, c], x[m, c + L], … (stride L).
    // The subsequence index c goes first so that every stage's halves are contiguous slices
    // (tfjs's cpu slice copies element by element otherwise).
    const toRows = (t: tf.Tensor): tf.Tensor2D =>
      tf.reshape(tf.transpose(tf.reshape(t, [rows, base, columns]), [2, 0, 1]), [columns * rows, base]);
    const D = dftMatrix(base, sign);
    const xr = toRows(x.re);
    let re: tf.Tensor = tf.matMul(xr, D.re);
    let im: tf.Tensor = tf.matMul(xr, D.im);
    if (x.im != null) {
      const xi = toRows(x.im);
      re = tf.sub(re, tf.matMul(xi, D.im));
      im = tf.add(im, tf.matMul(xi, D.re));
    }
    let size = base;
    re = tf.reshape(re, [columns, rows, size]);
    im = tf.reshape(im, [columns, rows, size]);
    while (columns > 1) {
      const half = columns / 2;
      // Twiddles laid out at full size: same-shape products avoid broadcasting's slow generic path on cpu.
      const twRe = new Float32Array(half * rows * size);
      const twIm = new Float32Array(half * rows * size);
      for (let k = 0; k < size; k++) {
        const c = Math.cos((sign * Math.PI * k) / size);
        const s = Math.sin((sign * Math.PI * k) / size);
        for (let r = 0; r < half * rows; r++) {
          twRe[r * size + k] = c;
          twIm[r * size + k] = s;
        }
      }
      const wRe = tf.tensor3d(twRe, [half, rows, size]);
      const wIm = tf.tensor3d(twIm, [half, rows, size]);
      const eRe = tf.slice(re, [0, 0, 0], [half, rows, size]);
      const eIm = tf.slice(im, [0, 0, 0], [half, rows, size]);
      const oRe = tf.slice(re, [half, 0, 0], [half, rows, size]);
      const oIm = tf.slice(im, [half, 0, 0], [half, rows, size]);
      const tRe = tf.sub(tf.mul(oRe, wRe), tf.mul(oIm, wIm));
      const tIm = tf.add(tf.mul(oRe, wIm), tf.mul(oIm, wRe));
      re = tf.concat([tf.add(eRe, tRe), tf.sub(eRe, tRe)], 2);
      im = tf.concat([tf.add(eIm, tIm), tf.sub(eIm, tIm)], 2);
      columns = half;
      size *= 2;
    }
    re = tf.reshape(re, shape);
    im = tf.reshape(im, shape);
    if (inverse) {
      re = tf.mul(re, tf.scalar(1 / n));
      im = tf.mul(im, tf.scalar(1 / n));
    }
    return {re, im};
  });
}
