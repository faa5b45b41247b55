/*
 * npm run bench:webgpu-programs — every program choice of the fused WebGPU kernels timed alone, in
 * kernel time (tf.time's kernelMs: GPU timestamps where the adapter has `timestamp-query`, else
 * the wall time of --reps back-to-back calls over their count), on the hardware shapes of issue 14
 * (and whatever --shapes names). This is what the 'auto' defaults on hardware GPUs are chosen
 * from: run it on the GPU (../shared/device/README.md packs it for the H200 machine).
 *
 *   npm run bench:webgpu-programs -- [--shapes hardware|small] [--reps 5] [--filter text] [--check]
 *
 * --check first runs every forward program on small random layers (partial tiles, groups,
 * strides, dilations) against the float64 reference and prints the largest error per program.
 */
import * as tf from '@tensorflow/tfjs';
import {Command} from 'commander';
import {
  SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL as SemifieldConv2DBackpropFilter,
  SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL as SemifieldConv2DBackpropInput,
  SEMIFIELD_CONV2D_KERNEL as SemifieldConv2D,
} from '../../index.js';
import {MM_TILE_CANDIDATES, mmTileKey} from '../../kernels/webgpu/semifield_conv2d_mm_webgpu.js';
import {resetWebGPUFlags, setWebGPUFlags, TUNE_FLAG, type WebGPUFlags} from '../../kernels/webgpu/flags.js';
import {initNodeWebGPU} from '../../src/backends/node_webgpu.js';
import {maxRelError} from '../../test/reference/cases.js';
import {normal, uniform} from '../../test/reference/random.js';
import {referenceConv2d, type RefSemifield} from '../../test/reference/reference.js';

const cli = new Command()
  .option('--shapes <set>', "'hardware' (issue 14's shapes) or 'small'", 'hardware')
  .option('--reps <n>', 'timed calls per variant (median)', (v) => parseInt(v, 10), 5)
  .option('--filter <regex>', "only variants whose label ('<semifield> forward|backward <variant>') matches this")
  .option('--layers <text>', 'only layers whose name contains this')
  .option('--check', 'check every forward program against float64 first')
  .option('--no-backward', 'skip the backward kernels')
  .parse();
const opts = cli.opts<{
  shapes: string;
  reps: number;
  filter?: string;
  layers?: string;
  check?: boolean;
  backward: boolean;
}>();

interface Layer {
  name: string;
  x: [number, number, number, number];
  k: number;
  groups: number;
  strides: number;
}
const layers: Layer[] =
  opts.shapes === 'small'
    ? [
        {name: '[8,32,32,16]·3×3', x: [8, 32, 32, 16], k: 3, groups: 1, strides: 1},
        {name: '[2,32,32,32]·3×3 depthwise', x: [2, 32, 32, 32], k: 3, groups: 32, strides: 1},
      ]
    : [
        {name: '[16,64,64,32]·3×3', x: [16, 64, 64, 32], k: 3, groups: 1, strides: 1},
        {name: '[32,128,128,64]·3×3', x: [32, 128, 128, 64], k: 3, groups: 1, strides: 1},
        {name: '[8,64,64,64]·5×5', x: [8, 64, 64, 64], k: 5, groups: 1, strides: 1},
        {name: '[16,128,128,32]·3×3 depthwise', x: [16, 128, 128, 32], k: 3, groups: 32, strides: 1},
        {name: '[32,32,32,6]·3×3 stride 3 groups 6 (thesis)', x: [32, 32, 32, 6], k: 3, groups: 6, strides: 3},
      ];
const semifields: Array<{label: string; config: string | {name: 'root'; p: number}; positive: boolean}> = [
  {label: 'linear', config: 'linear', positive: false},
  {label: 'maxplus', config: 'maxplus', positive: false},
  {label: 'log', config: 'log', positive: false},
  {label: 'root', config: 'root', positive: true},
];

const mmFlags = (t: (typeof MM_TILE_CANDIDATES)[number]): WebGPUFlags => ({
  SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'mm',
  SEMIFIELD_WEBGPU_MM_TILE: mmTileKey(t),
});

function forwardVariants(layer: Layer, sf: string): Array<[string, WebGPUFlags]> {
  const direct = (px: number): WebGPUFlags => ({
    SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct',
    SEMIFIELD_WEBGPU_FORWARD_PIXELS: px,
  });
  const list: Array<[string, WebGPUFlags]> = [
    ['auto', {}],
    ['direct 1 px', direct(1)],
    ['direct 4 px', direct(4)],
    ['direct 8 px', direct(8)],
  ];
  if (layer.groups !== layer.x[3]) {
    if (sf === 'log' || sf === 'root') list.push(['factorised', {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'factorised'}]);
    for (const tile of MM_TILE_CANDIDATES) list.push([`mm ${mmTileKey(tile)}`, mmFlags(tile)]);
  }
  return list;
}

const backend = () => tf.backend() as unknown as {supportTimestampQuery?: boolean};

/** Median kernel time (ms) of `run`, after two warm-up calls. */
async function kernelTime(run: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const once = async () => {
    const out = run();
    const list = Array.isArray(out) ? out : [out];
    await Promise.all(list.map((t) => t.data()));
    tf.dispose(list);
  };
  for (let i = 0; i < 4; i++) await once();
  const times: number[] = [];
  if (backend().supportTimestampQuery) {
    for (let r = 0; r < opts.reps; r++) {
      let outs: tf.Tensor[] = [];
      const info = await tf.time(() => {
        const out = run();
        outs = Array.isArray(out) ? out : [out];
      });
      tf.dispose(outs);
      times.push(info.kernelMs as number);
    }
  } else {
    for (let r = 0; r < opts.reps; r++) {
      const start = performance.now();
      const outs: tf.Tensor[] = [];
      for (let i = 0; i < 10; i++) {
        const out = run();
        outs.push(...(Array.isArray(out) ? out : [out]));
      }
      await outs[outs.length - 1].data();
      times.push((performance.now() - start) / 10);
      tf.dispose(outs);
    }
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function configOf(config: string | object): object {
  return typeof config === 'string'
    ? {name: config, ...(config === 'log' ? {mu: 1} : config === 'root' ? {p: 2} : {})}
    : config;
}

function attrsOf(config: string | object, layer: Layer) {
  const c = configOf(config);
  // Kernel attrs take explicit pads: 'same' at stride 1 (odd k), 'valid' otherwise.
  const h = layer.strides === 1 ? (layer.k - 1) / 2 : 0;
  const pad = [h, h, h, h];
  return {
    semifield: JSON.stringify(c),
    strides: [layer.strides, layer.strides],
    dilations: [1, 1],
    pad,
    groups: layer.groups,
  };
}

async function check(): Promise<void> {
  // Small layers with partial tiles (pixels and channels), groups, strides + dilations.
  const cases = [
    {x: [2, 9, 11, 40], w: [3, 3, 40, 40], groups: 1, strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1]},
    {x: [1, 13, 10, 12], w: [3, 2, 4, 36], groups: 3, strides: [2, 1], dilations: [1, 2], pad: [1, 0, 2, 1]},
    {x: [3, 7, 8, 70], w: [2, 2, 70, 70], groups: 1, strides: [1, 2], dilations: [2, 1], pad: [0, 1, 1, 0]},
  ];
  for (const sf of [
    ...semifields,
    {label: 'minplus', config: 'minplus', positive: false},
    {label: 'log(mu=-0.5)', config: {name: 'log', mu: -0.5}, positive: false},
  ] as const) {
    const ref: RefSemifield =
      typeof sf.config === 'string' ? {name: sf.config as RefSemifield['name']} : (sf.config as RefSemifield);
    const worst = new Map<string, number>();
    for (const [n, c] of cases.entries()) {
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const xv = sf.positive ? uniform(size(c.x), 0.1, 2, n + 1) : normal(size(c.x), n + 1);
      const wv = sf.positive ? uniform(size(c.w), 0.2, 1.5, n + 7) : normal(size(c.w), n + 7, 0.5);
      const geometry = {
        strides: c.strides as [number, number],
        dilations: c.dilations as [number, number],
        pad: c.pad as [number, number, number, number],
        groups: c.groups,
      };
      const expected = referenceConv2d(xv, c.x, wv, c.w, ref, geometry).y;
      const attrs = {
        semifield: JSON.stringify(configOf(sf.config)),
        strides: c.strides,
        dilations: c.dilations,
        pad: c.pad,
        groups: c.groups,
      };
      const variants: Array<[string, WebGPUFlags]> = [
        ['direct', {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'direct'}],
        ...MM_TILE_CANDIDATES.map((t): [string, WebGPUFlags] => [`mm ${mmTileKey(t)}`, mmFlags(t)]),
      ];
      if (ref.name === 'log' || ref.name === 'root')
        variants.push(['factorised', {SEMIFIELD_WEBGPU_FORWARD_PROGRAM: 'factorised'}]);
      for (const [label, tiling] of variants) {
        setWebGPUFlags(tiling);
        const x = tf.tensor4d(xv, c.x as [number, number, number, number]);
        const w = tf.tensor4d(wv, c.w as [number, number, number, number]);
        const outs = tf
          .engine()
          .runKernel(SemifieldConv2D, {x, filter: w} as never, attrs as never) as unknown as tf.Tensor[];
        const got = await outs[0].data();
        tf.dispose([x, w, ...outs]);
        worst.set(label, Math.max(worst.get(label) ?? 0, maxRelError(got, expected)));
      }
      resetWebGPUFlags();
    }
    console.log(`check ${sf.label}: ${[...worst].map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
  }
}

async function main(): Promise<void> {
  const info = await initNodeWebGPU({
    dawnFlags: ['enable-dawn-features=allow_unsafe_apis', 'disable-dawn-features=timestamp_quantization'],
  });
  console.log(
    `adapter ${JSON.stringify(info.adapter)}; timestamp-query: ${backend().supportTimestampQuery ? 'yes (GPU timestamps)' : 'no (wall time of 10 back-to-back calls)'}`,
  );
  // Each variant is timed as set: the run-time tuner stays out of it.
  tf.env().set(TUNE_FLAG, false);
  if (opts.check) await check();
  // Bring the GPU's clocks up before timing anything: after an idle spell (pipeline compiles run on
  // the CPU) a GPU's clocks are down and short kernels time slow.
  {
    const a = tf.randomUniform([4096, 4096]);
    const start = performance.now();
    while (performance.now() - start < 3000) await tf.tidy(() => tf.matMul(a, a).sum()).data();
    a.dispose();
  }
  const rows: string[] = ['| layer | semifield | kernel | variant | kernel ms |', '|---|---|---|---|---:|'];
  const emit = (layer: Layer, sf: string, kernel: string, variant: string, ms: number) => {
    const line = `| ${layer.name} | ${sf} | ${kernel} | ${variant} | ${ms.toFixed(3)} |`;
    rows.push(line);
    console.log(line);
  };
  const wanted = (label: string) => !opts.filter || new RegExp(opts.filter).test(label);
  for (const layer of layers.filter((l) => !opts.layers || l.name.includes(opts.layers!))) {
    const C = layer.x[3];
    const cout = C;
    const cpg = C / layer.groups;
    const x = tf.randomUniform(layer.x, -1, 1, 'float32', 1) as tf.Tensor4D;
    const xPos = tf.randomUniform(layer.x, 0.1, 1, 'float32', 2) as tf.Tensor4D;
    const w = tf.randomUniform([layer.k, layer.k, cpg, cout], -0.5, 0.5, 'float32', 3) as tf.Tensor4D;
    const wPos = tf.randomUniform([layer.k, layer.k, cpg, cout], 0.1, 1, 'float32', 4) as tf.Tensor4D;
    // tfjs's own ops on the same layer.
    if (layer.groups === 1) {
      emit(layer, 'tf', 'forward', 'tf.conv2d', await kernelTime(() => tf.conv2d(x, w, 1, 'same')));
      const y = tf.conv2d(x, w, 1, 'same');
      emit(
        layer,
        'tf',
        'backprop-input',
        'tf.conv2d',
        await kernelTime(
          () =>
            tf
              .engine()
              .runKernel(
                'Conv2DBackpropInput',
                {dy: y, filter: w} as never,
                {strides: 1, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: layer.x} as never,
              ) as tf.Tensor,
        ),
      );
      emit(
        layer,
        'tf',
        'backprop-filter',
        'tf.conv2d',
        await kernelTime(
          () =>
            tf.engine().runKernel(
              'Conv2DBackpropFilter',
              {x, dy: y} as never,
              {
                strides: 1,
                pad: 'same',
                dataFormat: 'NHWC',
                dimRoundingMode: undefined,
                filterShape: [layer.k, layer.k, C, cout],
              } as never,
            ) as tf.Tensor,
        ),
      );
      y.dispose();
    } else if (layer.groups === C && layer.strides === 1) {
      const w3 = tf.reshape(w, [layer.k, layer.k, C]) as tf.Tensor3D;
      emit(layer, 'tf', 'forward', 'tf.dilation2d', await kernelTime(() => tf.dilation2d(x, w3, 1, 'same')));
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.dilation2d(a as tf.Tensor4D, b as tf.Tensor3D, 1, 'same'));
      emit(layer, 'tf', 'fwd+bwd', 'tf.dilation2d', await kernelTime(() => g([x, w3])));
      w3.dispose();
    } else {
      emit(
        layer,
        'tf',
        'forward',
        'tf.maxPool',
        await kernelTime(() => tf.maxPool(x, layer.k, layer.strides, 'valid')),
      );
      const g = tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, layer.k, layer.strides, 'valid'));
      emit(layer, 'tf', 'fwd+bwd', 'tf.maxPool', await kernelTime(() => g(x)));
    }
    for (const sf of semifields) {
      const xx = sf.positive ? xPos : x;
      const ww = sf.positive ? wPos : w;
      const attrs = attrsOf(sf.config, layer);
      const forward = () =>
        tf.engine().runKernel(SemifieldConv2D, {x: xx, filter: ww} as never, attrs as never) as unknown as tf.Tensor[];
      for (const [label, tiling] of forwardVariants(layer, sf.label)) {
        if (!wanted(`${sf.label} forward ${label}`)) continue;
        setWebGPUFlags(tiling);
        try {
          emit(layer, sf.label, 'forward', label, await kernelTime(forward));
        } catch (e) {
          console.log(
            `| ${layer.name} | ${sf.label} | forward | ${label} | failed: ${(e as Error).message.split('\n')[0]} |`,
          );
        }
        resetWebGPUFlags();
      }
      if (!opts.backward) continue;
      const outs = forward();
      const dy = tf.randomUniform(outs[0].shape, -1, 1, 'float32', 5);
      const inputs: Record<string, tf.Tensor> =
        outs.length > 1 ? {dy, x: xx, filter: ww, provenance: outs[1]} : {dy, x: xx, filter: ww, y: outs[0]};
      const bwdVariants: Array<[string, () => void]> = [
        ['auto', () => {}],
        ['filter invocations 8192', () => setWebGPUFlags({SEMIFIELD_WEBGPU_FILTER_INVOCATIONS: 8192})],
        ['filter invocations 65536', () => setWebGPUFlags({SEMIFIELD_WEBGPU_FILTER_INVOCATIONS: 65536})],
        ['filter invocations 1048576', () => setWebGPUFlags({SEMIFIELD_WEBGPU_FILTER_INVOCATIONS: 1048576})],
        ['input 4 px', () => setWebGPUFlags({SEMIFIELD_WEBGPU_BACKPROP_INPUT_PIXELS: 4})],
        ['input 8 px', () => setWebGPUFlags({SEMIFIELD_WEBGPU_BACKPROP_INPUT_PIXELS: 8})],
      ];
      bwdVariants.push(['filter blocks 8 (per-term)', () => setWebGPUFlags({SEMIFIELD_WEBGPU_FILTER_BLOCK: 8})]);
      if (sf.label === 'log' || sf.label === 'root') {
        bwdVariants.push([
          'per-term (factorised never)',
          () => setWebGPUFlags({SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'never'}),
        ]);
        for (const px of [4, 8, 16]) {
          bwdVariants.push([
            `input factorised ${px} px`,
            () => {
              setWebGPUFlags({SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'always'});
              setWebGPUFlags({SEMIFIELD_WEBGPU_BACKPROP_INPUT_PIXELS: px});
            },
          ]);
        }
        for (const block of [
          [4, 4],
          [4, 8],
          [8, 8],
          [8, 16],
        ] as Array<[number, number]>) {
          bwdVariants.push([
            `filter factorised ${block[0]}x${block[1]}`,
            () => {
              setWebGPUFlags({SEMIFIELD_WEBGPU_FACTORISED_BACKWARD: 'always'});
              setWebGPUFlags({SEMIFIELD_WEBGPU_FACTORISED_FILTER_BLOCK: `${block[0]}x${block[1]}`});
            },
          ]);
        }
      }
      for (const [label, setup] of bwdVariants) {
        if (!wanted(`${sf.label} backward ${label}`)) continue;
        setup();
        try {
          if (!label.startsWith('filter'))
            emit(
              layer,
              sf.label,
              'backprop-input',
              label,
              await kernelTime(
                () => tf.engine().runKernel(SemifieldConv2DBackpropInput, inputs as never, attrs as never) as tf.Tensor,
              ),
            );
          if (!label.startsWith('input'))
            emit(
              layer,
              sf.label,
              'backprop-filter',
              label,
              await kernelTime(
                () =>
                  tf.engine().runKernel(SemifieldConv2DBackpropFilter, inputs as never, attrs as never) as tf.Tensor,
              ),
            );
        } catch (e) {
          console.log(
            `| ${layer.name} | ${sf.label} | backward | ${label} | failed: ${(e as Error).message.split('\n')[0]} |`,
          );
        }
        resetWebGPUFlags();
      }
      tf.dispose([...outs, dy]);
    }
    tf.dispose([x, xPos, w, wPos]);
  }
  console.log('\n' + rows.join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
