import * as tf from '@tensorflow/tfjs-core';
import type {Conv2dPad} from '../../ops/conv_info.js';
import {describeValue as show} from '../../ops/describe.js';
import {conv2dGeometry, withConvArgs, type ConvBody} from './conv_args.js';
import {conv2dDirect, directBody} from './direct.js';
import {conv2dFft, fftBody} from './fft.js';
import {conv2dIm2col, im2colBody} from './im2col.js';
import {conv2dWinograd, winogradApplicable, winogradBody} from './winograd.js';
import {median, timeOnce} from '../../util/timing.js';

/** Every algorithm the autotuner knows; `'tfjs'` is the backend's own `tf.conv2d`. */
export const CONV_ALGORITHMS = [
  'tfjs',
  'direct',
  'im2col',
  'winograd-f2x2',
  'winograd-f4x4',
  'fft-spectral',
  'fft-radix2',
] as const;
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
  /**
   * Untimed calls per algorithm before the timed rounds, on the real shapes (the first one compiles
   * the algorithm's shaders, allocates its textures and fills its caches). Default 2.
   */
  warmup?: number;
  /**
   * Keep running timed rounds until this much time per contending algorithm has passed. Default 150 ms.
   */
  minTimeMs?: number;
  /** At least this many timed rounds (every contender once per round). Default 5. */
  minRepeats?: number;
  /** At most this many timed rounds. Default 50. */
  maxRepeats?: number;
  /**
   * Close calls: algorithms whose median is within this fraction of the leader's get extra
   * interleaved rounds (as many as the main pass had, at least `minRepeats`, and at least
   * `minTimeMs` each) before the pick.
   * Default 0.25; 0 disables the re-measurement.
   */
  closeCall?: number;
  /** Re-measure even if the cache has an entry. Default false. */
  force?: boolean;
}

/** One row of the measured table. */
export interface ConvAlgorithmTiming {
  algorithm: ConvAlgorithm;
  applicable: boolean;
  /** Median ms per call (output read back) over the timed rounds, or null when not applicable. */
  ms: number | null;
  /** Timed calls behind `ms` (1 for an algorithm given up after its warm-up, see {@link findConvAlgorithm}). */
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

function cacheKey(
  backend: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  o: ConvAlgorithmGeometry,
): string {
  return JSON.stringify({
    backend,
    x: xShape,
    filter: filterShape,
    strides: o.strides ?? 1,
    pad: o.pad ?? 'valid',
    dilations: o.dilations ?? 1,
  });
}

/** Why `algorithm` cannot run this geometry on the active backend, or null if it can. */
function notApplicable(
  algorithm: ConvAlgorithm,
  filterShape: readonly number[],
  o: ConvAlgorithmGeometry,
): string | null {
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
 * import {runConvAlgorithm} from 'tfjs-semifield/primitives';
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
  // The public entry points, so that every error names the argument as that algorithm's own does.
  switch (algorithm) {
    case 'tfjs':
      // Validated like the others so that tf.conv2d's own assertion messages never surface here.
      return withConvArgs('tf.conv2d', x, filter, strides, pad, 'NHWC', dilations, algorithmBody('tfjs', o));
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

/**
 * Each algorithm on parsed, checked geometry. tf.conv2d gets its arguments as the caller gave them
 * (its backends pick fast paths by pad type, e.g. webgl's 1×1 matMul for 'same' / 'valid').
 */
function algorithmBody(algorithm: ConvAlgorithm, o: ConvAlgorithmGeometry): ConvBody {
  switch (algorithm) {
    case 'tfjs':
      return (x, w) => tf.conv2d(x, w, o.strides ?? 1, o.pad ?? 'valid', 'NHWC', o.dilations ?? 1);
    case 'direct':
      return directBody;
    case 'im2col':
      return im2colBody;
    case 'winograd-f2x2':
      return (x, w, g) => winogradBody(x, w, g, 'F2x2_3x3');
    case 'winograd-f4x4':
      return (x, w, g) => winogradBody(x, w, g, 'F4x4_3x3');
    case 'fft-spectral':
      return (x, w, g) => fftBody(x, w, g, 'spectral');
    case 'fft-radix2':
      return (x, w, g) => fftBody(x, w, g, 'radix2');
  }
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
 *
 * How it measures, so that a busy machine or a GPU emulated on shared CPUs (SwiftShader) does not
 * decide the pick:
 * 1. Warm-up: every algorithm runs `warmup` untimed calls on the real shapes, which compiles its
 *    shaders and allocates its buffers. An algorithm whose first call takes over 100× the best
 *    settled (last warm-up) time so far, or whose settled time is over 10× it, cannot win: it is
 *    not called again and reports that one call (a seconds-long O(N²) DFT is timed once).
 * 2. Interleaved rounds: every contender once per round, in an order rotated each round, so slow
 *    drifts of the machine's load hit all of them alike (timing algorithms one after another lets
 *    a load change between two of them decide the pick). After 3 rounds, contenders whose median
 *    is over 3× the leader's stop (their median stands).
 * 3. Close calls: contenders whose median is within `closeCall` (25 %) of the leader's get as many
 *    extra interleaved rounds again (and at least `minTimeMs` each more); the pick is the lowest
 *    median over all rounds.
 *
 * @param xShape [batch, height, width, inChannels].
 * @param filterShape [filterHeight, filterWidth, inChannels, outChannels].
 * @param options strides, pad, dilations, and the timing knobs of {@link FindConvAlgorithmOptions}.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {findConvAlgorithm} from 'tfjs-semifield/primitives';
 * const choice = findConvAlgorithm([1, 32, 32, 8], [3, 3, 8, 8], {pad: 'same'});
 * console.log(choice.best, choice.timings.map((t) => `${t.algorithm}: ${t.ms} ms`));
 */
export function findConvAlgorithm(
  xShape: readonly number[],
  filterShape: readonly number[],
  options: FindConvAlgorithmOptions = {},
): ConvAlgorithmChoice {
  if (options == null || typeof options !== 'object')
    throw new Error(`options: expected an object, but got ${show(options)}`);
  if (!Array.isArray(xShape))
    throw new Error(`xShape: expected an array [batch, height, width, inChannels], but got ${show(xShape)}`);
  if (!Array.isArray(filterShape))
    throw new Error(
      `filterShape: expected an array [filterHeight, filterWidth, inChannels, outChannels], but got ${show(filterShape)}`,
    );
  const parsed = conv2dGeometry(
    xShape,
    filterShape,
    options.strides ?? 1,
    options.pad ?? 'valid',
    options.dilations ?? 1,
    'findConvAlgorithm',
  );
  const warmup = checkCount(options.warmup, 'options.warmup', 2, 0);
  const minTimeMs = checkCount(options.minTimeMs, 'options.minTimeMs', 150, 0);
  const minRepeats = checkCount(options.minRepeats, 'options.minRepeats', 5, 1);
  const maxRepeats = checkCount(options.maxRepeats, 'options.maxRepeats', 50, 1);
  const closeCall = checkCount(options.closeCall, 'options.closeCall', 0.25, 0);
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
  const reasons = new Map<ConvAlgorithm, string>();
  const samples = new Map<ConvAlgorithm, number[]>();
  try {
    const calls = new Map<ConvAlgorithm, () => void>();
    for (const algorithm of candidates) {
      const reason = notApplicable(algorithm, filterShape, geometry);
      if (reason != null) {
        reasons.set(algorithm, reason);
        continue;
      }
      // The arguments were checked once above: the timed call runs the algorithm's body alone.
      const body = algorithmBody(algorithm, geometry);
      calls.set(algorithm, () => {
        const y = tf.tidy(() => body(x, w, parsed));
        y.dataSync();
        y.dispose();
      });
    }

    // 1. Warm-up (includes shader compilation); give up on hopeless algorithms early.
    let bestSettled = Infinity;
    const contenders: ConvAlgorithm[] = [];
    for (const [algorithm, call] of calls) {
      if (warmup === 0) {
        contenders.push(algorithm);
        continue;
      }
      const first = timeOnce(call);
      let settled = first;
      if (first <= 100 * bestSettled) for (let i = 1; i < warmup; i++) settled = timeOnce(call);
      if (settled > 10 * bestSettled) {
        samples.set(algorithm, [settled]);
        continue;
      }
      bestSettled = Math.min(bestSettled, settled);
      contenders.push(algorithm);
    }
    // The budget is per contender: a row with more candidates gets proportionally more rounds' time.
    for (const a of contenders) samples.set(a, []);
    const leaderMs = (among: ConvAlgorithm[]) => Math.min(...among.map((a) => median(samples.get(a)!)));
    const runRounds = (active: ConvAlgorithm[], minRounds: number, maxRounds: number, prune: boolean) => {
      const start = performance.now();
      for (let round = 0; round < maxRounds && active.length > 0; round++) {
        // Rotate the order each round so no algorithm always runs right after the same other one.
        for (let i = 0; i < active.length; i++) {
          const a = active[(i + round) % active.length];
          samples.get(a)!.push(timeOnce(calls.get(a)!));
        }
        if (prune && round + 1 >= 3 && active.length > 1) {
          const lead = leaderMs(active);
          active = active.filter((a) => median(samples.get(a)!) <= 3 * lead);
        }
        if (round + 1 >= minRounds && performance.now() - start >= minTimeMs * active.length) break;
      }
    };
    // 2. Interleaved rounds.
    runRounds([...contenders], minRepeats, maxRepeats, true);
    // 3. Close calls: more interleaved rounds for everything within closeCall of the leader.
    if (closeCall > 0 && contenders.length > 1) {
      const lead = leaderMs(contenders);
      const close = contenders.filter((a) => median(samples.get(a)!) <= (1 + closeCall) * lead);
      if (close.length > 1) {
        const rounds = Math.max(minRepeats, ...close.map((a) => samples.get(a)!.length));
        runRounds(close, rounds, Math.max(rounds, maxRepeats), false);
      }
    }
  } finally {
    x.dispose();
    w.dispose();
  }
  const timings: ConvAlgorithmTiming[] = candidates.map((algorithm) => {
    const reason = reasons.get(algorithm);
    if (reason != null) return {algorithm, applicable: false, ms: null, samples: 0, reason};
    const s = samples.get(algorithm)!;
    return {algorithm, applicable: true, ms: median(s), samples: s.length};
  });
  const measured = timings.filter((t) => t.ms != null);
  if (measured.length === 0)
    throw new Error(
      `options.algorithms: none of ${show(candidates)} applies to filter shape [${filterShape}] on backend '${backend}'`,
    );
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
 * import {getCachedConvAlgorithm} from 'tfjs-semifield/primitives';
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
 * import {clearConvAlgorithmCache} from 'tfjs-semifield/primitives';
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
 * import {conv2dAuto} from 'tfjs-semifield/primitives';
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
  return withConvArgs('conv2dAuto', x, filter, strides, pad, dataFormat, dilations, (x4, w, g) => {
    const geometry: ConvAlgorithmGeometry = {strides, pad, dilations};
    const choice =
      getCachedConvAlgorithm(x4.shape, w.shape, geometry) ?? findConvAlgorithm(x4.shape, w.shape, geometry);
    return algorithmBody(choice.best, geometry)(x4, w, g);
  });
}
