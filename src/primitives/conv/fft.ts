import * as tf from '@tensorflow/tfjs-core';
import type {Conv2dPad, ConvGeometry} from '../../ops/conv_info.js';
import {padInput} from '../../ops/conv_views.js';
import {describeValue as show} from '../../ops/describe.js';
import {withConvArgs} from './conv_args.js';
import {fftRadix2, nextPowerOfTwo} from './fft_radix2.js';

/**
 * Which Fourier transform FFT convolution uses:
 * - `'spectral'`: tfjs's `tf.spectral.rfft`/`fft`/`irfft` kernels (radix-2 in JS on cpu; an O(N²) DFT
 *   shader on webgl/webgpu; not registered on wasm);
 * - `'radix2'`: this package's O(N log N) transform built from tfjs ops ({@link fftRadix2});
 * - `'auto'` (default): `'radix2'` — measured faster than `'spectral'` on cpu (tfjs's complex
 *   rfft/fft path there is slow), and the only O(N log N) choice on webgl/webgpu/wasm
 *   (see examples/precision-study/REPORT.md). The autotuner times both.
 */
export type FftTransform = 'auto' | 'spectral' | 'radix2';

/** Options of {@link conv2dFft}. */
export interface Conv2dFftOptions {
  transform?: FftTransform;
}

/** The filter with (dilation − 1) zeros between taps: [effH, effW, Cin, Cout]. */
function dilateFilter(w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const {
    filterHeight: kh,
    filterWidth: kw,
    dilationHeight: dh,
    dilationWidth: dw,
    inChannels: cin,
    outChannels: cout,
  } = g;
  if (dh === 1 && dw === 1) return w;
  const spread = tf.pad(tf.reshape(w, [kh, 1, kw, 1, cin, cout]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ]);
  return tf.slice(
    tf.reshape(spread, [kh * dh, kw * dw, cin, cout]),
    [0, 0, 0, 0],
    [(kh - 1) * dh + 1, (kw - 1) * dw + 1, cin, cout],
  ) as tf.Tensor4D;
}

function resolveTransform(transform: FftTransform): 'spectral' | 'radix2' {
  // 'auto' → radix2: faster than tfjs's spectral kernels on cpu as measured, O(N log N) where
  // tfjs's GPU FFTs are O(N²) DFT shaders, and available on wasm, which registers no FFT kernel.
  return transform === 'auto' ? 'radix2' : transform;
}

/** 2-D spectrum over the last two axes [.., P, Q] of a real tensor, as [re, im] of shape [.., Q', P] (axes swapped). */
type Spectrum = {re: tf.Tensor; im: tf.Tensor};

function forward2d(x: tf.Tensor, transform: 'spectral' | 'radix2', P: number): Spectrum {
  const rank = x.rank;
  const swap = [...Array(rank - 2).keys(), rank - 1, rank - 2];
  // x holds only its non-zero rows; the row pass runs on those, the zero rows up to P join after it.
  const growRows = (t: tf.Tensor) => {
    const extra = P - t.shape[rank - 2];
    return extra === 0
      ? t
      : tf.pad(t, [...Array(rank - 2).fill([0, 0]), [0, extra], [0, 0]] as Array<[number, number]>);
  };
  if (transform === 'spectral') {
    const half = Math.floor(x.shape[rank - 1] / 2) + 1;
    const rowShape = [...x.shape.slice(0, -1), half];
    const rows = tf.spectral.rfft(x); // [.., rows, Q/2+1] complex (leading axes may come back flattened)
    const re = tf.transpose(growRows(tf.reshape(tf.real(rows), rowShape)), swap);
    const im = tf.transpose(growRows(tf.reshape(tf.imag(rows), rowShape)), swap);
    const full = tf.spectral.fft(tf.complex(re, im)); // [.., Q/2+1, P]
    return {re: tf.reshape(tf.real(full), re.shape), im: tf.reshape(tf.imag(full), re.shape)};
  }
  const rows = fftRadix2({re: x, im: null});
  return fftRadix2({re: tf.transpose(growRows(rows.re), swap), im: tf.transpose(growRows(rows.im), swap)});
}

function inverse2d(s: Spectrum, transform: 'spectral' | 'radix2'): tf.Tensor {
  const rank = s.re.rank;
  const swap = [...Array(rank - 2).keys(), rank - 1, rank - 2];
  if (transform === 'spectral') {
    const cols = tf.spectral.ifft(tf.complex(s.re, s.im)); // [.., Q/2+1, P]
    const rows = tf.complex(
      tf.transpose(tf.reshape(tf.real(cols), s.re.shape), swap),
      tf.transpose(tf.reshape(tf.imag(cols), s.re.shape), swap),
    );
    // irfft flattens leading axes; its output length 2·(Q/2+1 − 1) = Q for the even Q used here.
    const out = tf.spectral.irfft(rows);
    const lead = s.re.shape.slice(0, -2);
    return tf.reshape(out, [...lead, s.re.shape[rank - 1], out.shape[out.shape.length - 1]]); // [.., P, Q]
  }
  const cols = fftRadix2(s, true);
  return fftRadix2({re: tf.transpose(cols.re, swap), im: tf.transpose(cols.im, swap)}, true).re;
}

/**
 * FFT convolution: cross-correlation as a pointwise product in the frequency domain,
 * y = IDFT2( DFT2(x_padded) · conj(DFT2(w)) ), summed over input channels by a GEMM per frequency.
 * The transform size is the padded input rounded up to a power of two; since every valid window
 * lies inside the padded input, the circular correlation never wraps into a kept output. Any kernel
 * size; dilation by inserting zeros into the filter; stride by subsampling the stride-1 result.
 * Same signature and semantics as `tf.conv2d`, plus `options.transform`.
 *
 * @param x Input [batch, height, width, inChannels] (or rank 3), float32.
 * @param filter [filterHeight, filterWidth, inChannels, outChannels], float32.
 * @param strides A number or [strideHeight, strideWidth].
 * @param pad 'valid', 'same', a number or [[0,0],[top,bottom],[left,right],[0,0]].
 * @param dataFormat Only 'NHWC'.
 * @param dilations A number or [dilationHeight, dilationWidth] (not together with strides > 1).
 * @param options `{transform: 'auto' | 'spectral' | 'radix2'}`.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {conv2dFft} from 'tfjs-semifield/primitives';
 * const x = tf.randomNormal([1, 32, 32, 1]);
 * const w = tf.randomNormal([11, 11, 1, 2]);
 * conv2dFft(x, w, 1, 'same').shape; // [1, 32, 32, 2]
 */
export function conv2dFft<T extends tf.Tensor3D | tf.Tensor4D>(
  x: T | tf.TensorLike,
  filter: tf.Tensor4D | tf.TensorLike,
  strides: number | [number, number] = 1,
  pad: Conv2dPad = 'valid',
  dataFormat: 'NHWC' = 'NHWC',
  dilations: number | [number, number] = 1,
  options: Conv2dFftOptions = {},
): T {
  if (options == null || typeof options !== 'object')
    throw new Error(`options: expected an object, but got ${show(options)}`);
  const requested = options.transform ?? 'auto';
  if (requested !== 'auto' && requested !== 'spectral' && requested !== 'radix2') {
    throw new Error(`options.transform: expected 'auto', 'spectral' or 'radix2', but got ${show(requested)}`);
  }
  return withConvArgs('conv2dFft', x, filter, strides, pad, dataFormat, dilations, (x4, w, g) => {
    const transform = resolveTransform(requested);
    if (transform === 'spectral' && tf.getKernel('FFT', tf.getBackend()) == null) {
      throw new Error(
        `options.transform: 'spectral' needs tfjs FFT kernels, which backend '${tf.getBackend()}' does not register; use 'radix2' or 'auto'`,
      );
    }
    return fftBody(x4, w, g, transform);
  });
}

/** The FFT algorithm on parsed geometry with a resolved transform ('spectral' needs the backend's FFT kernels). */
export function fftBody(
  x4: tf.Tensor4D,
  w: tf.Tensor4D,
  g: ConvGeometry,
  transform: 'spectral' | 'radix2',
): tf.Tensor4D {
  const xp = padInput(x4, g);
  const [hp, wp] = [xp.shape[1], xp.shape[2]];
  const P = nextPowerOfTwo(hp);
  const Q = nextPowerOfTwo(wp);
  const {batch, inChannels: cin, outChannels: cout} = g;
  // Channels first so the transform runs over the last two (spatial) axes.
  // Padded to Q columns only: forward2d adds the zero rows up to P after its row pass.
  const xGrid = tf.pad(tf.transpose(xp, [0, 3, 1, 2]), [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, Q - wp],
  ]); // [B, Cin, Hp, Q]
  const wd = dilateFilter(w, g);
  const wGrid = tf.pad(tf.transpose(wd, [2, 3, 0, 1]), [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, Q - wd.shape[1]],
  ]); // [Cin, Cout, effH, Q]
  const X = forward2d(xGrid, transform, P); // [B, Cin, Q', P]
  const W = forward2d(wGrid, transform, P); // [Cin, Cout, Q', P]
  const [q2, p2] = [X.re.shape[2] as number, X.re.shape[3] as number];
  const freqs = q2 * p2;
  // Per frequency f: Y[f] (B×Cout) = Σ_c X[f] (B×Cin) · conj(W[f]) (Cin×Cout).
  const xf = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [batch, cin, freqs]), [2, 0, 1]) as tf.Tensor3D;
  const wf = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [cin, cout, freqs]), [2, 0, 1]) as tf.Tensor3D;
  const [xr, xi, wr, wi] = [xf(X.re), xf(X.im), wf(W.re), wf(W.im)];
  const yr = tf.add(tf.matMul(xr, wr), tf.matMul(xi, wi));
  const yi = tf.sub(tf.matMul(xi, wr), tf.matMul(xr, wi));
  const back = (t: tf.Tensor) => tf.reshape(tf.transpose(t, [1, 2, 0]), [batch, cout, q2, p2]);
  const full = inverse2d({re: back(yr), im: back(yi)}, transform); // [B, Cout, P, Q]
  const y = tf.stridedSlice(
    full,
    [0, 0, 0, 0],
    [batch, cout, (g.outHeight - 1) * g.strideHeight + 1, (g.outWidth - 1) * g.strideWidth + 1],
    [1, 1, g.strideHeight, g.strideWidth],
  );
  return tf.transpose(y, [0, 2, 3, 1]) as tf.Tensor4D;
}
