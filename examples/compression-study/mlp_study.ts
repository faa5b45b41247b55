// Compresses the trained MNIST MLP at a range of target ratios with compressDense and measures test
// accuracy and inference time (model.predict on the active backend), optionally after fine-tuning.
import * as tf from '@tensorflow/tfjs';
import {compressDense, lowRankCompressionRatio, type LowRankDense, type MatrixSvd} from '../../src/primitives/index.js';
import type {MnistSplit} from './data.js';
import {compileMlp, testAccuracy, trainMlp} from './mlp.js';
import {interleavedMedians} from './timing.js';

export interface CompressionPoint {
  /** 'dense' for the original model, else `ratio ρ` (the per-kernel target handed to compressDense). */
  label: string;
  targetRatio: number | null;
  ranks: Record<string, number>;
  parameters: number;
  /** Parameters of the dense model / parameters of this one (biases and the untouched layer included). */
  modelRatio: number;
  accuracy: number;
  fineTunedAccuracy: number | null;
  /** Median ms of model.predict on a [batch, 784] input, by backend. */
  timeMs: Record<string, number>;
}

export function parameterCount(model: tf.LayersModel): number {
  return model.getWeights().reduce((acc, w) => acc + w.size, 0);
}

export async function buildCompressedModels(
  dense: tf.LayersModel,
  ratios: number[],
  layers: string[],
  decompositions: Record<string, MatrixSvd>,
): Promise<{ratio: number; model: tf.LayersModel}[]> {
  const out: {ratio: number; model: tf.LayersModel}[] = [];
  for (const ratio of ratios) out.push({ratio, model: await compressDense(dense, {ratio, layers, decompositions})});
  return out;
}

export function ranksOf(model: tf.LayersModel): Record<string, number> {
  const ranks: Record<string, number> = {};
  for (const layer of model.layers)
    if (layer.getClassName() === 'LowRankDense') ranks[layer.name] = (layer as LowRankDense).rank;
  return ranks;
}

/** Times model.predict for every model, round-robin, on the active backend. */
export function timeModels(
  models: Map<string, tf.LayersModel>,
  batch: number,
  reps: number,
  tick?: () => void,
): Map<string, number> {
  const x = tf.tensor2d(new Float32Array(batch * 784).fill(0.5), [batch, 784]);
  try {
    const candidates = new Map<string, () => tf.Tensor>(
      [...models].map(([name, model]) => [name, () => model.predict(x) as tf.Tensor]),
    );
    return interleavedMedians(candidates, reps, 2, tick);
  } finally {
    x.dispose();
  }
}

/** Recompiles the model and fine-tunes it in place; returns the new test accuracy. */
export async function fineTune(
  model: tf.LayersModel,
  data: MnistSplit,
  epochs: number,
  learningRate: number,
): Promise<number> {
  compileMlp(model, learningRate);
  await trainMlp(model, data, epochs);
  return testAccuracy(model, data);
}

/** Points on the Pareto front of (time ↓, accuracy ↑). */
export function paretoFront<T>(points: T[], time: (p: T) => number, accuracy: (p: T) => number): Set<T> {
  const front = new Set<T>();
  for (const p of points) {
    const dominated = points.some(
      (q) =>
        q !== p && time(q) <= time(p) && accuracy(q) >= accuracy(p) && (time(q) < time(p) || accuracy(q) > accuracy(p)),
    );
    if (!dominated) front.add(p);
  }
  return front;
}

export {lowRankCompressionRatio};
