import type {NumberFormat} from './formats.js';
import {outputSize, paddedReader, filterAt, type EmulatedConvProblem} from './problem.js';

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(n));

/** In-place iterative radix-2 FFT of (re, im) with every operation and twiddle in format f. */
function fftInPlace(f: NumberFormat, re: number[], im: number[], inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len *= 2) {
    const half = len / 2;
    for (let k = 0; k < half; k++) {
      const wr = f.fromReal(Math.cos((sign * 2 * Math.PI * k) / len));
      const wi = f.fromReal(Math.sin((sign * 2 * Math.PI * k) / len));
      for (let s = 0; s < n; s += len) {
        const [ur, ui] = [re[s + k], im[s + k]];
        const [xr, xi] = [re[s + k + half], im[s + k + half]];
        const tr = f.sub(f.mul(xr, wr), f.mul(xi, wi));
        const ti = f.add(f.mul(xr, wi), f.mul(xi, wr));
        re[s + k] = f.add(ur, tr);
        im[s + k] = f.add(ui, ti);
        re[s + k + half] = f.sub(ur, tr);
        im[s + k + half] = f.sub(ui, ti);
      }
    }
  }
  if (inverse) {
    const scale = f.fromReal(1 / n); // a power of two: exact in every float format
    for (let i = 0; i < n; i++) {
      re[i] = f.mul(re[i], scale);
      im[i] = f.mul(im[i], scale);
    }
  }
}

/** 2-D FFT of a P×Q grid (rows, then columns), in place. */
function fft2d(f: NumberFormat, re: number[][], im: number[][], inverse: boolean): void {
  const P = re.length;
  const Q = re[0].length;
  for (let r = 0; r < P; r++) fftInPlace(f, re[r], im[r], inverse);
  for (let c = 0; c < Q; c++) {
    const cr = re.map((row) => row[c]);
    const ci = im.map((row) => row[c]);
    fftInPlace(f, cr, ci, inverse);
    for (let r = 0; r < P; r++) {
      re[r][c] = cr[r];
      im[r][c] = ci[r];
    }
  }
}

/**
 * FFT convolution in a float format f, as {@link conv2dFft} computes it: transform size the padded
 * input rounded up to powers of two, y = IDFT2(Σ_c DFT2(x_c) · conj(DFT2(w_c,o))), with twiddles,
 * butterflies, the spectral product and the 1/N scaling all rounded into f.
 * Integer formats throw: a transform with irrational twiddles has no exact integer form (an
 * integer FFT needs a fixed-point design or a number-theoretic transform, a different algorithm).
 * Returns [outHeight, outWidth, outChannels].
 *
 * @example
 * import {emulatedFft, float16} from 'tfjs-semifield/primitives';
 * const y = emulatedFft({x: [1, 2, 3, 4], height: 2, width: 2, inChannels: 1,
 *   filter: [1, 1, 1, 1], filterHeight: 2, filterWidth: 2, outChannels: 1, pad: [0, 0, 0, 0]}, float16());
 * // y[0] ≈ 10
 */
export function emulatedFft(p: EmulatedConvProblem, f: NumberFormat): Float64Array {
  if (f.encoding !== 'float')
    throw new Error(
      `format: emulatedFft needs a float format, but got '${f.name}' (an integer FFT is a different algorithm)`,
    );
  const [oh, ow] = outputSize(p);
  const hp = p.height + p.pad[0] + p.pad[1];
  const wp = p.width + p.pad[2] + p.pad[3];
  const P = nextPow2(hp);
  const Q = nextPow2(wp);
  const read = paddedReader(p);
  const grid = (fill: (r: number, c: number) => number): number[][] =>
    Array.from({length: P}, (_, r) => Array.from({length: Q}, (_, c) => fill(r, c)));
  const X: Array<{re: number[][]; im: number[][]}> = [];
  for (let c = 0; c < p.inChannels; c++) {
    const re = grid((r, col) => (r < hp && col < wp ? read(r, col, c) : 0));
    const im = grid(() => 0);
    fft2d(f, re, im, false);
    X.push({re, im});
  }
  const y = new Float64Array(oh * ow * p.outChannels);
  for (let o = 0; o < p.outChannels; o++) {
    const accRe = grid(() => 0);
    const accIm = grid(() => 0);
    for (let c = 0; c < p.inChannels; c++) {
      const wr = grid((r, col) => (r < p.filterHeight && col < p.filterWidth ? filterAt(p, r, col, c, o) : 0));
      const wi = grid(() => 0);
      fft2d(f, wr, wi, false);
      for (let r = 0; r < P; r++)
        for (let col = 0; col < Q; col++) {
          // X · conj(W): correlation, not convolution.
          const [xr, xi, kr, ki] = [X[c].re[r][col], X[c].im[r][col], wr[r][col], wi[r][col]];
          accRe[r][col] = f.add(accRe[r][col], f.add(f.mul(xr, kr), f.mul(xi, ki)));
          accIm[r][col] = f.add(accIm[r][col], f.sub(f.mul(xi, kr), f.mul(xr, ki)));
        }
    }
    fft2d(f, accRe, accIm, true);
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) y[(i * ow + j) * p.outChannels + o] = accRe[i][j];
  }
  return y;
}
