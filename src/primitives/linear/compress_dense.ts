import * as tf from '@tensorflow/tfjs-core';
import {models, type LayersModel} from '@tensorflow/tfjs-layers';
import {checkInteger, checkNumberInRange, checkOptionsObject, describe} from './checks.js';
import {lowRankFactors} from './low_rank_factors.js';
import {LowRankDense} from './low_rank_dense.js';
import {matrixSvd, rankForEnergy, type MatrixSvd} from './matrix_svd.js';
import {describeJson} from '../../ops/describe.js';

/**
 * How to pick each replaced layer's rank; exactly one of:
 * - `rank`: the same rank everywhere (capped at min(in, units) of each layer);
 * - `ratio`: a target compression ratio in·units / (r·(in + units)) of each kernel (r ≥ 1);
 * - `energy`: keep this fraction of each kernel's Σσ² (0 < energy ≤ 1).
 */
export interface CompressDenseOptions {
  rank?: number;
  ratio?: number;
  energy?: number;
  /** Names of the Dense layers to replace; default: every Dense layer. */
  layers?: string[];
  /**
   * Precomputed SVDs of kernels, by layer name (from {@link matrixSvd} of `layer.getWeights()[0]`),
   * to try many ranks without decomposing again; missing layers are decomposed here.
   */
  decompositions?: Record<string, MatrixSvd>;
}

type JsonDict = {[key: string]: unknown};

/**
 * Kernel compression ratio in·units / (r·(in + units)) of a rank-r factorisation of an [in, units]
 * kernel; above 1 the factorised layer has fewer weights and fewer multiply-adds per row.
 *
 * @example
 * ```ts
 * import {lowRankCompressionRatio} from 'tfjs-semifield/primitives';
 * console.log(lowRankCompressionRatio(784, 512, 64)); // 4.84
 * ```
 */
export function lowRankCompressionRatio(inputDim: number, units: number, rank: number): number {
  return (inputDim * units) / (rank * (inputDim + units));
}

function checkCompressOptions(options: unknown): {
  mode: 'rank' | 'ratio' | 'energy';
  value: number;
  names?: string[];
  decompositions: Record<string, MatrixSvd>;
} {
  const opts = checkOptionsObject('options', options);
  const given = (['rank', 'ratio', 'energy'] as const).filter((k) => opts[k] !== undefined);
  if (given.length !== 1) {
    throw new Error(`options: expected exactly one of {rank}, {ratio} or {energy}, but got ${describeJson(opts)}`);
  }
  const mode = given[0];
  const value =
    mode === 'rank'
      ? checkInteger('options.rank', opts.rank, 1, 2 ** 31 - 1)
      : mode === 'ratio'
        ? checkNumberInRange('options.ratio', opts.ratio, 0, Number.MAX_VALUE, true)
        : checkNumberInRange('options.energy', opts.energy, 0, 1, true);
  let names: string[] | undefined;
  if (opts.layers !== undefined) {
    if (!Array.isArray(opts.layers) || opts.layers.some((n) => typeof n !== 'string')) {
      throw new Error(`options.layers: expected an array of layer names, but got ${describe(opts.layers)}`);
    }
    names = opts.layers as string[];
  }
  const decompositions = (opts.decompositions ?? {}) as Record<string, MatrixSvd>;
  if (
    typeof decompositions !== 'object' ||
    decompositions === null ||
    Object.values(decompositions).some((d) => !(d?.s instanceof Float64Array))
  ) {
    throw new Error(
      `options.decompositions: expected an object of MatrixSvd by layer name, but got ${describe(opts.decompositions)}`,
    );
  }
  return {mode, value, names, decompositions};
}

/**
 * Returns a new model in which the chosen Dense layers are replaced by {@link LowRankDense} layers
 * holding the truncated-SVD factors of their kernels (bias and activation carried over); every other
 * layer keeps its config and a copy of its weights. The input model is not modified. The new model
 * is not compiled: call `compile` before `fit` / `evaluate`.
 *
 * Works for Sequential and functional models, since it rewrites the model's JSON topology and
 * rebuilds it with `tf.models.modelFromJSON`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import {compressDense} from 'tfjs-semifield/primitives';
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({inputShape: [784], units: 512, activation: 'relu'}),
 *   tf.layers.dense({units: 10, activation: 'softmax'})]});
 * const small = await compressDense(model, {ratio: 4, layers: [model.layers[0].name]});
 * small.predict(tf.zeros([1, 784]));
 * ```
 */
export async function compressDense(model: LayersModel, options: CompressDenseOptions): Promise<LayersModel> {
  if (
    model == null ||
    typeof (model as LayersModel).toJSON !== 'function' ||
    !Array.isArray((model as LayersModel).layers)
  ) {
    throw new Error(`model: expected a tf.LayersModel (tf.sequential or tf.model), but got ${describe(model)}`);
  }
  const {mode, value, names, decompositions} = checkCompressOptions(options);
  const denseNames = model.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.name);
  const chosen = names ?? denseNames;
  for (const name of chosen) {
    if (!denseNames.includes(name)) {
      throw new Error(
        `options.layers: expected names of Dense layers of the model (${denseNames.join(', ')}), but got ${describeJson(name)}`,
      );
    }
  }

  // Factorise first: every rank is checked before anything is built, so bad input leaks nothing.
  const plans = new Map<string, {rank: number; factorA: tf.Tensor2D; factorB: tf.Tensor2D; bias?: tf.Tensor}>();
  const shapes = chosen.map((name) => {
    const kernel = model.getLayer(name).getWeights()[0] as tf.Tensor2D;
    return {name, kernel, inputDim: kernel.shape[0], units: kernel.shape[1]};
  });
  if (mode === 'rank') {
    for (const {name, inputDim, units} of shapes) {
      const most = Math.min(inputDim, units);
      if (value > most)
        throw new Error(
          `options.rank: expected at most min(in, units) = ${most} for layer ${name} [${inputDim}, ${units}], but got ${value}`,
        );
    }
  }
  try {
    for (const {name, kernel, inputDim, units} of shapes) {
      const given = decompositions[name];
      if (given !== undefined && (given.rows !== inputDim || given.cols !== units)) {
        throw new Error(
          `options.decompositions.${name}: expected the SVD of a [${inputDim}, ${units}] kernel, but got one of [${given.rows}, ${given.cols}]`,
        );
      }
      const svd = given ?? matrixSvd(kernel);
      const most = Math.min(inputDim, units);
      const rank =
        mode === 'rank'
          ? value
          : mode === 'ratio'
            ? Math.min(most, Math.max(1, Math.floor((inputDim * units) / (value * (inputDim + units)))))
            : rankForEnergy(svd.s, value);
      const {a, b} = lowRankFactors(svd, {rank});
      const weights = model.getLayer(name).getWeights();
      plans.set(name, {rank, factorA: a, factorB: b, bias: weights[1]});
    }

    const json = model.toJSON(null, false) as JsonDict;
    const config = json.config as JsonDict;
    for (const layerJson of config.layers as JsonDict[]) {
      const layerConfig = layerJson.config as JsonDict;
      const plan = plans.get(layerConfig.name as string);
      if (plan === undefined) continue;
      const keep = ['name', 'trainable', 'dtype', 'batch_input_shape'];
      const replaced: JsonDict = {};
      for (const key of keep) if (layerConfig[key] !== undefined) replaced[key] = layerConfig[key];
      replaced.units = layerConfig.units;
      replaced.rank = plan.rank;
      replaced.activation = layerConfig.activation ?? 'linear';
      replaced.use_bias = layerConfig.use_bias ?? true;
      layerJson.class_name = LowRankDense.className;
      layerJson.config = replaced;
    }
    const compressed = await models.modelFromJSON({modelTopology: json} as never);

    for (const layer of compressed.layers) {
      const plan = plans.get(layer.name);
      if (plan !== undefined) {
        layer.setWeights(plan.bias ? [plan.factorA, plan.factorB, plan.bias] : [plan.factorA, plan.factorB]);
      } else {
        const original = model.getLayer(layer.name);
        // setWeights takes its own reference to the values; later assigns to either model do not reach the other.
        if (original.weights.length > 0) layer.setWeights(original.getWeights());
      }
    }
    return compressed;
  } finally {
    for (const plan of plans.values()) tf.dispose([plan.factorA, plan.factorB]);
  }
}
