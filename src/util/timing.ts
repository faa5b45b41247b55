/*
 * The package's one timing helper, shared by the autotuner (src/primitives/conv/autotune.ts), the
 * benches (examples/bench), the studies and the browser demo: wall-clock milliseconds of calls
 * after untimed warm-up calls, summarised by the median (robust to the odd slow call from GC, JIT
 * or another process). It knows nothing of tfjs: the function timed must itself wait for its
 * result (read a tensor back with `dataSync()` / `await data()`), or GPU work is not counted.
 */

/** What {@link timeSync}, {@link timeAsync} and {@link timeInterleaved} measured. */
export interface TimingResult {
  /** Median of the timed calls, ms (NaN when none was timed). */
  medianMs: number;
  /** Fastest timed call, ms. */
  minMs: number;
  /** Slowest timed call, ms. */
  maxMs: number;
  /** Mean of the timed calls, ms. */
  meanMs: number;
  /** Every timed call, ms, in the order they ran. */
  samplesMs: number[];
  /** Number of timed calls (samplesMs.length; may be under the reps asked for, see budgetMs). */
  reps: number;
  /** Untimed warm-up calls made first, ms each. */
  warmupMs: number[];
}

export interface TimingOptions {
  /** Timed calls (default 10). */
  reps?: number;
  /** Untimed calls first: JIT, shader compilation, buffer allocation (default 2). */
  warmup?: number;
  /**
   * Time budget for the timed calls, ms (default Infinity): when the last warm-up call shows that
   * `reps` calls would take longer, fewer are made (at least `minReps`).
   */
  budgetMs?: number;
  /** Fewest timed calls when `budgetMs` cuts them (default 3). */
  minReps?: number;
}

/** Median of `values` (mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A {@link TimingResult} from timed samples (ms) and, optionally, the warm-up calls' times. */
export function summarizeTimes(samplesMs: readonly number[], warmupMs: readonly number[] = []): TimingResult {
  const n = samplesMs.length;
  return {
    medianMs: median(samplesMs),
    minMs: n ? Math.min(...samplesMs) : NaN,
    maxMs: n ? Math.max(...samplesMs) : NaN,
    meanMs: n ? samplesMs.reduce((a, b) => a + b, 0) / n : NaN,
    samplesMs: [...samplesMs],
    reps: n,
    warmupMs: [...warmupMs],
  };
}

/** ms taken by one call of `fn`. */
export function timeOnce(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** ms taken by one call of `fn`, awaiting what it returns. */
export async function timeOnceAsync(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function counts(options: TimingOptions): {reps: number; warmup: number; budgetMs: number; minReps: number} {
  const reps = options.reps ?? 10;
  const warmup = options.warmup ?? 2;
  const budgetMs = options.budgetMs ?? Infinity;
  const minReps = options.minReps ?? 3;
  for (const [name, v, min] of [
    ['reps', reps, 1],
    ['warmup', warmup, 0],
    ['minReps', minReps, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min)
      throw new Error(`timing: options.${name}: expected an integer ≥ ${min}, but got ${v}`);
  }
  if (!(budgetMs > 0)) throw new Error(`timing: options.budgetMs: expected a positive number, but got ${budgetMs}`);
  return {reps, warmup, budgetMs, minReps};
}

function cutReps(reps: number, lastWarmupMs: number | undefined, budgetMs: number, minReps: number): number {
  if (lastWarmupMs == null || !(lastWarmupMs > 0) || lastWarmupMs * reps <= budgetMs) return reps;
  return Math.min(reps, Math.max(minReps, Math.floor(budgetMs / lastWarmupMs)));
}

/**
 * Time a synchronous `fn`: `warmup` untimed calls, then `reps` timed ones.
 *
 * @example
 * const r = timeSync(() => tf.tidy(() => tf.conv2d(x, w, 1, 'same')).dataSync(), {reps: 20});
 * console.log(`${r.medianMs.toFixed(2)} ms (min ${r.minMs.toFixed(2)})`);
 */
export function timeSync(fn: () => void, options: TimingOptions = {}): TimingResult {
  const {reps, warmup, budgetMs, minReps} = counts(options);
  const warmupMs: number[] = [];
  for (let i = 0; i < warmup; i++) warmupMs.push(timeOnce(fn));
  const n = cutReps(reps, warmupMs.at(-1), budgetMs, minReps);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(timeOnce(fn));
  return summarizeTimes(samples, warmupMs);
}

/** {@link timeSync} for a function returning a promise (awaited inside the timed interval). */
export async function timeAsync(fn: () => unknown, options: TimingOptions = {}): Promise<TimingResult> {
  const {reps, warmup, budgetMs, minReps} = counts(options);
  const warmupMs: number[] = [];
  for (let i = 0; i < warmup; i++) warmupMs.push(await timeOnceAsync(fn));
  const n = cutReps(reps, warmupMs.at(-1), budgetMs, minReps);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await timeOnceAsync(fn));
  return summarizeTimes(samples, warmupMs);
}

export interface InterleavedTimingOptions {
  /** Rounds at most; every candidate is timed once per round (default 10). */
  reps?: number;
  /** Untimed rounds first (default 2). */
  warmup?: number;
  /** Rotate the order each round, so no candidate always runs right after the same other (default false). */
  rotate?: boolean;
  /** Stop after `minReps` rounds once the timed rounds took `budgetMs` (default: run all `reps`). */
  budgetMs?: number;
  /** Fewest rounds when `budgetMs` stops early (default 1). */
  minReps?: number;
  /** Called after each timed call. */
  onCall?: (name: string) => void;
}

/**
 * Time several candidates round-robin: each round times every candidate once, so a slow drift of
 * the machine's load (other jobs, thermal throttling) hits all of them alike instead of whichever
 * ran last. Returns a {@link TimingResult} per candidate, in the order given.
 */
export function timeInterleaved(
  candidates: ReadonlyMap<string, () => void> | Record<string, () => void>,
  options: InterleavedTimingOptions = {},
): Map<string, TimingResult> {
  const calls = candidates instanceof Map ? [...candidates] : Object.entries(candidates);
  const {reps, warmup, budgetMs} = counts({reps: options.reps, warmup: options.warmup, budgetMs: options.budgetMs});
  const minReps = options.minReps ?? 1;
  const warmups = new Map<string, number[]>(calls.map(([name]) => [name, []]));
  const samples = new Map<string, number[]>(calls.map(([name]) => [name, []]));
  for (let w = 0; w < warmup; w++) for (const [name, fn] of calls) warmups.get(name)!.push(timeOnce(fn));
  const start = performance.now();
  for (let round = 0; round < reps && calls.length > 0; round++) {
    for (let i = 0; i < calls.length; i++) {
      const [name, fn] = calls[options.rotate ? (i + round) % calls.length : i];
      samples.get(name)!.push(timeOnce(fn));
      options.onCall?.(name);
    }
    if (round + 1 >= minReps && performance.now() - start >= budgetMs) break;
  }
  return new Map(calls.map(([name]) => [name, summarizeTimes(samples.get(name)!, warmups.get(name))]));
}
