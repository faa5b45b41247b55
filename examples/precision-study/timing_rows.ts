// Timing rows for the study, shared by Node (cpu) and the browser page (webgl): same code, same rules.
import * as tf from '@tensorflow/tfjs';
import {CONV_ALGORITHMS, findConvAlgorithm, runConvAlgorithm, type ConvAlgorithm} from '../../src/primitives/index.js';
import {median, timeInterleaved} from '../../src/util/timing.js';

export interface TimingRowSpec {
  size: number;
  k: number;
  channels: number;
}

export interface TimingRow extends TimingRowSpec {
  backend: string;
  /** ms per call (median, output read back), null when not applicable. */
  ms: Record<string, number | null>;
  /** The autotuner's pick (from its own, separate find pass). */
  pick: ConvAlgorithm;
  /** What the autotuner's find pass measured (median ms; for the record, not used by the table). */
  tunerMs?: Record<string, number | null>;
  /** The best entry of the independent measurement. */
  best: string;
  /** ms[pick] / ms[best]: the target is ≤ 1.10. */
  pickOverBest: number;
}

export const TIMING_SPECS: TimingRowSpec[] = [3, 5, 11].flatMap((k) =>
  [32, 64].map((size) => ({size, k, channels: 8})),
);

/**
 * Measure one row: the autotuner's find step first (its pick), then an independent table with
 * interleaved rounds (every algorithm once per round, order rotated each round, so slow drifts hit
 * all of them alike). The table never reuses the tuner's samples for contenders, and the tuner never
 * sees the table.
 * Algorithms the tuner measured at over 20× its best keep the tuner's number.
 */
export function measureRow(spec: TimingRowSpec, options: {minTimeMs: number; maxRounds: number}): TimingRow {
  const xShape: [number, number, number, number] = [1, spec.size, spec.size, spec.channels];
  const wShape: [number, number, number, number] = [spec.k, spec.k, spec.channels, spec.channels];
  const geometry = {strides: 1, pad: 'same' as const, dilations: 1};
  const choice = findConvAlgorithm(xShape, wShape, {...geometry, force: true, minTimeMs: options.minTimeMs});
  const applicable = choice.timings.filter((t) => t.applicable).map((t) => t.algorithm);
  const x = tf.randomNormal(xShape) as tf.Tensor4D;
  const w = tf.randomNormal(wShape) as tf.Tensor4D;
  const once = (a: ConvAlgorithm) => () => {
    const y = runConvAlgorithm(a, x, w, geometry);
    y.dataSync();
    y.dispose();
  };
  // Algorithms the tuner found over 20× slower than its best keep the tuner's measurement (calls of
  // several seconds, e.g. tfjs's cpu rfft, are not repeated); the rest are re-timed here.
  const tunerMs = new Map(choice.timings.filter((t) => t.ms != null).map((t) => [t.algorithm, t.ms!]));
  const tunerBest = Math.min(...tunerMs.values());
  const contenders = applicable.filter((a) => tunerMs.get(a)! <= 20 * tunerBest);
  const samples = new Map<ConvAlgorithm, number[]>(
    applicable.map((a) => [a, contenders.includes(a) ? [] : [tunerMs.get(a)!]]),
  );
  // One warm-up round, then interleaved rounds in an order rotated each round, as in the tuner (no
  // algorithm always runs right after the same one): at least 5, until minTimeMs per contender.
  const timed = timeInterleaved(new Map(contenders.map((a) => [a, once(a)])), {
    warmup: 1,
    reps: options.maxRounds,
    rotate: true,
    minReps: 5,
    budgetMs: Math.max(options.minTimeMs * contenders.length, Number.MIN_VALUE),
  });
  for (const [a, r] of timed) samples.get(a as ConvAlgorithm)!.push(...r.samplesMs);
  tf.dispose([x, w]);
  const ms: Record<string, number | null> = {};
  for (const a of CONV_ALGORITHMS) ms[a] = samples.has(a) ? median(samples.get(a)!) : null;
  const best = applicable.reduce((p, q) => (ms[q]! < ms[p]! ? q : p));
  const tunerRecord: Record<string, number | null> = Object.fromEntries(choice.timings.map((t) => [t.algorithm, t.ms]));
  return {
    ...spec,
    backend: tf.getBackend(),
    ms,
    pick: choice.best,
    tunerMs: tunerRecord,
    best,
    pickOverBest: ms[choice.best]! / ms[best]!,
  };
}
