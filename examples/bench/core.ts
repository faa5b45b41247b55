/*
 * npm run bench — the core op on the active backend, side by side in one run: fused kernels vs the
 * composite path vs tfjs's own tf.dilation2d (depthwise max-plus) and tf.conv2d (linear), on the
 * issue's shapes and the four configurations the thesis reports. Prints a markdown table (median ms
 * of --reps calls after warm-up; peak bytes of one call from tf.profile).
 *
 *   npm run bench -- --backend cpu --reps 10 [--only thesis|shapes] [--out bench.md]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {Command} from 'commander';
import cliProgress from 'cli-progress';
import os from 'node:os';
import fs from 'node:fs';
import {semifieldConv2d, type SemifieldConfig} from '../../index.js';
import {peakExtraBytes, readBackAsync, timeAsync} from './timing.js';

const program = new Command()
  .option('--backend <name>', 'tfjs backend (cpu, wasm, webgpu via tfjs-semifield node helper)', 'cpu')
  .option('--reps <n>', 'timed calls per row (median reported)', (v) => parseInt(v, 10), 10)
  .option('--only <group>', "'shapes' or 'thesis'")
  .option(
    '--thesis-composite',
    'also time the composite path on the thesis configurations (slow on cpu: minutes per row)',
    false,
  )
  .option(
    '--row-budget <seconds>',
    'time budget per row; slower rows use fewer calls (≥ 3, marked)',
    (v) => parseFloat(v),
    60,
  )
  .option('--out <file>', 'also write the markdown table to this file')
  .parse();
const opts = program.opts<{
  backend: string;
  reps: number;
  only?: string;
  out?: string;
  rowBudget: number;
  thesisComposite: boolean;
}>();

interface Row {
  group: string;
  shape: string;
  method: string;
  pass: 'fwd' | 'fwd+bwd';
  run: () => tf.Tensor | tf.Tensor[];
  /** Name of the row this one is compared with (ratio = its time / this row's time). */
  baseline?: string;
}

function fwdBwd(f: (x: tf.Tensor4D, w: tf.Tensor) => tf.Tensor, x: tf.Tensor4D, w: tf.Tensor): () => tf.Tensor[] {
  // One forward pass and both gradients (valueAndGrads does not run the forward twice).
  const g = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => tf.sum(f(a as tf.Tensor4D, b)));
  return () => {
    const {value, grads} = g([x, w]);
    return [value, ...grads];
  };
}

const rows: Row[] = [];
const keep: tf.Tensor[] = [];

/** Inputs are created only after the backend is chosen, on that backend. */
function buildRows(): void {
  const rand = (shape: number[], lo = -1, hi = 1) => {
    const t = tf.randomUniform(shape, lo, hi, 'float32', 42);
    keep.push(t);
    return t;
  };

  if (opts.only !== 'thesis') {
    const shapes: Array<{x: [number, number, number, number]; k: number; pad: 'same'}> = [
      {x: [8, 32, 32, 16], k: 3, pad: 'same'},
      {x: [1, 64, 64, 32], k: 5, pad: 'same'},
    ];
    for (const s of shapes) {
      const c = s.x[3];
      const x = rand(s.x) as tf.Tensor4D;
      const xPos = tf.abs(x) as tf.Tensor4D;
      keep.push(xPos);
      const wFull = rand([s.k, s.k, c, c], -0.5, 0.5) as tf.Tensor4D;
      const wPos = rand([s.k, s.k, c, c], 0.1, 1) as tf.Tensor4D;
      const wDepth = rand([s.k, s.k, 1, c], -0.5, 0.5) as tf.Tensor4D;
      const full = `[${s.x}]·[${s.k},${s.k},${c},${c}]`;
      const depth = `[${s.x}]·[${s.k},${s.k},1,${c}] groups ${c}`;
      const sf =
        (semifield: SemifieldConfig, implementation: 'fused' | 'composite', w: tf.Tensor4D, groups = 1, xx = x) =>
        () =>
          semifieldConv2d(xx, w, semifield, {pad: s.pad, groups, implementation});
      rows.push({
        group: 'full',
        shape: full,
        method: 'tf.conv2d',
        pass: 'fwd',
        run: () => tf.conv2d(x, wFull, 1, s.pad),
      });
      rows.push({
        group: 'full',
        shape: full,
        method: 'linear fused',
        pass: 'fwd',
        run: sf('linear', 'fused', wFull),
        baseline: 'tf.conv2d',
      });
      rows.push({
        group: 'full',
        shape: full,
        method: 'maxplus fused',
        pass: 'fwd',
        run: sf('maxplus', 'fused', wFull),
        baseline: 'tf.conv2d',
      });
      rows.push({
        group: 'full',
        shape: full,
        method: 'maxplus composite',
        pass: 'fwd',
        run: sf('maxplus', 'composite', wFull),
        baseline: 'maxplus fused',
      });
      rows.push({
        group: 'full',
        shape: full,
        method: 'log fused',
        pass: 'fwd',
        run: sf('log', 'fused', wFull),
        baseline: 'tf.conv2d',
      });
      rows.push({
        group: 'full',
        shape: full,
        method: 'root fused',
        pass: 'fwd',
        run: sf('root', 'fused', wPos, 1, xPos),
        baseline: 'tf.conv2d',
      });
      rows.push({
        group: 'full',
        shape: full,
        method: 'tf.conv2d',
        pass: 'fwd+bwd',
        run: fwdBwd((a, b) => tf.conv2d(a, b as tf.Tensor4D, 1, s.pad), x, wFull),
      });
      rows.push({
        group: 'full',
        shape: full,
        method: 'maxplus fused',
        pass: 'fwd+bwd',
        baseline: 'tf.conv2d',
        run: fwdBwd(
          (a, b) => semifieldConv2d(a, b as tf.Tensor4D, 'maxplus', {pad: s.pad, implementation: 'fused'}),
          x,
          wFull,
        ),
      });
      rows.push({
        group: 'full',
        shape: full,
        method: 'log fused',
        pass: 'fwd+bwd',
        baseline: 'tf.conv2d',
        run: fwdBwd(
          (a, b) => semifieldConv2d(a, b as tf.Tensor4D, 'log', {pad: s.pad, implementation: 'fused'}),
          x,
          wFull,
        ),
      });
      const w3 = tf.reshape(wDepth, [s.k, s.k, c]) as tf.Tensor3D;
      keep.push(w3);
      rows.push({
        group: 'depthwise',
        shape: depth,
        method: 'tf.dilation2d',
        pass: 'fwd',
        run: () => tf.dilation2d(x, w3, 1, s.pad),
      });
      rows.push({
        group: 'depthwise',
        shape: depth,
        method: 'maxplus fused',
        pass: 'fwd',
        run: sf('maxplus', 'fused', wDepth, c),
        baseline: 'tf.dilation2d',
      });
      rows.push({
        group: 'depthwise',
        shape: depth,
        method: 'maxplus composite',
        pass: 'fwd',
        run: sf('maxplus', 'composite', wDepth, c),
        baseline: 'maxplus fused',
      });
      rows.push({
        group: 'depthwise',
        shape: depth,
        method: 'tf.dilation2d',
        pass: 'fwd+bwd',
        run: fwdBwd((a, b) => tf.dilation2d(a, b as tf.Tensor3D, 1, s.pad), x, w3),
      });
      rows.push({
        group: 'depthwise',
        shape: depth,
        method: 'maxplus fused',
        pass: 'fwd+bwd',
        baseline: 'tf.dilation2d',
        run: fwdBwd(
          (a, b) => semifieldConv2d(a, b as tf.Tensor4D, 'maxplus', {pad: s.pad, groups: c, implementation: 'fused'}),
          x,
          wDepth,
        ),
      });
    }
  }

  if (opts.only !== 'shapes') {
    // The thesis's configurations: batch 32, 6 channels, groups 6 (depthwise), forward + backward.
    const configs = [
      {size: 32, k: 3, stride: 1},
      {size: 32, k: 3, stride: 3},
      {size: 32, k: 7, stride: 3},
      {size: 256, k: 7, stride: 3},
    ];
    for (const cfg of configs) {
      const x = rand([32, cfg.size, cfg.size, 6]) as tf.Tensor4D;
      const w = rand([cfg.k, cfg.k, 1, 6], -0.5, 0.5) as tf.Tensor4D;
      const w3 = tf.reshape(w, [cfg.k, cfg.k, 6]) as tf.Tensor3D;
      keep.push(w3);
      const shape = `${cfg.size}×${cfg.size}, ${cfg.k}×${cfg.k}, stride ${cfg.stride}`;
      rows.push({
        group: 'thesis',
        shape,
        method: 'tf.dilation2d',
        pass: 'fwd+bwd',
        run: fwdBwd((a, b) => tf.dilation2d(a, b as tf.Tensor3D, cfg.stride, 'valid'), x, w3),
      });
      for (const [semifield, name] of [
        ['maxplus', 'maxplus'],
        ['log', 'log'],
        ['linear', 'linear'],
      ] as const) {
        rows.push({
          group: 'thesis',
          shape,
          method: `${name} fused`,
          pass: 'fwd+bwd',
          baseline: 'tf.dilation2d',
          run: fwdBwd(
            (a, b) =>
              semifieldConv2d(a, b as tf.Tensor4D, semifield, {
                strides: cfg.stride,
                groups: 6,
                implementation: 'fused',
              }),
            x,
            w,
          ),
        });
      }
      if (opts.thesisComposite)
        rows.push({
          group: 'thesis',
          shape,
          method: 'maxplus composite',
          pass: 'fwd+bwd',
          baseline: 'maxplus fused',
          run: fwdBwd(
            (a, b) =>
              semifieldConv2d(a, b as tf.Tensor4D, 'maxplus', {
                strides: cfg.stride,
                groups: 6,
                implementation: 'composite',
              }),
            x,
            w,
          ),
        });
    }
  }
}

async function main() {
  if (opts.backend === 'webgpu') {
    const mod = (await import('../../src/backends/node_webgpu.js' as string)) as {
      initNodeWebGPU: () => Promise<unknown>;
    };
    await mod.initNodeWebGPU();
  }
  if (!(await tf.setBackend(opts.backend))) throw new Error(`--backend: '${opts.backend}' failed to initialise`);
  buildRows();
  const bar = new cliProgress.SingleBar(
    {format: 'bench [{bar}] {value}/{total} {row}', noTTYOutput: true, notTTYSchedule: 10000},
    cliProgress.Presets.shades_classic,
  );
  bar.start(rows.length, 0, {row: ''});
  const results: Array<Row & {ms: number; reps: number; peak: number}> = [];
  for (const row of rows) {
    bar.update(results.length, {row: `${row.shape} ${row.method} ${row.pass}`});
    if (!process.stderr.isTTY)
      console.error(`bench ${results.length + 1}/${rows.length}: ${row.shape} ${row.method} ${row.pass}`);
    if (row.method.includes('fused') && tf.getKernel('SemifieldConv2D', tf.getBackend()) == null) continue;
    const {medianMs: ms, reps} = await timeAsync(readBackAsync(row.run), {
      reps: opts.reps,
      warmup: 2,
      budgetMs: opts.rowBudget * 1000,
    });
    const peak = await peakExtraBytes(row.run);
    results.push({...row, ms, reps, peak});
  }
  bar.stop();
  const lines = [
    `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, median of ${opts.reps} after 2 warm-up calls, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| shapes | method | pass | ms (median) | peak bytes in use (whole process) | speed vs baseline |',
    '|---|---|---|---:|---:|---|',
  ];
  for (const r of results) {
    const base = r.baseline
      ? results.find((b) => b.shape === r.shape && b.method === r.baseline && b.pass === r.pass)
      : undefined;
    const ratio = base ? `${(base.ms / r.ms).toFixed(2)}× ${r.baseline}` : '';
    const cut = r.reps < opts.reps ? ` (${r.reps} calls)` : '';
    lines.push(
      `| ${r.shape} | ${r.method} | ${r.pass} | ${r.ms.toFixed(2)}${cut} | ${(r.peak / 1024).toFixed(0)} KiB | ${ratio} |`,
    );
  }
  const table = lines.join('\n');
  console.log(table);
  if (opts.out) fs.writeFileSync(opts.out, table + '\n');
  tf.dispose(keep);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
