// npm run bench:conv — conv algorithms (issue 6), measured side by side in one run:
//  1. linear conv: every algorithm vs tf.conv2d on cpu and wasm, with the autotuner's pick per row
//     (webgl rows come from `npm run study:precision`, which drives headless Chromium);
//  2. semifield conv: unfold (im2col) vs strided-window (composite) vs fused kernel, time and peak memory.
// Prints Markdown for BENCHMARKS.md. Run it under `flock /tmp/bench.lock`.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {SingleBar, Presets} from 'cli-progress';
import {Command} from 'commander';
// The package entry registers the fused kernels.
import {hasFusedKernels, semifieldConv2d, type SemifieldConfig} from '../../index.js';
import {semifieldConv2dIm2col} from '../../src/primitives/index.js';
import {TIMING_SPECS, measureRow, type TimingRow} from '../precision-study/timing_rows.js';
import {readBackSync, timeSync} from './timing.js';

const opts = new Command()
  .name('bench:conv')
  .option('--quick', 'short timings (smoke run)', false)
  .option(
    '--backends <list>',
    "comma-separated backends for the linear rows ('' to skip them; the study measures them too)",
    'cpu,wasm',
  )
  .option('--min-time-ms <ms>', 'linear rows: time budget per algorithm (tuner and table); default 150, --quick 20')
  .option('--max-rounds <n>', 'linear rows: at most this many interleaved table rounds; default 40, --quick 5')
  .option('--reps <n>', 'semifield rows: timed calls per implementation (median); default 15, --quick 3')
  .parse()
  .opts<{quick: boolean; backends: string; minTimeMs?: string; maxRounds?: string; reps?: string}>();

const positive = (v: string | undefined, name: string, fallback: number): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number, but got '${v}'`);
  return n;
};
const backends = opts.backends.split(',').filter((b) => b !== '');
const timing = {
  minTimeMs: positive(opts.minTimeMs, '--min-time-ms', opts.quick ? 20 : 150),
  maxRounds: positive(opts.maxRounds, '--max-rounds', opts.quick ? 5 : 40),
};
const sfReps = positive(opts.reps, '--reps', opts.quick ? 3 : 15);
const started = performance.now();
const SEMIFIELD_SHAPES = [
  {size: 32, k: 3, channels: 8},
  {size: 32, k: 5, channels: 8},
  {size: 64, k: 3, channels: 8},
];
const SEMIFIELDS: Array<{label: string; config: SemifieldConfig}> = [
  {label: 'maxplus', config: 'maxplus'},
  {label: 'log μ=1', config: 'log'},
  {label: 'root p=2', config: 'root'},
];

async function peakMiB(fn: () => tf.Tensor): Promise<number> {
  const info = await tf.profile(() => fn());
  return info.peakBytes / 2 ** 20;
}

// Without a TTY (CI, logs) cli-progress prints a line every 10 s instead of redrawing.
const bar = new SingleBar(
  {format: '{bar} {value}/{total} {phase}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 10000},
  Presets.shades_classic,
);
bar.start(backends.length * TIMING_SPECS.length + SEMIFIELD_SHAPES.length * SEMIFIELDS.length, 0, {phase: ''});

const rows: TimingRow[] = [];
for (const backend of backends) {
  await tf.setBackend(backend);
  for (const spec of TIMING_SPECS) {
    bar.update({phase: `${backend} ${spec.k}×${spec.k} ${spec.size}²`});
    rows.push(measureRow(spec, timing));
    bar.increment();
  }
}

await tf.setBackend('cpu');
const fused = hasFusedKernels('cpu');
const sfRows: string[] = [];
for (const shape of SEMIFIELD_SHAPES) {
  for (const sf of SEMIFIELDS) {
    bar.update({phase: `semifield ${sf.label} ${shape.k}×${shape.k} ${shape.size}²`});
    const positive = sf.label.startsWith('root');
    const x = (
      positive
        ? tf.randomUniform([1, shape.size, shape.size, shape.channels])
        : tf.randomNormal([1, shape.size, shape.size, shape.channels])
    ) as tf.Tensor4D;
    const w = (
      positive
        ? tf.randomUniform([shape.k, shape.k, shape.channels, shape.channels])
        : tf.randomNormal([shape.k, shape.k, shape.channels, shape.channels])
    ) as tf.Tensor4D;
    const reps = sfReps;
    const impls: Record<string, () => tf.Tensor> = {
      unfold: () => semifieldConv2dIm2col(x, w, sf.config, {pad: 'same'}),
      'strided-window': () => semifieldConv2d(x, w, sf.config, {pad: 'same', implementation: 'composite'}),
    };
    if (fused) impls.fused = () => semifieldConv2d(x, w, sf.config, {pad: 'same', implementation: 'fused'});
    const cells: string[] = [];
    for (const name of ['unfold', 'strided-window', 'fused']) {
      if (impls[name] == null) {
        cells.push('—');
        continue;
      }
      const ms = timeSync(readBackSync(impls[name]), {reps, warmup: 2}).medianMs;
      const mib = await peakMiB(impls[name]);
      cells.push(`${ms.toFixed(2)} ms / ${mib.toFixed(2)} MiB`);
    }
    sfRows.push(
      `| ${sf.label} | ${shape.k}×${shape.k} | ${shape.size}×${shape.size}×${shape.channels} | ${cells.join(' | ')} |`,
    );
    tf.dispose([x, w]);
    bar.increment();
  }
}
bar.stop();

const algos = ['tfjs', 'direct', 'im2col', 'winograd-f2x2', 'winograd-f4x4', 'fft-spectral', 'fft-radix2'];
const f = (v: number | null) => (v == null ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
if (rows.length > 0) {
  console.log(
    `\nLinear conv, ms per call (median, output read back), 1 image, 8→8 channels, pad 'same'. **Bold** = autotuner pick.\n`,
  );
  console.log(`| backend | kernel | image | ${algos.join(' | ')} | pick / best |`);
  console.log(`|---|---|---|${algos.map(() => '---:').join('|')}|---:|`);
  for (const r of rows) {
    console.log(
      `| ${r.backend} | ${r.k}×${r.k} | ${r.size}² | ${algos.map((a) => (a === r.pick ? `**${f(r.ms[a])}**` : f(r.ms[a]))).join(' | ')} | ${r.pickOverBest.toFixed(2)} |`,
    );
  }
}
console.log(`\nSemifield conv on cpu (forward only), ms per call / peak MiB allocated during the call (tf.profile):\n`);
console.log(`| semifield | kernel | image | unfold (im2col) | strided-window (composite) | fused kernel |`);
console.log(`|---|---|---|---:|---:|---:|`);
for (const line of sfRows) console.log(line);
console.log(
  `\n(${backends.length ? `linear rows: minTimeMs ${timing.minTimeMs}, maxRounds ${timing.maxRounds}; ` : ''}semifield rows: median of ${sfReps} calls after 2 warm-ups; wall time ${((performance.now() - started) / 60000).toFixed(1)} min)`,
);
