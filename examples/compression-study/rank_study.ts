// Rank vs reconstruction error of four kinds of matrix, and rank vs measured time of the factorised
// product (x·A)·B against the dense x·W for each layer shape of the MNIST MLP.
import * as tf from '@tensorflow/tfjs';
import {lowRankFactors, matrixSvd, type MatrixSvd} from '../../src/primitives/index.js';
import {gaussianValues} from './data.js';
import {breakEvenRank, interleavedMedians} from './timing.js';

export interface NamedMatrix {
  name: string;
  rows: number;
  cols: number;
  values: Float32Array;
}

export interface ReconstructionCurve {
  name: string;
  rows: number;
  cols: number;
  /** Relative Frobenius error ‖W − W_r‖/‖W‖ for r = 1…k, from the singular values (Eckart–Young). */
  errors: number[];
  /** The same quantity measured by building the factors and multiplying them back (tf.matMul), at a few ranks. */
  measured: {rank: number; error: number}[];
  /** Smallest rank reaching 10 % / 1 % relative error. */
  rankFor10pc: number;
  rankFor1pc: number;
  svd: MatrixSvd;
}

export function reconstructionCurve(matrix: NamedMatrix): ReconstructionCurve {
  const w = tf.tensor2d(matrix.values, [matrix.rows, matrix.cols]);
  try {
    const svd = matrixSvd(w);
    const total = svd.s.reduce((acc, v) => acc + v * v, 0);
    const errors: number[] = [];
    let tail = total;
    for (let r = 1; r <= svd.k; r++) {
      tail -= svd.s[r - 1] ** 2;
      errors.push(Math.sqrt(Math.max(tail, 0) / total));
    }
    const probe = [...new Set([1, Math.round(svd.k / 10), Math.round(svd.k / 4), Math.round(svd.k / 2), svd.k])].filter(
      (r) => r >= 1,
    );
    const norm = tf.tidy(() => tf.norm(w).dataSync()[0]);
    const measured = probe.map((rank) => {
      const {a, b} = lowRankFactors(svd, {rank});
      const error = tf.tidy(() => tf.norm(tf.sub(tf.matMul(a, b), w)).dataSync()[0] / norm);
      tf.dispose([a, b]);
      return {rank, error};
    });
    const rankFor = (level: number) => errors.findIndex((e) => e <= level) + 1;
    return {
      name: matrix.name,
      rows: matrix.rows,
      cols: matrix.cols,
      errors,
      measured,
      rankFor10pc: rankFor(0.1),
      rankFor1pc: rankFor(0.01),
      svd,
    };
  } finally {
    w.dispose();
  }
}

export interface LayerTiming {
  layer: string;
  inputDim: number;
  units: number;
  batch: number;
  backend: string;
  denseMs: number;
  ranks: number[];
  factorisedMs: number[];
  /** Measured break-even rank, and the multiply-add count break-even in·units/(in + units). */
  breakEven: number | null;
  theoreticalBreakEven: number;
}

/**
 * Times x [batch, in] · W [in, units] against (x · A [in, r]) · B [r, units] on the active backend,
 * for each rank, round-robin (see interleavedMedians). Random operands: timing does not depend on values.
 */
export function timeLayer(
  layer: string,
  inputDim: number,
  units: number,
  ranks: number[],
  batch: number,
  reps: number,
  tick?: () => void,
): LayerTiming {
  const x = tf.tensor2d(gaussianValues(batch * inputDim, 1), [batch, inputDim]);
  const w = tf.tensor2d(gaussianValues(inputDim * units, 2), [inputDim, units]);
  const factors = ranks.map(
    (r) =>
      [
        tf.tensor2d(gaussianValues(inputDim * r, 3), [inputDim, r]),
        tf.tensor2d(gaussianValues(r * units, 4), [r, units]),
      ] as const,
  );
  try {
    const candidates = new Map<string, () => tf.Tensor>([['dense', () => tf.matMul(x, w)]]);
    ranks.forEach((r, i) => candidates.set(`r${r}`, () => tf.matMul(tf.matMul(x, factors[i][0]), factors[i][1])));
    const medians = interleavedMedians(candidates, reps, 2, tick);
    const denseMs = medians.get('dense')!;
    const factorisedMs = ranks.map((r) => medians.get(`r${r}`)!);
    return {
      layer,
      inputDim,
      units,
      batch,
      backend: tf.getBackend(),
      denseMs,
      ranks,
      factorisedMs,
      breakEven: breakEvenRank(ranks, factorisedMs, denseMs),
      theoreticalBreakEven: (inputDim * units) / (inputDim + units),
    };
  } finally {
    tf.dispose([x, w, ...factors.flat()]);
  }
}
