import type {DataType, TensorInfo} from '@tensorflow/tfjs-core';
import {TUNE_FLAG, webgpuFlag, webgpuFlagSignature} from './flags.js';
import {isSwiftShader, type WebGPUBackendLike} from './webgpu_util.js';

/*
 * The run-time tuner of the WebGPU kernels (cuDNN's benchmark mode; findConvAlgorithm does the same
 * for the conv primitives): the first call of a kernel for a (semifield, geometry) on a backend —
 * one adapter — runs the fixed default and queues a tuning job; the job times every candidate
 * program / tile on synthetic inputs of the same shapes and caches the fastest, which every later
 * call of that key runs.
 *
 * Why asynchronous: a tfjs kernel is synchronous, and a GPU's timings can only be read by awaiting
 * the device, so the first call cannot wait for them. `webgpuTuningSettled()` resolves when no job
 * is left (benchmarks and tests await it after a warm-up call).
 *
 * Timing: the GPU's own timestamps through the backend's `time()` where the adapter has the
 * `timestamp-query` feature (kernel time only; candidates of one key run the same number of times
 * back to back); otherwise wall time from submission to `onSubmittedWorkDone`. Each candidate runs
 * once to compile its pipelines, then twice `REPS` times in interleaved rounds; the minimum counts.
 * The default keeps its place unless a candidate is at least MARGIN faster, so noise does not flip
 * choices between runs. Outputs of sum-accumulating semifields can differ in the last bits between
 * candidates (a different summation order), as with cuDNN's algorithms.
 *
 * SEMIFIELD_WEBGPU_TUNE: 'auto' tunes on hardware adapters only (SwiftShader's fixed defaults were
 * measured on SwiftShader, where compiling each candidate costs up to seconds), true always, false
 * never.
 */

/** Timed runs per candidate and round. */
const REPS = 3;
const ROUNDS = 2;
/** A candidate replaces the default only when at least this much faster. */
const MARGIN = 0.03;

/** What the tuner needs from the backend beyond what the kernels use (all of it tfjs's WebGPUBackend). */
interface TunableBackend extends WebGPUBackendLike {
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array | Int32Array): TensorInfo;
  time?(f: () => void): Promise<{kernelMs: number | {error: string}}>;
  supportTimestampQuery?: boolean;
  device?: {queue: {onSubmittedWorkDone(): Promise<void>}};
  ensureCommandEncoderReady?(): void;
  endComputePassEncoder?(): void;
  submitQueue?(): void;
}

/** One tunable kernel call: its candidates and how to run one on synthetic inputs. */
export interface TuningSpec<C> {
  /** Cache key: kernel, semifield, geometry (the backend is the adapter); tunedChoice adds the flags. */
  key: string;
  fallback: C;
  /** The choices to time (computed once per key; the fallback among them). */
  candidates(): C[];
  label(choice: C): string;
  /** Synthetic inputs of the call's shapes; dispose() frees them. */
  makeInputs(gpu: WebGPUBackendLike): {inputs: TensorInfo[]; dispose(): void};
  /** Run one choice; returns its outputs (the tuner disposes them). */
  run(gpu: WebGPUBackendLike, choice: C, inputs: TensorInfo[]): TensorInfo[];
}

/** One key's outcome. */
export interface TuningResult {
  key: string;
  /** The choice calls now run (the default unless a candidate beat it by MARGIN). */
  winner: string;
  fallback: string;
  /** Fastest ms per run of each candidate, in candidate order; Infinity if it failed to run. */
  timings: Array<{choice: string; ms: number}>;
  /** 'timestamp' (GPU kernel time) or 'wall' (submission to completion). */
  clock: 'timestamp' | 'wall';
}

interface Entry {
  choice: unknown;
  result?: TuningResult;
}

const cache = new WeakMap<object, Map<string, Entry>>();
let queue: Promise<void> = Promise.resolve();
let pendingJobs = 0;

function cacheFor(gpu: object): Map<string, Entry> {
  let m = cache.get(gpu);
  if (m == null) cache.set(gpu, (m = new Map()));
  return m;
}

export function tuningEnabled(gpu: WebGPUBackendLike): boolean {
  const flag = webgpuFlag(TUNE_FLAG);
  return flag === 'auto' ? !isSwiftShader(gpu) : flag;
}

/**
 * The choice a kernel call runs: the tuned winner of its key if known; otherwise the default, and a
 * tuning job is queued for the key (when tuning is on and there is more than one candidate).
 */
export function tunedChoice<C>(gpu: WebGPUBackendLike, spec: TuningSpec<C>): C {
  if (!tuningEnabled(gpu)) return spec.fallback;
  const keys = cacheFor(gpu);
  // The flags restrict the candidates: a winner found under other settings must not override them.
  const key = `${spec.key}|${webgpuFlagSignature()}`;
  const entry = keys.get(key);
  if (entry != null) return entry.choice as C;
  keys.set(key, {choice: spec.fallback});
  const candidates = spec.candidates();
  if (candidates.length < 2) return spec.fallback;
  pendingJobs++;
  queue = queue.then(() => tune(gpu as TunableBackend, {...spec, key}, candidates, keys)).finally(() => pendingJobs--);
  return spec.fallback;
}

/** Resolves when every queued tuning job has finished (their winners are then in use). */
export async function webgpuTuningSettled(): Promise<void> {
  while (pendingJobs > 0) await queue;
}

/** The tuning outcomes on a backend (every key tuned so far). */
export function webgpuTuningResults(gpu: object): TuningResult[] {
  return [...cacheFor(gpu).values()].flatMap((e) => (e.result ? [e.result] : []));
}

/** Forget every tuned choice on a backend (the next call of each key tunes again). */
export function clearWebGPUTuning(gpu: object): void {
  cache.delete(gpu);
}

function flush(gpu: TunableBackend): void {
  gpu.ensureCommandEncoderReady?.();
  gpu.endComputePassEncoder?.();
  gpu.submitQueue?.();
}

async function tune<C>(
  gpu: TunableBackend,
  spec: TuningSpec<C>,
  candidates: C[],
  keys: Map<string, Entry>,
): Promise<void> {
  const clock: 'timestamp' | 'wall' = gpu.supportTimestampQuery && gpu.time ? 'timestamp' : 'wall';
  const best = candidates.map(() => Infinity);
  let data: {inputs: TensorInfo[]; dispose(): void} | undefined;
  try {
    data = spec.makeInputs(gpu);
    const runTimes = (choice: C, reps: number) => {
      for (let r = 0; r < reps; r++) for (const out of spec.run(gpu, choice, data!.inputs)) gpu.disposeData(out.dataId);
    };
    const failed = new Set<number>();
    for (let i = 0; i < candidates.length; i++) {
      try {
        runTimes(candidates[i], 1); // compiles the candidate's pipelines
      } catch {
        failed.add(i);
      }
    }
    flush(gpu);
    await gpu.device?.queue.onSubmittedWorkDone();
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < candidates.length; i++) {
        if (failed.has(i)) continue;
        const ms = await timeOnce(gpu, clock, () => runTimes(candidates[i], REPS));
        best[i] = Math.min(best[i], ms / REPS);
      }
    }
  } catch {
    // A device lost or a backend removed mid-job: keep the default for this key.
  } finally {
    data?.dispose();
  }
  const fallbackIndex = candidates.findIndex((c) => spec.label(c) === spec.label(spec.fallback));
  const fallbackMs = fallbackIndex >= 0 ? best[fallbackIndex] : Infinity;
  let winner = fallbackIndex >= 0 ? fallbackIndex : -1;
  for (let i = 0; i < best.length; i++) {
    if (best[i] < (winner < 0 ? Infinity : best[winner]) && best[i] < fallbackMs * (1 - MARGIN)) winner = i;
  }
  const choice = winner >= 0 ? candidates[winner] : spec.fallback;
  keys.set(spec.key, {
    choice,
    result: {
      key: spec.key,
      winner: spec.label(choice),
      fallback: spec.label(spec.fallback),
      timings: candidates.map((c, i) => ({choice: spec.label(c), ms: best[i]})),
      clock,
    },
  });
}

async function timeOnce(gpu: TunableBackend, clock: 'timestamp' | 'wall', f: () => void): Promise<number> {
  if (clock === 'timestamp') {
    const info = await gpu.time!(f);
    if (typeof info.kernelMs === 'number' && info.kernelMs > 0) return info.kernelMs;
  }
  flush(gpu);
  await gpu.device?.queue.onSubmittedWorkDone();
  const start = performance.now();
  f();
  flush(gpu);
  await gpu.device?.queue.onSubmittedWorkDone();
  return performance.now() - start;
}

/** Deterministic pseudo-random values in [lo, hi) for synthetic tuning inputs. */
export function syntheticValues(n: number, lo: number, hi: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = lo + ((s >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}
