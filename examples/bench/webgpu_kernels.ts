/*
 * npm run bench:webgpu-kernels — each fused WebGPU kernel of one layer timed alone (forward,
 * backprop-input, backprop-filter), to see which one a forward+backward row spends its time in.
 * Same method as bench:webgpu (Node, Dawn; medians of round-robin repetitions of whole calls with
 * the read-back); compare ratios within one run. Ends with backward / forward per layer and
 * semifield from the kernels alone.
 *
 *   npm run bench:webgpu-kernels -- [--reps 5] [--filter text] [--defaults]
 */
import * as tf from '@tensorflow/tfjs';
import {Command} from 'commander';
import {semifieldConv2d} from '../../index.js';
import {resetWebGPUFlags, setWebGPUFlags, type WebGPUFlags} from '../../kernels/webgpu/flags.js';
import {
  SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL as SemifieldConv2DBackpropFilter,
  SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL as SemifieldConv2DBackpropInput,
} from '../../src/ops/kernel_names.js';
import {initNodeWebGPU} from '../../src/backends/node_webgpu.js';

const opts = new Command()
  .option('--reps <n>', 'timed calls per row (median reported)', (v) => parseInt(v, 10), 5)
  .option('--filter <text>', 'only rows whose label contains this')
  .option('--defaults', 'only the default programs (no program, pixel or per-term variants)')
  .parse()
  .opts<{reps: number; filter?: string; defaults?: boolean}>();

interface Row {
  label: string;
  run: () => tf.Tensor;
  /** The SEMIFIELD_WEBGPU_* flags of a program variant (none: the defaults). */
  flags?: WebGPUFlags;
  times: number[];
}

async function main(): Promise<void> {
  await initNodeWebGPU();
  const keep: tf.Tensor[] = [];
  const rand = (shape: number[], lo = -1, hi = 1) => {
    const t = tf.randomUniform(shape, lo, hi, 'float32', 42);
    keep.push(t);
    return t;
  };
  const rows: Row[] = [];
  const layers: Array<{x: number[]; k: number; depthwise: boolean}> = [
    {x: [8, 32, 32, 16], k: 3, depthwise: true},
    {x: [1, 64, 64, 32], k: 5, depthwise: true},
    {x: [8, 32, 32, 16], k: 3, depthwise: false},
    {x: [1, 64, 64, 32], k: 5, depthwise: false},
  ];
  for (const l of layers) {
    const c = l.x[3];
    const x = rand(l.x) as tf.Tensor4D;
    const xPos = tf.abs(x) as tf.Tensor4D;
    keep.push(xPos);
    const groups = l.depthwise ? c : 1;
    const wShape = [l.k, l.k, l.depthwise ? 1 : c, c];
    const shape = `[${l.x}]·[${wShape}]${l.depthwise ? ` groups ${c}` : ''}`;
    if (!l.depthwise)
      rows.push({
        label: `${shape} | tf.conv2d | fwd`,
        run: () => tf.conv2d(x, rand(wShape, -0.5, 0.5) as tf.Tensor4D, 1, 'same'),
        times: [],
      });
    for (const name of ['log', 'root', 'linear', 'maxplus'] as const) {
      const xx = name === 'root' ? xPos : x;
      const w = (name === 'root' ? rand(wShape, 0.1, 1) : rand(wShape, -0.5, 0.5)) as tf.Tensor4D;
      const attrs = {
        semifield: JSON.stringify(name === 'log' ? {name, mu: 1} : name === 'root' ? {name, p: 2} : {name}),
        strides: [1, 1],
        dilations: [1, 1],
        pad: Array(4).fill((l.k - 1) / 2),
        groups,
      };
      const y = semifieldConv2d(xx, w, name, {pad: 'same', groups});
      keep.push(y);
      const dy = rand(y.shape);
      const fwd = () => semifieldConv2d(xx, w, name, {pad: 'same', groups});
      rows.push({label: `${shape} | ${name} | fwd`, run: fwd, times: []});
      if (name === 'log' || name === 'root') {
        rows.push({
          label: `${shape} | ${name} | fwd direct`,
          run: fwd,
          flags: {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct'},
          times: [],
        });
        for (const [pixelsPerThread, channelsPerThread] of [
          [4, 8],
          [4, 16],
          [2, 16],
          [8, 16],
          [4, 32],
        ]) {
          rows.push({
            label: `${shape} | ${name} | fwd factorised ${pixelsPerThread} px × ${channelsPerThread} ch`,
            run: fwd,
            flags: {
              SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'factorised',
              SEMIFIELD_WEBGPU_FORWARD_PIXELS: pixelsPerThread,
              SEMIFIELD_WEBGPU_FORWARD_CHANNELS: channelsPerThread,
            },
            times: [],
          });
        }
      }
      if (name === 'maxplus') continue;
      const dx = () =>
        tf
          .engine()
          .runKernel(SemifieldConv2DBackpropInput, {dy, x: xx, filter: w, y} as never, attrs as never) as tf.Tensor;
      rows.push({label: `${shape} | ${name} | backprop-input`, run: dx, times: []});
      if (name === 'log' || name === 'root')
        rows.push({
          label: `${shape} | ${name} | backprop-input, per-term gradient`,
          run: dx,
          flags: {SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'never'},
          times: [],
        });
      for (const px of [4, 8])
        rows.push({
          label: `${shape} | ${name} | backprop-input ${px} px`,
          run: dx,
          flags: {SEMIFIELD_WEBGPU_BACKPROP_INPUT_PIXELS: px},
          times: [],
        });
      const dw = () =>
        tf
          .engine()
          .runKernel(SemifieldConv2DBackpropFilter, {dy, x: xx, filter: w, y} as never, attrs as never) as tf.Tensor;
      rows.push({label: `${shape} | ${name} | backprop-filter`, run: dw, times: []});
      if (name === 'log' || name === 'root')
        rows.push({
          label: `${shape} | ${name} | backprop-filter, per-term gradient`,
          run: dw,
          flags: {SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'never'},
          times: [],
        });
    }
  }
  const isVariant = (r: Row) => r.flags != null;
  const selected = rows.filter(
    (r) => (!opts.filter || r.label.includes(opts.filter)) && !(opts.defaults && isVariant(r)),
  );
  const once = async (r: Row) => {
    setWebGPUFlags(r.flags ?? {});
    const t0 = performance.now();
    const out = r.run();
    await out.data();
    out.dispose();
    resetWebGPUFlags();
    return performance.now() - t0;
  };
  for (const r of selected) {
    try {
      const w = [await once(r), await once(r)];
      process.stderr.write(`  warm-up ${r.label}: ${w.map((t) => t.toFixed(0)).join(', ')} ms\n`);
    } catch (e) {
      process.stderr.write(`  ${r.label}: fails: ${(e as Error).message.split('\n')[0]}\n`);
      r.times.push(NaN);
    }
  }
  for (let rep = 0; rep < opts.reps; rep++)
    for (const r of selected) if (!r.times.includes(NaN)) r.times.push(await once(r));
  const median = (r: Row) => {
    const t = r.times.slice().sort((a, b) => a - b);
    return t[Math.floor(t.length / 2)];
  };
  for (const r of selected) console.log(`| ${r.label.split(' | ').join(' | ')} | ${median(r).toFixed(2)} |`);
  // Backward / forward with each kernel timed alone, default programs: (backprop-input +
  // backprop-filter) / forward — the issue's "backward ≤ 3× forward" without the forward+backward
  // row's subtraction of two forwards, which amplifies the forward's run-to-run noise.
  const byLabel = new Map(selected.map((r) => [r.label, r]));
  const summary: string[] = [];
  for (const r of selected) {
    if (!r.label.endsWith(' | fwd')) continue;
    const stem = r.label.slice(0, -' | fwd'.length);
    const bpi = byLabel.get(`${stem} | backprop-input`);
    const bpf = byLabel.get(`${stem} | backprop-filter`);
    if (bpi == null || bpf == null) continue;
    const fwd = median(r);
    summary.push(
      `| ${stem.split(' | ').join(' | ')} | ${fwd.toFixed(1)} | ${(median(bpi) + median(bpf)).toFixed(1)} | ${((median(bpi) + median(bpf)) / fwd).toFixed(2)} |`,
    );
  }
  if (summary.length > 0) {
    console.log(
      '\n| shapes | semifield | forward ms | backprop-input + backprop-filter ms | backward / forward |\n|---|---|---:|---:|---:|',
    );
    for (const line of summary) console.log(line);
  }
  tf.dispose(keep);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
