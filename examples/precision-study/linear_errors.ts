import * as tf from '@tensorflow/tfjs';
import {
  WINOGRAD_F2x2_3x3,
  WINOGRAD_F4x4_3x3,
  conv2dDirect,
  conv2dFft,
  conv2dIm2col,
  conv2dWinograd,
  emulatedDirect,
  emulatedFft,
  emulatedIm2col,
  emulatedWinograd,
  float64,
  studyFormats,
  type EmulatedConvProblem,
  type NumberFormat,
} from '../../src/primitives/index.js';
import {makeProblem, relativeError, samePad, type StudyProblem} from './problems.js';

/** Algorithms of the linear table, with how each runs in an emulated format (null: not defined there). */
export const LINEAR_ALGORITHMS = [
  'direct',
  'im2col',
  'winograd-f2x2',
  'winograd-f4x4',
  'winograd-f2x2 (G cast to int)',
  'fft',
] as const;
export type LinearAlgorithm = (typeof LINEAR_ALGORITHMS)[number];

export interface ErrorCell {
  algorithm: string;
  format: string;
  /** Mean over seeds of ‖y − y_ref‖/‖y_ref‖ (y_ref: float64 direct on the unquantised inputs); null = not applicable. */
  error: number | null;
  /** Overflows (±∞ or integer wrap-arounds) summed over seeds. */
  overflows: number;
  note?: string;
}

function emulate(algorithm: LinearAlgorithm, p: EmulatedConvProblem, f: NumberFormat): Float64Array | null {
  switch (algorithm) {
    case 'direct':
      return emulatedDirect(p, f);
    case 'im2col':
      return emulatedIm2col(p, f);
    case 'winograd-f2x2':
      return emulatedWinograd(p, f, WINOGRAD_F2x2_3x3, 'scaled');
    case 'winograd-f4x4':
      return emulatedWinograd(p, f, WINOGRAD_F4x4_3x3, 'scaled');
    case 'winograd-f2x2 (G cast to int)':
      return f.encoding === 'int' ? emulatedWinograd(p, f, WINOGRAD_F2x2_3x3, 'truncated') : null;
    case 'fft':
      return f.encoding === 'float' ? emulatedFft(p, f) : null;
  }
}

/**
 * Integer quantisation: x and w each get b magnitude bits, with b the largest value for which the
 * worst case of the direct sum, K·(2^b − 1)², still fits the format (K = k·k·cin terms) — the choice
 * that makes direct convolution overflow-free, so any overflow is the algorithm's own.
 */
export function quantBits(format: NumberFormat, terms: number): number {
  const max = 2 ** (format.bits - 1) - 1;
  return Math.max(1, Math.floor(Math.log2(Math.sqrt(max / terms) + 1)));
}

function toProblem(s: StudyProblem, x: ArrayLike<number>, w: ArrayLike<number>): EmulatedConvProblem {
  return {
    x,
    height: s.size,
    width: s.size,
    inChannels: s.cin,
    filter: w,
    filterHeight: s.k,
    filterWidth: s.k,
    outChannels: s.cout,
    pad: samePad(s.size, s.k),
  };
}

/** Inputs of problem s in format f, and the factor that maps integer outputs back to reals. */
function inputsIn(s: StudyProblem, f: NumberFormat): {x: number[]; w: number[]; outScale: number; note?: string} {
  if (f.encoding === 'float') return {x: s.x.map((v) => f.fromReal(v)), w: s.w.map((v) => f.fromReal(v)), outScale: 1};
  const b = quantBits(f, s.k * s.k * s.cin);
  const q = 2 ** b - 1;
  const sx = Math.max(...s.x.map(Math.abs)) / q;
  const sw = Math.max(...s.w.map(Math.abs)) / q;
  return {
    x: s.x.map((v) => f.fromReal(v / sx)),
    w: s.w.map((v) => f.fromReal(v / sw)),
    outScale: sx * sw,
    note: `inputs quantised to ±${q} (${b} bits)`,
  };
}

/** The emulated table: every algorithm × format, on the LINEAR_STUDY problems. */
export function emulatedErrorTable(problems: StudyProblem[], onProgress: () => void): ErrorCell[] {
  const cells: ErrorCell[] = [];
  for (const algorithm of LINEAR_ALGORITHMS) {
    for (const proto of studyFormats()) {
      let sum = 0;
      let overflows = 0;
      let applicable = true;
      let note: string | undefined;
      for (const s of problems) {
        const f = studyFormats().find((g) => g.name === proto.name)!;
        const ref = emulatedDirect(toProblem(s, s.x, s.w), float64());
        const inputs = inputsIn(s, f);
        note = inputs.note;
        const y = emulate(algorithm, toProblem(s, inputs.x, inputs.w), f);
        if (y == null) {
          applicable = false;
          break;
        }
        sum += relativeError(
          y.map((v) => v * inputs.outScale),
          ref,
        );
        overflows += f.stats.overflows;
      }
      onProgress();
      cells.push({
        algorithm,
        format: proto.name,
        error: applicable ? sum / problems.length : null,
        overflows: applicable ? overflows : 0,
        note: applicable ? note : 'not defined in integer arithmetic',
      });
    }
  }
  return cells;
}

/** Library algorithms as the study runs them through tfjs (Node cpu here; the browser page uses the same list). */
export const TFJS_ALGORITHMS: Record<string, (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D> = {
  direct: (x, w) => conv2dDirect(x, w, 1, 'same'),
  im2col: (x, w) => conv2dIm2col(x, w, 1, 'same'),
  'winograd-f2x2': (x, w) => conv2dWinograd(x, w, 1, 'same', 'NHWC', 1, 'F2x2_3x3'),
  'winograd-f4x4': (x, w) => conv2dWinograd(x, w, 1, 'same', 'NHWC', 1, 'F4x4_3x3'),
  fft: (x, w) => conv2dFft(x, w, 1, 'same'),
  'tf.conv2d': (x, w) => tf.conv2d(x, w, 1, 'same'),
};

/** Real float32 on tfjs's cpu backend: the library's own code, not an emulation. */
export function tfjsCpuErrors(problems: StudyProblem[], only?: string[]): ErrorCell[] {
  const cells: ErrorCell[] = [];
  for (const [algorithm, run] of Object.entries(TFJS_ALGORITHMS)) {
    if (only != null && !only.includes(algorithm)) continue;
    let sum = 0;
    for (const s of problems) {
      const ref = emulatedDirect(toProblem(s, s.x, s.w), float64());
      const y = tf.tidy(() =>
        run(tf.tensor4d(s.x, [1, s.size, s.size, s.cin]), tf.tensor4d(s.w, [s.k, s.k, s.cin, s.cout])),
      );
      sum += relativeError(y.dataSync(), ref);
      y.dispose();
    }
    cells.push({algorithm, format: 'float32 (tfjs cpu)', error: sum / problems.length, overflows: 0});
  }
  return cells;
}

/** Errors of outputs computed elsewhere (the browser) against the float64 reference. */
export function errorsOfOutputs(
  problems: StudyProblem[],
  outputs: Record<string, number[][]>,
  format: string,
): ErrorCell[] {
  return Object.entries(outputs).map(([algorithm, ys]) => {
    let sum = 0;
    problems.forEach((s, i) => {
      sum += relativeError(ys[i], emulatedDirect(toProblem(s, s.x, s.w), float64()));
    });
    return {algorithm, format, error: sum / problems.length, overflows: 0};
  });
}

export function linearProblems(seeds: number[], size: number, cin: number, cout: number, k: number): StudyProblem[] {
  return seeds.map((seed) => makeProblem(seed, size, cin, cout, k));
}
