/*
 * One run of the study — one variant, one seed — from start to finish in the current process:
 * backend, data, model, training, per-epoch test accuracy. Used in-process (--jobs 1) and by each
 * child process. Everything a run depends on is in RunSpec (plain data, sent over IPC), so a run
 * computes the same thing in a child as in the parent.
 */
import * as tf from '@tensorflow/tfjs';
import '../../index.js'; // the fused kernels and the semifield layer classes
// The package's public helpers (tfjs-semifield/cpu-fast, tfjs-semifield/node-webgpu), from source.
// Static imports, so that esbuild's bundle for the GPU machine carries them (node_webgpu imports
// the native `webgpu` addon lazily, and only on --backend webgpu).
import {registerFastCpuKernels, registerWasmConv2DBackpropFilter} from '../../src/entries/cpu-fast.js';
import {initNodeWebGPU} from '../../src/backends/node_webgpu.js';
import {loadIdxSplit, type MnistSplit} from '../node-mnist/data.js';
import {trainAndEvaluate, type TrainEvent} from '../node-mnist/train.js';
import {buildStudyModel, type Skeleton, type StudyVariant} from './models.js';

export const studyBackends = ['cpu', 'wasm', 'webgpu'] as const;
export type StudyBackend = (typeof studyBackends)[number];

/** What every run of a study shares (the budget, the data, the backend). */
export interface StudyConfig {
  backend: StudyBackend;
  dataDir: string;
  train: number;
  test: number;
  /** Seed of the train / test subset (when sliced): the same data for every run. */
  dataSeed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  learningRateDecay: number;
  skeleton: Skeleton;
}

export interface RunSpec {
  variant: StudyVariant;
  seed: number;
}

export interface RunResult extends RunSpec {
  params: number;
  /** Test accuracy after every epoch; the last is the run's result. */
  testAccuracy: number[];
  trainAccuracy: number[];
  secondsPerEpoch: number[];
  /** Wall time of the whole run in its process (backend and data set-up, training, evaluation). */
  wallSeconds: number;
  backend: string;
  /** Adapter description on webgpu (e.g. "nvidia … (software: false)"), '' elsewhere. */
  device: string;
}

let webgpuDevice: string | null = null;

/** Select the backend and install what training needs on it (cheap to repeat; Dawn starts once per process). */
export async function prepareStudyBackend(backend: StudyBackend): Promise<{name: string; device: string}> {
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (backend === 'webgpu' && webgpuDevice == null) {
    const info = await initNodeWebGPU();
    webgpuDevice =
      `${info.adapter.vendor} ${info.adapter.description}${info.software ? ' (SwiftShader, CPU)' : ''}`.trim();
  }
  if (!(await tf.setBackend(backend))) throw new Error(`--backend: tf.setBackend('${backend}') failed`);
  await tf.ready();
  // Typed-array replacements of tfjs-cpu's slowest training kernels (docs/helpers.md), for every
  // variant alike (idempotent); wasm has no Conv2DBackpropFilter of its own.
  if (backend === 'cpu') registerFastCpuKernels();
  if (backend === 'wasm') registerWasmConv2DBackpropFilter();
  return {name: tf.getBackend(), device: backend === 'webgpu' ? (webgpuDevice ?? '') : ''};
}

let cachedData: {key: string; data: MnistSplit} | null = null;

/** The study's data, loaded once per process (runs of one process share it; training never modifies it). */
export function loadStudyData(config: StudyConfig): MnistSplit {
  const key = JSON.stringify([config.dataDir, config.train, config.test, config.dataSeed]);
  if (cachedData?.key !== key) {
    if (cachedData != null) tf.dispose(Object.values(cachedData.data));
    cachedData = {key, data: loadIdxSplit(config.dataDir, config.train, config.test, config.dataSeed)};
  }
  return cachedData.data;
}

/** Dispose the cached data set (tests: a process that runs studies among other work). */
export function releaseStudyData(): void {
  if (cachedData != null) tf.dispose(Object.values(cachedData.data));
  cachedData = null;
}

export async function runOne(
  spec: RunSpec,
  config: StudyConfig,
  onProgress?: (event: TrainEvent) => void,
): Promise<RunResult> {
  const started = performance.now();
  const backend = await prepareStudyBackend(config.backend);
  const data = loadStudyData(config);
  const model = buildStudyModel(spec.variant, spec.seed, config.skeleton);
  try {
    const result = await trainAndEvaluate(model, data, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      learningRateDecay: config.learningRateDecay,
      augmentShift: 0,
      seed: spec.seed,
      evaluateEachEpoch: true,
      onProgress,
    });
    return {
      ...spec,
      params: model.countParams(),
      testAccuracy: result.testAccuracyPerEpoch,
      trainAccuracy: result.trainAccuracyPerEpoch,
      secondsPerEpoch: result.secondsPerEpoch,
      wallSeconds: (performance.now() - started) / 1000,
      backend: backend.name,
      device: backend.device,
    };
  } finally {
    model.dispose();
  }
}
