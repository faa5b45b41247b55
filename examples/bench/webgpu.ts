/*
 * npm run bench:webgpu — the webgpu rows of the benchmark, in Node through Dawn (tfjs-semifield's
 * initNodeWebGPU: the machine's GPU through Vulkan, or SwiftShader on the CPU when there is none),
 * side by side in one run: fused kernels vs the composite path vs tfjs's own tf.conv2d and
 * tf.dilation2d on webgpu, forward and forward+backward, on the core benchmark's shapes; the same
 * fused rows on cpu in the same process for reference; and (--study tiling) what each tiling
 * choice of the forward and backprop-input kernels gives.
 *
 *   npm run bench:webgpu -- [--reps 5] [--warmup 2] [--slow 30] [--filter text] [--study tiling] [--no-cpu] [--no-composite] [--out file.md]
 *
 * Times are wall-clock medians of whole calls including the read-back, so GPU work is included;
 * rows are timed round-robin so that load changes during the run affect every row alike. A row
 * whose first call takes more than --slow seconds (default 30, below the composite path's
 * forward+backward on SwiftShader) is not called again: that one call, pipeline compilation
 * included, is its time, marked "1 call" in the table. Keep --slow above the slowest pipeline
 * compile (the tiled programs' are the longest), or a fused row is timed by its compile.
 * Progress goes to stderr as rows finish.
 * On SwiftShader compare the ratios, not the milliseconds.
 */
import * as tf from '@tensorflow/tfjs';
import {Command} from 'commander';
import fs from 'node:fs';
import os from 'node:os';
import {semifieldConv2d, type SemifieldConfig} from '../../index.js';
import {resetWebGPUFlags, setWebGPUFlags, TUNE_FLAG, type WebGPUFlags} from '../../kernels/webgpu/flags.js';
import {webgpuTuningResults, webgpuTuningSettled} from '../../kernels/webgpu/tuner.js';
import {initNodeWebGPU} from '../../src/backends/node_webgpu.js';

const program = new Command()
  .option('--reps <n>', 'timed calls per row (median reported)', (v) => parseInt(v, 10), 5)
  .option('--warmup <n>', 'untimed calls first (pipeline compilation)', (v) => parseInt(v, 10), 2)
  .option(
    '--slow <seconds>',
    'a row whose first call takes longer is timed by that one call only',
    (v) => parseFloat(v),
    30,
  )
  .option('--filter <text>', 'only rows whose shape or method contains this')
  .option('--study <name>', "extra rows: 'tiling' (forward tiling choices, backprop-input channels per invocation)")
  .option('--no-cpu', 'skip the cpu reference rows')
  .option('--no-composite', 'skip the composite-path rows (minutes per call on SwiftShader)')
  .option('--out <file>', 'also write the markdown tables to this file')
  .option(
    '--shapes <set>',
    "'core' (the core benchmark's shapes) or 'hardware' (issue 14's GPU shapes: three full convolutions, a depthwise layer, the thesis pooling layer)",
    'core',
  )
  .option(
    '--tune <mode>',
    "the run-time tuner (SEMIFIELD_WEBGPU_TUNE): 'auto' (hardware adapters), 'on' or 'off' (the fixed defaults); tuning finishes during the warm-up",
    'auto',
  )
  .option(
    '--kernel-time',
    "also time each row's GPU programs (tf.time's kernelMs; GPU timestamps where the adapter has timestamp-query)",
  )
  .parse();
const opts = program.opts<{
  reps: number;
  warmup: number;
  slow: number;
  filter?: string;
  study?: string;
  cpu: boolean;
  composite: boolean;
  out?: string;
  shapes: string;
  kernelTime?: boolean;
  tune: string;
}>();
if (!['auto', 'on', 'off'].includes(opts.tune))
  throw new Error(`--tune: expected 'auto', 'on' or 'off', but got '${opts.tune}'.`);
const tuneFlag = opts.tune === 'auto' ? 'auto' : opts.tune === 'on';

interface Row {
  backend: 'webgpu' | 'cpu';
  shape: string;
  method: string;
  pass: 'fwd' | 'fwd+bwd';
  /** Method of the row (same shape, pass, backend) this one is compared with: ratio = its ms / ours. */
  baseline?: string;
  setup?: () => void;
  run: () => tf.Tensor | tf.Tensor[];
  ms?: number;
  /** Median kernel time (--kernel-time) and the programs of the last timed call. */
  kernelMs?: number;
  programs?: string;
  /** Timed calls behind ms (1 for rows slower than --slow). */
  calls?: number;
  error?: string;
}

/**
 * Waits for a call's outputs. Core shapes read every output back, as before; the hardware shapes'
 * outputs are up to 134 MB each, whose read-back through Dawn in Node would dominate every row, so
 * there each output is reduced on the GPU to one number first (one cheap pass, the same for all rows).
 */
async function readAll(out: tf.Tensor | tf.Tensor[]): Promise<void> {
  const list = Array.isArray(out) ? out : [out];
  if (opts.shapes === 'hardware') {
    const sums = list.map((t) => tf.sum(t));
    await Promise.all(sums.map((t) => t.data()));
    tf.dispose(sums);
  } else {
    await Promise.all(list.map((t) => t.data()));
  }
  tf.dispose(list);
}

function fwdBwd(f: (x: tf.Tensor4D, w: tf.Tensor) => tf.Tensor, x: tf.Tensor4D, w: tf.Tensor): () => tf.Tensor[] {
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(f(a as tf.Tensor4D, b)));
  return () => [f(x, w), ...g([x, w])];
}

const shapes: Array<{x: [number, number, number, number]; k: number}> = [
  {x: [8, 32, 32, 16], k: 3},
  {x: [1, 64, 64, 32], k: 5},
];

/**
 * Issue 14's hardware rows: the three full convolutions (every semifield vs tf.conv2d), depthwise
 * max-plus vs tf.dilation2d, and the thesis's pooling layer ([32,32,32,6], 3×3, stride 3, groups 6)
 * vs tf.maxPool. Only meaningful on a GPU; forward and forward+backward.
 */
function buildHardwareRows(keep: tf.Tensor[]): Row[] {
  const rows: Row[] = [];
  const rand = (shape: number[], lo: number, hi: number) => {
    const t = tf.randomUniform(shape, lo, hi, 'float32', 42);
    keep.push(t);
    return t;
  };
  const add = (shape: string, method: string, pass: Row['pass'], run: Row['run'], baseline?: string) =>
    rows.push({backend: 'webgpu', shape, method, pass, run, baseline});
  const full: Array<{x: [number, number, number, number]; k: number}> = [
    {x: [16, 64, 64, 32], k: 3},
    {x: [32, 128, 128, 64], k: 3},
    {x: [8, 64, 64, 64], k: 5},
  ];
  for (const s of full) {
    const c = s.x[3];
    const x = rand(s.x, -1, 1) as tf.Tensor4D;
    const xPos = rand(s.x, 0.1, 1) as tf.Tensor4D;
    const w = rand([s.k, s.k, c, c], -0.5, 0.5) as tf.Tensor4D;
    const wPos = rand([s.k, s.k, c, c], 0.1, 1) as tf.Tensor4D;
    const shape = `[${s.x}]·[${s.k},${s.k},${c},${c}]`;
    const conv = (a: tf.Tensor4D, b: tf.Tensor) => tf.conv2d(a, b as tf.Tensor4D, 1, 'same');
    add(shape, 'tf.conv2d', 'fwd', () => conv(x, w));
    add(shape, 'tf.conv2d', 'fwd+bwd', fwdBwd(conv, x, w));
    for (const sf of ['linear', 'maxplus', 'log', 'root'] as const) {
      const [xx, ww] = sf === 'root' ? [xPos, wPos] : [x, w];
      const op = (a: tf.Tensor4D, b: tf.Tensor) => semifieldConv2d(a, b as tf.Tensor4D, sf, {pad: 'same'});
      add(shape, `${sf} fused`, 'fwd', () => op(xx, ww), 'tf.conv2d');
      add(shape, `${sf} fused`, 'fwd+bwd', fwdBwd(op, xx, ww), 'tf.conv2d');
    }
  }
  {
    const xs: [number, number, number, number] = [16, 128, 128, 32];
    const x = rand(xs, -1, 1) as tf.Tensor4D;
    const w = rand([3, 3, 1, 32], -0.5, 0.5) as tf.Tensor4D;
    const w3 = tf.reshape(w, [3, 3, 32]) as tf.Tensor3D;
    keep.push(w3);
    const shape = `[${xs}]·[3,3,1,32] groups 32`;
    const dil = (a: tf.Tensor4D, b: tf.Tensor) => tf.dilation2d(a, b as tf.Tensor3D, 1, 'same');
    const op = (a: tf.Tensor4D, b: tf.Tensor) =>
      semifieldConv2d(a, b as tf.Tensor4D, 'maxplus', {pad: 'same', groups: 32});
    add(shape, 'tf.dilation2d', 'fwd', () => dil(x, w3));
    add(shape, 'tf.dilation2d', 'fwd+bwd', fwdBwd(dil, x, w3));
    add(shape, 'maxplus fused', 'fwd', () => op(x, w), 'tf.dilation2d');
    add(shape, 'maxplus fused', 'fwd+bwd', fwdBwd(op, x, w), 'tf.dilation2d');
  }
  {
    const xs: [number, number, number, number] = [32, 32, 32, 6];
    const x = rand(xs, -1, 1) as tf.Tensor4D;
    const w = rand([3, 3, 1, 6], -0.5, 0.5) as tf.Tensor4D;
    const shape = `[${xs}]·[3,3,1,6] stride 3 groups 6 (thesis)`;
    const pool = (a: tf.Tensor4D) => tf.maxPool(a, 3, 3, 'valid');
    const gPool = tf.grad((a: tf.Tensor) => tf.sum(pool(a as tf.Tensor4D)));
    const op = (a: tf.Tensor4D, b: tf.Tensor) =>
      semifieldConv2d(a, b as tf.Tensor4D, 'maxplus', {strides: 3, pad: 'valid', groups: 6});
    add(shape, 'tf.maxPool', 'fwd', () => pool(x));
    add(shape, 'tf.maxPool', 'fwd+bwd', () => [pool(x), gPool(x)]);
    add(shape, 'maxplus fused', 'fwd', () => op(x, w), 'tf.maxPool');
    add(shape, 'maxplus fused', 'fwd+bwd', fwdBwd(op, x, w), 'tf.maxPool');
  }
  return rows;
}

/** Inputs live on the backend that is active when the rows are built. */
function buildRows(backend: 'webgpu' | 'cpu', keep: tf.Tensor[]): Row[] {
  const rows: Row[] = [];
  const rand = (shape: number[], lo = -1, hi = 1) => {
    const t = tf.randomUniform(shape, lo, hi, 'float32', 42);
    keep.push(t);
    return t;
  };
  const gpu = backend === 'webgpu';
  for (const s of shapes) {
    const c = s.x[3];
    const x = rand(s.x) as tf.Tensor4D;
    const xPos = tf.abs(x) as tf.Tensor4D;
    keep.push(xPos);
    const wFull = rand([s.k, s.k, c, c], -0.5, 0.5) as tf.Tensor4D;
    const wPos = rand([s.k, s.k, c, c], 0.1, 1) as tf.Tensor4D;
    const wDepth = rand([s.k, s.k, 1, c], -0.5, 0.5) as tf.Tensor4D;
    const w3 = tf.reshape(wDepth, [s.k, s.k, c]) as tf.Tensor3D;
    keep.push(w3);
    const full = `[${s.x}]·[${s.k},${s.k},${c},${c}]`;
    const depth = `[${s.x}]·[${s.k},${s.k},1,${c}] groups ${c}`;
    const op =
      (semifield: SemifieldConfig, implementation: 'fused' | 'composite', groups = 1) =>
      (a: tf.Tensor4D, b: tf.Tensor) =>
        semifieldConv2d(a, b as tf.Tensor4D, semifield, {pad: 'same', groups, implementation});
    const add = (
      shape: string,
      method: string,
      pass: Row['pass'],
      run: Row['run'],
      baseline?: string,
      setup?: () => void,
    ) => rows.push({backend, shape, method, pass, run, baseline, setup});
    const fwd =
      (semifield: SemifieldConfig, impl: 'fused' | 'composite', w: tf.Tensor4D, groups = 1, xx = x) =>
      () =>
        op(semifield, impl, groups)(xx, w);
    const both = (semifield: SemifieldConfig, impl: 'fused' | 'composite', w: tf.Tensor4D, groups = 1, xx = x) =>
      fwdBwd(op(semifield, impl, groups), xx, w);

    if (gpu) add(full, 'tf.conv2d', 'fwd', () => tf.conv2d(x, wFull, 1, 'same'));
    add(full, 'linear fused', 'fwd', fwd('linear', 'fused', wFull), gpu ? 'tf.conv2d' : undefined);
    add(full, 'maxplus fused', 'fwd', fwd('maxplus', 'fused', wFull), gpu ? 'tf.conv2d' : undefined);
    if (gpu) add(full, 'maxplus composite', 'fwd', fwd('maxplus', 'composite', wFull), 'maxplus fused');
    add(full, 'log fused', 'fwd', fwd('log', 'fused', wFull), gpu ? 'tf.conv2d' : undefined);
    if (gpu) add(full, 'log composite', 'fwd', fwd('log', 'composite', wFull), 'log fused');
    add(full, 'root fused', 'fwd', fwd('root', 'fused', wPos, 1, xPos), gpu ? 'tf.conv2d' : undefined);
    if (gpu)
      add(
        full,
        'tf.conv2d',
        'fwd+bwd',
        fwdBwd((a, b) => tf.conv2d(a, b as tf.Tensor4D, 1, 'same'), x, wFull),
      );
    add(full, 'linear fused', 'fwd+bwd', both('linear', 'fused', wFull), gpu ? 'tf.conv2d' : undefined);
    add(full, 'maxplus fused', 'fwd+bwd', both('maxplus', 'fused', wFull), gpu ? 'tf.conv2d' : undefined);
    if (gpu) add(full, 'maxplus composite', 'fwd+bwd', both('maxplus', 'composite', wFull), 'maxplus fused');
    add(full, 'log fused', 'fwd+bwd', both('log', 'fused', wFull), gpu ? 'tf.conv2d' : undefined);
    add(full, 'root fused', 'fwd+bwd', both('root', 'fused', wPos, 1, xPos), gpu ? 'tf.conv2d' : undefined);

    if (gpu) add(depth, 'tf.dilation2d', 'fwd', () => tf.dilation2d(x, w3, 1, 'same'));
    add(depth, 'maxplus fused', 'fwd', fwd('maxplus', 'fused', wDepth, c), gpu ? 'tf.dilation2d' : undefined);
    if (gpu) add(depth, 'maxplus composite', 'fwd', fwd('maxplus', 'composite', wDepth, c), 'maxplus fused');
    add(depth, 'log fused', 'fwd', fwd('log', 'fused', wDepth, c), gpu ? 'tf.dilation2d' : undefined);
    if (gpu)
      add(
        depth,
        'tf.dilation2d',
        'fwd+bwd',
        fwdBwd((a, b) => tf.dilation2d(a, b as tf.Tensor3D, 1, 'same'), x, w3),
      );
    add(depth, 'maxplus fused', 'fwd+bwd', both('maxplus', 'fused', wDepth, c), gpu ? 'tf.dilation2d' : undefined);
    if (gpu) add(depth, 'maxplus composite', 'fwd+bwd', both('maxplus', 'composite', wDepth, c), 'maxplus fused');
    add(depth, 'log fused', 'fwd+bwd', both('log', 'fused', wDepth, c), gpu ? 'tf.dilation2d' : undefined);

    if (gpu && opts.study === 'tiling') {
      const studies: Array<[string, WebGPUFlags]> = [
        ['direct, 1 px', {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct', SEMIFIELD_WEBGPU_FORWARD_PIXELS: 1}],
        ['direct, 2 px', {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct', SEMIFIELD_WEBGPU_FORWARD_PIXELS: 2}],
        ['direct, 4 px', {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct', SEMIFIELD_WEBGPU_FORWARD_PIXELS: 4}],
        ['direct, 8 px', {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct', SEMIFIELD_WEBGPU_FORWARD_PIXELS: 8}],
        ['mm (default tile)', {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'mm'}],
      ];
      for (const [label, tiling] of studies) {
        const setup = () => setWebGPUFlags(tiling);
        add(full, `maxplus fused: ${label}`, 'fwd', fwd('maxplus', 'fused', wFull), 'maxplus fused', setup);
        add(full, `log fused: ${label}`, 'fwd', fwd('log', 'fused', wFull), 'log fused', setup);
        add(depth, `maxplus fused: ${label}`, 'fwd', fwd('maxplus', 'fused', wDepth, c), 'maxplus fused', setup);
      }
      for (const px of [1, 2, 4, 8]) {
        const setup = () => setWebGPUFlags({SEMIFIELD_WEBGPU_BACKPROP_INPUT_PIXELS: px});
        add(
          full,
          `log fused: backprop-input ${px} px/invocation`,
          'fwd+bwd',
          both('log', 'fused', wFull),
          'log fused',
          setup,
        );
      }
    }
  }
  return rows;
}

/** Every WebGPU program flag back to 'auto' (the tuner's flag stays as --tune set it). */
function resetTiling(): void {
  resetWebGPUFlags();
}

async function timeOnce(row: Row): Promise<number> {
  resetTiling();
  row.setup?.();
  const start = performance.now();
  await readAll(tf.tidy(row.run));
  const ms = performance.now() - start;
  resetTiling();
  return ms;
}

/**
 * Rows are timed round-robin (rep 1 of every row, then rep 2, …) rather than row after row, so
 * a change in machine load during the run shifts all rows of a comparison alike.
 */
async function measure(rows: Row[]): Promise<void> {
  const selected = rows.filter(
    (r) =>
      (!opts.filter || r.shape.includes(opts.filter) || r.method.includes(opts.filter)) &&
      (opts.composite || !r.method.includes('composite')),
  );
  const failed = new Set<Row>();
  const slow = new Map<Row, number>();
  const attempt = async (row: Row): Promise<number> => {
    if (failed.has(row)) return NaN;
    try {
      return await timeOnce(row);
    } catch (err) {
      // e.g. the composite path needs ops the backend lacks (tf.where of rank 5 on webgpu).
      failed.add(row);
      row.error = (err as Error).message.split('\n')[0];
      resetTiling();
      return NaN;
    }
  };
  // Progress on stderr: each row's warm-up calls as they finish, then one line per round.
  const t0 = performance.now();
  const clock = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  const label = (row: Row) => `${row.backend} | ${row.shape} | ${row.method} | ${row.pass}`;
  for (const [n, row] of selected.entries()) {
    const warm: number[] = [];
    for (let i = 0; i < Math.max(1, opts.warmup); i++) {
      warm.push(await attempt(row));
      if (i === 0 && warm[0] > opts.slow * 1000) {
        slow.set(row, warm[0]);
        break;
      }
    }
    process.stderr.write(
      `  [warm-up ${n + 1}/${selected.length}, ${clock()}] ${label(row)}: ${warm.map((t) => t.toFixed(0)).join(', ')} ms\n`,
    );
  }
  // Tuning jobs queued by the warm-up calls finish before any timed call (their winners then run).
  await webgpuTuningSettled();
  const times = selected.map(() => [] as number[]);
  for (let rep = 0; rep < opts.reps; rep++) {
    for (const [i, row] of selected.entries()) if (!slow.has(row)) times[i].push(await attempt(row));
    process.stderr.write(`  [rep ${rep + 1}/${opts.reps} of ${selected.length} rows done, ${clock()}]\n`);
  }
  if (opts.kernelTime) {
    for (const row of selected) {
      if (failed.has(row) || slow.has(row)) continue;
      const ks: number[] = [];
      for (let rep = 0; rep < opts.reps; rep++) {
        resetTiling();
        row.setup?.();
        let outs: tf.Tensor[] = [];
        const info = await tf.time(() => {
          const out = tf.tidy(row.run);
          outs = Array.isArray(out) ? out : [out];
        });
        await readAll(outs);
        ks.push(info.kernelMs as number);
        // tfjs's webgpu backend lists each program's time as 'Name: ms, …'.
        row.programs = String((info as unknown as {getExtraProfileInfo?: () => string}).getExtraProfileInfo?.() ?? '');
      }
      ks.sort((a, b) => a - b);
      row.kernelMs = ks[Math.floor(ks.length / 2)];
      process.stderr.write(`  kernel time | ${label(row)} | ${row.kernelMs.toFixed(3)} ms | ${row.programs}\n`);
    }
    resetTiling();
  }
  selected.forEach((row, i) => {
    if (failed.has(row)) {
      process.stderr.write(`  ${row.backend} | ${row.shape} | ${row.method} | ${row.pass} | failed: ${row.error}\n`);
      return;
    }
    const t = slow.has(row) ? [slow.get(row)!] : times[i].slice().sort((a, b) => a - b);
    const mid = Math.floor(t.length / 2);
    row.ms = t.length % 2 ? t[mid] : (t[mid - 1] + t[mid]) / 2;
    row.calls = t.length;
    process.stderr.write(
      `  ${row.backend} | ${row.shape} | ${row.method} | ${row.pass} | ${row.ms.toFixed(2)} ms (calls, in round order: ${times[i].map((v) => v.toFixed(0)).join(', ')})\n`,
    );
  });
}

async function main(): Promise<void> {
  const info = await initNodeWebGPU({
    dawnFlags: opts.kernelTime
      ? ['enable-dawn-features=allow_unsafe_apis', 'disable-dawn-features=timestamp_quantization']
      : [],
  });
  tf.env().set(TUNE_FLAG, tuneFlag);
  if (!info.software) {
    // Bring a hardware GPU's clocks up first: short kernels after an idle spell (pipeline compiles
    // on the CPU) ran up to 3× slower in the first H200 sweeps.
    const a = tf.randomUniform([4096, 4096]);
    const start = performance.now();
    while (performance.now() - start < 3000) await tf.tidy(() => tf.matMul(a, a).sum()).data();
    a.dispose();
  }
  const keepGpu: tf.Tensor[] = [];
  const gpuRows = opts.shapes === 'hardware' ? buildHardwareRows(keepGpu) : buildRows('webgpu', keepGpu);
  await measure(gpuRows);
  tf.dispose(keepGpu);
  for (const r of webgpuTuningResults(tf.backend())) {
    const timings = r.timings
      .map((t) => `${t.choice}: ${Number.isFinite(t.ms) ? t.ms.toFixed(3) : 'failed'}`)
      .join(', ');
    process.stderr.write(
      `  tuned (${r.clock}) | ${r.key.replace(/\|\{.*$/, '')} ${r.key.match(/"batch":\d+.*?"outChannels":\d+/)?.[0] ?? ''} | winner ${r.winner} (default ${r.fallback}) | ${timings}\n`,
    );
  }
  let cpuRows: Row[] = [];
  if (opts.cpu && opts.shapes !== 'hardware') {
    await tf.setBackend('cpu');
    const keepCpu: tf.Tensor[] = [];
    cpuRows = buildRows('cpu', keepCpu);
    await measure(cpuRows);
    tf.dispose(keepCpu);
  }
  const all = [...gpuRows, ...cpuRows].filter((r) => r.ms != null || r.error != null);
  const find = (r: Row, method: string, pass: Row['pass'], backend = r.backend) =>
    all.find(
      (b) => b.ms != null && b.backend === backend && b.shape === r.shape && b.method === method && b.pass === pass,
    );
  const lines = [
    `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Node ${process.version}, tfjs ${tf.version.tfjs}, ` +
      `webgpu through Dawn (npm webgpu) on ${info.adapter.vendor} ${info.adapter.architecture}${info.software ? ' (SwiftShader: the GPU is emulated on the CPU)' : ''}; ` +
      `median of ${opts.reps} after ${opts.warmup} warm-up calls (rows over ${opts.slow} s per call: 1 call), tuner ${opts.tune}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    opts.kernelTime
      ? '| backend | shapes | method | pass | ms (median) | speed vs baseline | backward / forward | webgpu vs cpu | kernel ms | kernel speed vs baseline | kernel backward / forward |'
      : '| backend | shapes | method | pass | ms (median) | speed vs baseline | backward / forward | webgpu vs cpu |',
    opts.kernelTime ? '|---|---|---|---|---:|---|---:|---:|---:|---|---:|' : '|---|---|---|---|---:|---|---:|---:|',
  ];
  for (const r of all) {
    if (r.error != null) {
      lines.push(
        `| ${r.backend} | ${r.shape} | ${r.method} | ${r.pass} | fails: ${r.error.replace(/\|/g, '/')} |  |  |  |`,
      );
      continue;
    }
    const base = r.baseline ? find(r, r.baseline, r.pass) : undefined;
    const ratio = base ? `${(base.ms! / r.ms!).toFixed(2)}× ${r.baseline}` : '';
    const fwdRow = r.pass === 'fwd+bwd' ? find(r, r.method, 'fwd') : undefined;
    // A fwd+bwd row runs the forward twice (once for y, once inside tf.grads) plus the backward.
    const bwdRatio = fwdRow ? `${((r.ms! - 2 * fwdRow.ms!) / fwdRow.ms!).toFixed(2)}` : '';
    const cpuRow = r.backend === 'webgpu' ? find(r, r.method, r.pass, 'cpu') : undefined;
    const vsCpu = cpuRow ? `${(cpuRow.ms! / r.ms!).toFixed(2)}×` : '';
    const ms = `${r.ms!.toFixed(2)}${r.calls === 1 && opts.reps > 1 ? ' (1 call)' : ''}`;
    let kernel = '';
    if (opts.kernelTime) {
      const kBase =
        base?.kernelMs != null && r.kernelMs ? `${(base.kernelMs / r.kernelMs).toFixed(2)}× ${r.baseline}` : '';
      const kBwd =
        fwdRow?.kernelMs != null && r.kernelMs != null
          ? `${((r.kernelMs - 2 * fwdRow.kernelMs) / fwdRow.kernelMs).toFixed(2)}`
          : '';
      kernel = ` ${r.kernelMs != null ? r.kernelMs.toFixed(3) : ''} | ${kBase} | ${kBwd} |`;
    }
    lines.push(
      `| ${r.backend} | ${r.shape} | ${r.method} | ${r.pass} | ${ms} | ${ratio} | ${bwdRatio} | ${vsCpu} |${kernel}`,
    );
  }
  const table = lines.join('\n');
  console.log(table);
  if (opts.out) fs.writeFileSync(opts.out, table + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
