/*
 * One variant from start to finish — build, train, evaluate, save, reload and re-check — and the
 * per-process setup it needs (backend, the package's fast cpu kernels, the data). Used in-process by
 * main.ts with --jobs 1 and by each child process (variant_process.ts) otherwise.
 */
import * as tf from '@tensorflow/tfjs';
import {join} from 'node:path';
import '../../index.js'; // registers the fused kernels and the semifield layer classes
import {selectBackend} from './backend.js';
// The package's public helpers (tfjs-semifield/cpu-fast and tfjs-semifield/node), from source.
import {registerFastCpuKernels, registerWasmConv2DBackpropFilter} from '../../src/entries/cpu-fast.js';
import {fileSystemIO} from '../../src/entries/node.js';
import {loadIdxSplit, loadMnist, type MnistSplit} from './data.js';
import {buildModel, type VariantName} from './models.js';
import {accuracy, trainAndEvaluate, type TrainEvent} from './train.js';

/** The command-line options a variant's run depends on (plain data: it is sent to child processes). */
export interface RunOptions {
  backend: string;
  /** 'mnist' (the digits of the `mnist` package, default) or 'fashion-mnist' (IDX files in dataDir). */
  dataset?: 'mnist' | 'fashion-mnist';
  dataDir?: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  learningRateDecay: number;
  augment: number;
  seed: number;
  train: number;
  test: number;
  out: string;
  tfjsCpuKernels?: boolean;
}

export interface VariantResult {
  variant: VariantName;
  params: number;
  accuracy: number;
  /** Mean over the epochs after the first (which includes one-off warm-up), or the only epoch. */
  secondsPerEpoch: number;
  folder: string;
  /** Whether the model reloaded from `folder` reproduced the test accuracy. */
  reloadedSame: boolean;
  reloadedAccuracy: number;
}

/** Select the backend and install the example's kernels for it; returns tf.getBackend(). */
export async function prepareBackend(options: RunOptions): Promise<string> {
  const backend = await selectBackend(options.backend);
  if (backend === 'cpu' && !options.tfjsCpuKernels) registerFastCpuKernels();
  if (backend === 'wasm') registerWasmConv2DBackpropFilter();
  return backend;
}

export function loadData(options: RunOptions): MnistSplit {
  if (options.dataset === 'fashion-mnist') {
    if (options.dataDir == null) throw new Error('fashion-mnist: no data folder given (--data-dir)');
    return loadIdxSplit(options.dataDir, options.train, options.test, options.seed);
  }
  return loadMnist(options.train, options.test, options.seed);
}

export async function runVariant(
  variant: VariantName,
  options: RunOptions,
  data: MnistSplit,
  onProgress?: (event: TrainEvent) => void,
): Promise<VariantResult> {
  const model = buildModel(variant, options.seed);
  try {
    const result = await trainAndEvaluate(model, data, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      learningRateDecay: options.learningRateDecay,
      augmentShift: options.augment,
      seed: options.seed,
      onProgress,
    });
    const folder = join(options.out, variant);
    await model.save(fileSystemIO(folder));
    const reloaded = await tf.loadLayersModel(fileSystemIO(folder));
    const reloadedAccuracy = await accuracy(reloaded, data.testImages, data.testLabels);
    reloaded.dispose();
    const timed = result.secondsPerEpoch.length > 1 ? result.secondsPerEpoch.slice(1) : result.secondsPerEpoch;
    return {
      variant,
      params: model.countParams(),
      accuracy: result.testAccuracy,
      secondsPerEpoch: timed.reduce((a, b) => a + b, 0) / timed.length,
      folder,
      reloadedSame: reloadedAccuracy === result.testAccuracy,
      reloadedAccuracy,
    };
  } finally {
    model.dispose();
  }
}

/** The line printed when a variant finishes. */
export function describeResult(r: VariantResult): string {
  return `${r.variant}: test accuracy ${(100 * r.accuracy).toFixed(2)}%, ${r.secondsPerEpoch.toFixed(1)} s/epoch; saved to ${r.folder} (reloaded: ${r.reloadedSame ? 'same accuracy' : `accuracy ${r.reloadedAccuracy}`})`;
}

/** Sanity check for the message a parent sends: fail loudly rather than train the wrong thing. */
export function checkRunOptions(value: unknown): RunOptions {
  const o = value as Partial<RunOptions> | null;
  const numbers = [
    'epochs',
    'batchSize',
    'learningRate',
    'learningRateDecay',
    'augment',
    'seed',
    'train',
    'test',
  ] as const;
  if (
    o == null ||
    typeof o.backend !== 'string' ||
    typeof o.out !== 'string' ||
    numbers.some((k) => typeof o[k] !== 'number')
  ) {
    throw new Error(
      `variant process: expected run options {backend, out, ${numbers.join(', ')}}, but got ${JSON.stringify(value)}`,
    );
  }
  return o as RunOptions;
}
