import * as tf from '@tensorflow/tfjs-core';
import {convGeometry, show, withConvArgs, type Conv2dPad} from './conv_args.js';
import {conv2dDirect} from './direct.js';
import {conv2dFft} from './fft.js';
import {conv2dIm2col} from './im2col.js';
import {conv2dWinograd, winogradApplicable} from './winograd.js';

/** Every algorithm the autotuner knows; `'tfjs'` is the backend's own `tf.conv2d`. */
export const CONV_ALGORITHMS = ['tfjs', 'direct', 'im2col', 'winograd-f2x2', 'winograd-f4x4', 'fft-spectral', 'fft-radix2'] as const;
export type ConvAlgorithm = (typeof CONV_ALGORITHMS)[number];

/** Geometry options shared by the autotuner and {@link conv2dAuto}. */
export interface ConvAlgorithmGeometry {
  strides?: number | [number, number];
  pad?: Conv2dPad;
  dilations?: number | [number, number];
}

/** Options of {@link findConvAlgorithm}. */
export interface FindConvAlgorithmOptions extends ConvAlgorithmGeometry {
  /** Restrict the candidates (default: all applicable). */
  algorithms?: readonly ConvAlgorithm[];
  /** Untimed calls per algorithm first (shader compilation, caches). Default 2. */
  warmup?: number;
  /** Keep sampling an algorithm until this much time has passed. Default 150 ms. */
  minTimeMs?: number;
  /** At least this many timed calls (unless hopeless, see below). Default 5. */
  minRepeats?: number;
  /** At most this many timed calls. Default 50. */
  maxRepeats?: number;
  /** Re-measure even if the cache has an entry. Default false. */
  force?: boolean;
}

/** One row of the measured table. */
export interface ConvAlgorithmTiming {
  algorithm: ConvAlgorithm;
  applicable: boolean;
  /** Median ms per call (output read back), or null when not applicable. */
  ms: number | null;
  samples: number;
  /** Why it was not applicable. */
  reason?: string;
}

/** What {@link findConvAlgorithm} returns and caches. */
export interface ConvAlgorithmChoice {
  backend: string;
  /** The cache key: backend, shapes and geometry options. */
  key: string;
  best: ConvAlgorithm;
  timings: ConvAlgorithmTiming[];
}

const cache = new Map<string, ConvAlgorithmChoice>();

function cacheKey(backend: string, xShape: readonly number[], filterShape: readonly number[], o: ConvAlgorithmGeometry): string {
  return JSON.stringify({backend, x: xShape, filter: filterShape, strides: o.strides ?? 1, pad: o.pad ?? 'valid', dilations: o.dilations ?? 1});
}

/** Why `algorithm` cannot run this geometry on the active backend, or null if it can. */
function notApplicable(algorithm: ConvAlgorithm, filterShape: readonly number[], o: ConvAlgorithmGeometry): string | null {
  if (algorithm.startsWith('winograd') && !winogradApplicable(filterShape, o.strides ?? 1, o.dilations ?? 1)) {
    return 'Winograd needs a 3×3 filter, stride 1, dilation 1';
  }
  if (algorithm === 'fft-spectral' && tf.getKernel('FFT', tf.getBackend()) == null) {
    return `backend '${tf.getBackend()}' registers no FFT kernel`;
  }
  return null;
}

/**
 * Run one named algorithm (the dispatch the autotuner and {@link conv2dAuto} use).
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {runConvAlgorithm} from 'tfjs-semifield';
 * const y = runConvAlgorithm('winograd-f2x2', tf.ones([1, 6, 6, 1]), tf.ones([3, 3, 1, 1]), {pad: 'same'});
 */
export function runConvAlgorithm(
  algorithm: ConvAlgorithm,
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  o: ConvAlgorithmGeometry = {},
): tf.Tensor4D {
  const strides = o.strides ?? 1;
  const pad = o.pad ?? 'valid';
  const dilations = o.dilations ?? 1;
  switch (algorithm) {
    case 'tfjs':
      // Validated like the others so that tf.conv2d's own assertion messages never surface here.
      return withConvArgs('tf.conv2d', x, filter, strides, pad, 'NHWC', dilations, (x4, w) => tf.conv2d(x4, w, strides, pad, 'NHWC', dilations));
    case 'direct':
      return conv2dDirect(x, filter, strides, pad, 'NHWC', dilations);
    case 'im2col':
      return conv2dIm2col(x, filter, strides, pad, 'NHWC', dilations);
    case 'winograd-f2x2':
      return conv2dWinograd(x, filter, strides, pad, 'NHWC', dilations, 'F2x2_3x3');
    case 'winograd-f4x4':
      return conv2dWinograd(x, filter, strides, pad, 'NHWC', dilations, 'F4x4_3x3');
    case 'fft-spectral':
      return conv2dFft(x, filter, strides, pad, 'NHWC', dilations, {transform: 'spectral'});
    case 'fft-radix2':
      return conv2dFft(x, filter, strides, pad, 'NHWC', dilations, {transform: 'radix2'});
    default:
      throw new Error(`algorithm: expected one of ${CONV_ALGORITHMS.join(', ')}, but got ${show(algorithm)}`);
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function checkCount(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new Error(`${name}: expected a number ≥ ${min}, but got ${show(value)}`);
  }
  return value;
}

/**
 * cuDNN-style "find" step: times every applicable algorithm (tfjs's own `tf.conv2d` included) on
 * the active backend for these shapes, on random inputs, reading each output back so GPU work is
 * counted; returns the measured table and caches the winner per (backend, shapes, options).
 * An algorithm whose first (warm-up) call takes over 10× the best median so far is not called
 * again and reports that one call (it cannot win; this keeps O(N²) DFTs from dominating the search).
 *
 * @param xShape [batch, height, width, inChannels].
 * @param filterShape [filterHeight, filterWidth, inChannels, outChannels].
 * @param options strides, pad, dilations, and the timing knobs of {@link FindConvAlgorithmOptions}.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {findConvAlgorithm} from 'tfjs-semifield';
 * const choice = findConvAlgorithm([1, 32, 32, 8], [3, 3, 8, 8], {pad: 'same'});
 * console.log(choice.best, choice.timings.map((t) => `${t.algorithm}: ${t.ms} ms`));
 */
export function findConvAlgorithm(
  xShape: readonly number[],
  filterShape: readonly number[],
  options: FindConvAlgorithmOptions = {},
): ConvAlgorithmChoice {
  if (options == null || typeof options !== 'object') throw new Error(`options: expected an object, but got ${show(options)}`);
  if (!Array.isArray(xShape)) throw new Error(`xShape: expected an array [batch, height, width, inChannels], but got ${show(xShape)}`);
  if (!Array.isArray(filterShape)) throw new Error(`filterShape: expected an array [filterHeight, filterWidth, inChannels, outChannels], but got ${show(filterShape)}`);
  convGeometry(xShape, filterShape, options.strides, options.pad ?? 'valid', options.dilations);
  const warmup = checkCount(options.warmup, 'options.warmup', 2, 0);
  const minTimeMs = checkCount(options.minTimeMs, 'options.minTimeMs', 150, 0);
  const minRepeats = checkCount(options.minRepeats, 'options.minRepeats', 5, 1);
  const maxRepeats = checkCount(options.maxRepeats, 'options.maxRepeats', 50, 1);
  const candidates = options.algorithms ?? CONV_ALGORITHMS;
  for (const a of candidates) {
    if (!(CONV_ALGORITHMS as readonly string[]).includes(a)) {
      throw new Error(`options.algorithms: expected entries among ${CONV_ALGORITHMS.join(', ')}, but got ${show(a)}`);
    }
  }
  const geometry: ConvAlgorithmGeometry = {strides: options.strides, pad: options.pad, dilations: options.dilations};
  const backend = tf.getBackend();
  const key = cacheKey(backend, xShape, filterShape, geometry);
  const cached = cache.get(key);
  if (cached != null && !options.force) return cached;

  const x = tf.randomNormal(Array.from(xShape) as [number, number, number, number]) as tf.Tensor4D;
  const w = tf.randomNormal(Array.from(filterShape) as [number, number, number, number]) as tf.Tensor4D;
  const timings: ConvAlgorithmTiming[] = [];
  let bestMs = Infinity;
  try {
    for (const algorithm of candidates) {
      const reason = notApplicable(algorithm, filterShape, geometry);
      if (reason != null) {
        timings.push({algorithm, applicable: false, ms: null, samples: 0, reason});
        continue;
      }
      const call = () => {
        const y = runConvAlgorithm(algorithm, x, w, geometry);
        y.dataSync();
        y.dispose();
      };
      // The first warm-up call is timed too: if it alone is over 10× the best median so far, the
      // algorithm cannot win and is not called again (a seconds-long O(N²) DFT is timed once).
      const samples: number[] = [];
      if (warmup > 0) {
        const t0 = performance.now();
        call();
        const first = performance.now() - t0;
        if (first > 10 * bestMs) {
          bestMs = Math.min(bestMs, first);
          timings.push({algorithm, applicable: true, ms: first, samples: 1});
          continue;
        }
        for (let i = 1; i < warmup; i++) call();
      }
      const start = performance.now();
      while (samples.length < maxRepeats) {
        const t0 = performance.now();
        call();
        samples.push(performance.now() - t0);
        if (samples.length === 1 && samples[0] > 10 * bestMs) break;
        if (samples.length >= minRepeats && performance.now() - start >= minTimeMs) break;
      }
      const ms = median(samples);
      bestMs = Math.min(bestMs, ms);
      timings.push({algorithm, applicable: true, ms, samples: samples.length});
    }
  } finally {
    x.dispose();
    w.dispose();
  }
  const measured = timings.filter((t) => t.ms != null);
  if (measured.length === 0) throw new Error(`options.algorithms: none of ${show(candidates)} applies to filter shape [${filterShape}] on backend '${backend}'`);
  const best = measured.reduce((a, b) => (b.ms! < a.ms! ? b : a)).algorithm;
  const choice: ConvAlgorithmChoice = {backend, key, best, timings};
  cache.set(key, choice);
  return choice;
}

/**
 * The cached choice for these shapes on the active backend, or undefined if
 * {@link findConvAlgorithm} has not run for them.
 *
 * @example
 * import {getCachedConvAlgorithm} from 'tfjs-semifield';
 * getCachedConvAlgorithm([1, 32, 32, 8], [3, 3, 8, 8], {pad: 'same'})?.best;
 */
export function getCachedConvAlgorithm(
  xShape: readonly number[],
  filterShape: readonly number[],
  options: ConvAlgorithmGeometry = {},
): ConvAlgorithmChoice | undefined {
  return cache.get(cacheKey(tf.getBackend(), xShape, filterShape, options));
}

/**
 * Forget every cached choice (e.g. after switching devices).
 *
 * @example
 * import {clearConvAlgorithmCache} from 'tfjs-semifield';
 * clearConvAlgorithmCache();
 */
export function clearConvAlgorithmCache(): void {
  cache.clear();
}

/**
 * `tf.conv2d` with the algorithm the autotuner found fastest for these shapes on the active
 * backend. The first call for a new (backend, shapes, options) runs {@link findConvAlgorithm}
 * (a synchronous timing pass); later calls only look the cache up. Rank-3 x is treated as batch 1.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {conv2dAuto} from 'tfjs-semifield';
 * const x = tf.randomNormal([1, 32, 32, 4]);
 * const w = tf.randomNormal([5, 5, 4, 4]);
 * const y = conv2dAuto(x, w, 1, 'same'); // same values as tf.conv2d, fastest measured algorithm
 */
export function conv2dAuto<T extends tf.Tensor3D | tf.Tensor4D>(
  x: T,
  filter: tf.Tensor4D,
  strides: number | [number, number] = 1,
  pad: Conv2dPad = 'valid',
  dataFormat: 'NHWC' = 'NHWC',
  dilations: number | [number, number] = 1,
): T {
  return withConvArgs('conv2dAuto', x, filter, strides, pad, dataFormat, dilations, (x4, w) => {
    const geometry: ConvAlgorithmGeometry = {strides, pad, dilations};
    const choice = getCachedConvAlgorithm(x4.shape, w.shape, geometry) ?? findConvAlgorithm(x4.shape, w.shape, geometry);
    return runConvAlgorithm(choice.best, x4, w, geometry);
  });
}
