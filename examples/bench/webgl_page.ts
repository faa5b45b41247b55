/*
 * Browser half of `npm run bench:webgl` (bundled by examples/bench/webgl.ts, run in headless
 * Chromium): the webgl rows of the benchmark, side by side in one page — fused kernels vs the
 * composite path vs tfjs's own tf.dilation2d and tf.conv2d, forward and forward+backward, with the
 * peak texture bytes of one call.
 */
import * as tf from '@tensorflow/tfjs';
import type {MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import {semifieldConv2d, type SemifieldConfig} from '../../index.js';
import {median, timeOnceAsync} from '../../src/util/timing.js';

export interface BenchOptions {
  reps: number;
  warmup: number;
  /** Only rows whose shape or method contains this string. */
  filter?: string;
  /** Drop rows whose method contains any of these. */
  skip?: string[];
  /** Composite-path rows: all, forward only, or none. */
  composite?: 'all' | 'fwd' | 'none';
  /** Shapes to run: 'issue' (the core bench shapes) and/or 'thesis'. */
  groups: string[];
}

export interface BenchRow {
  group: string;
  shape: string;
  method: string;
  pass: 'fwd' | 'fwd+bwd';
  baseline?: string;
  ms: number;
  /** Peak bytes of textures allocated during one call, beyond the inputs. */
  peakTextureBytes: number;
  /** Set when the row could not run (its message). */
  error?: string;
}

interface RowSpec {
  group: string;
  shape: string;
  method: string;
  pass: 'fwd' | 'fwd+bwd';
  baseline?: string;
  run: () => tf.Tensor | tf.Tensor[];
  /** tfjs flags set for this row only (e.g. WEBGL_PACK false: our scalar programs). */
  flags?: Record<string, boolean | number>;
}

async function readAll(out: tf.Tensor | tf.Tensor[]): Promise<void> {
  const list = Array.isArray(out) ? out : [out];
  await Promise.all(list.map((t) => t.data()));
  tf.dispose(list);
}

/**
 * Peak texture bytes of one call: the high-water mark of the backend's live texture bytes
 * (MathBackendWebGL.numBytesInGPU, which tfjs updates on every texture acquire and release) during
 * the call, minus the bytes live before it (the inputs). Pooled textures count while in use.
 */
async function peakTextureBytes(run: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const backend = tf.backend() as unknown as {numBytesInGPU: number; acquireTexture: (...a: unknown[]) => unknown};
  const original = backend.acquireTexture;
  const base = backend.numBytesInGPU;
  let peak = base;
  backend.acquireTexture = function (this: unknown, ...args: unknown[]) {
    const tex = original.apply(this, args);
    peak = Math.max(peak, backend.numBytesInGPU);
    return tex;
  };
  try {
    await readAll(tf.tidy(run));
  } finally {
    backend.acquireTexture = original;
  }
  return peak - base;
}

/** One forward and both gradients of L = Σ y (valueAndGrads: the forward runs once). */
function fwdBwd(f: (x: tf.Tensor4D, w: tf.Tensor) => tf.Tensor, x: tf.Tensor4D, w: tf.Tensor): () => tf.Tensor[] {
  const g = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => tf.sum(f(a as tf.Tensor4D, b)));
  return () => {
    const {value, grads} = g([x, w]);
    return [value, ...grads];
  };
}

function buildRows(groups: string[], keep: tf.Tensor[]): RowSpec[] {
  const rows: RowSpec[] = [];
  const rand = (shape: number[], lo = -1, hi = 1) => {
    const t = tf.randomUniform(shape, lo, hi, 'float32', 42);
    keep.push(t);
    return t;
  };
  if (groups.includes('issue')) {
    // The core benchmark's shapes (examples/bench/core.ts), so CPU and webgl rows line up.
    const shapes: Array<{x: [number, number, number, number]; k: number}> = [
      {x: [8, 32, 32, 16], k: 3},
      {x: [1, 64, 64, 32], k: 5},
    ];
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
      const sfRun =
        (semifield: SemifieldConfig, implementation: 'fused' | 'composite', w: tf.Tensor4D, groups = 1, xx = x) =>
        () =>
          semifieldConv2d(xx, w, semifield, {pad: 'same', groups, implementation});
      const sfGrad = (
        semifield: SemifieldConfig,
        implementation: 'fused' | 'composite',
        w: tf.Tensor4D,
        groups = 1,
        xx = x,
      ) =>
        fwdBwd((a, b) => semifieldConv2d(a, b as tf.Tensor4D, semifield, {pad: 'same', groups, implementation}), xx, w);
      const add = (
        group: string,
        shape: string,
        method: string,
        pass: 'fwd' | 'fwd+bwd',
        run: RowSpec['run'],
        baseline?: string,
        flags?: RowSpec['flags'],
      ) => rows.push({group, shape, method, pass, run, baseline, flags});
      // What packing gave: the same kernels with WEBGL_PACK off run the scalar (1 output per fragment) programs.
      const scalar = {WEBGL_PACK: false};
      add('full', full, 'tf.conv2d', 'fwd', () => tf.conv2d(x, wFull, 1, 'same'));
      add('full', full, 'linear fused', 'fwd', sfRun('linear', 'fused', wFull), 'tf.conv2d');
      add('full', full, 'maxplus fused', 'fwd', sfRun('maxplus', 'fused', wFull), 'tf.conv2d');
      add(
        'full',
        full,
        'maxplus fused, scalar programs',
        'fwd',
        sfRun('maxplus', 'fused', wFull),
        'maxplus fused',
        scalar,
      );
      add('full', full, 'maxplus composite', 'fwd', sfRun('maxplus', 'composite', wFull), 'maxplus fused');
      add('full', full, 'log fused', 'fwd', sfRun('log', 'fused', wFull), 'tf.conv2d');
      add('full', full, 'log composite', 'fwd', sfRun('log', 'composite', wFull), 'log fused');
      add('full', full, 'root fused', 'fwd', sfRun('root', 'fused', wPos, 1, xPos), 'tf.conv2d');
      add(
        'full',
        full,
        'tf.conv2d',
        'fwd+bwd',
        fwdBwd((a, b) => tf.conv2d(a, b as tf.Tensor4D, 1, 'same'), x, wFull),
      );
      add('full', full, 'linear fused', 'fwd+bwd', sfGrad('linear', 'fused', wFull), 'tf.conv2d');
      add('full', full, 'maxplus fused', 'fwd+bwd', sfGrad('maxplus', 'fused', wFull), 'tf.conv2d');
      add(
        'full',
        full,
        'maxplus fused, scalar programs',
        'fwd+bwd',
        sfGrad('maxplus', 'fused', wFull),
        'maxplus fused',
        scalar,
      );
      add('full', full, 'maxplus composite', 'fwd+bwd', sfGrad('maxplus', 'composite', wFull), 'maxplus fused');
      add('full', full, 'log fused', 'fwd+bwd', sfGrad('log', 'fused', wFull), 'tf.conv2d');
      add('full', full, 'log composite', 'fwd+bwd', sfGrad('log', 'composite', wFull), 'log fused');
      add('depthwise', depth, 'tf.dilation2d', 'fwd', () => tf.dilation2d(x, w3, 1, 'same'));
      add('depthwise', depth, 'maxplus fused', 'fwd', sfRun('maxplus', 'fused', wDepth, c), 'tf.dilation2d');
      add(
        'depthwise',
        depth,
        'maxplus fused, scalar programs',
        'fwd',
        sfRun('maxplus', 'fused', wDepth, c),
        'maxplus fused',
        scalar,
      );
      add('depthwise', depth, 'maxplus composite', 'fwd', sfRun('maxplus', 'composite', wDepth, c), 'maxplus fused');
      add('depthwise', depth, 'log fused', 'fwd', sfRun('log', 'fused', wDepth, c), 'tf.dilation2d');
      // tf.dilation2d has no webgl gradient kernels: there is no tfjs fwd+bwd baseline here.
      add('depthwise', depth, 'maxplus fused', 'fwd+bwd', sfGrad('maxplus', 'fused', wDepth, c));
      add(
        'depthwise',
        depth,
        'maxplus composite',
        'fwd+bwd',
        sfGrad('maxplus', 'composite', wDepth, c),
        'maxplus fused',
      );
    }
  }
  if (groups.includes('thesis')) {
    // The thesis's configurations: batch 32, 6 channels, depthwise, forward + backward.
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
      const shape = `32×${cfg.size}×${cfg.size}×6, ${cfg.k}×${cfg.k}, stride ${cfg.stride}`;
      rows.push({
        group: 'thesis',
        shape,
        method: 'tf.dilation2d',
        pass: 'fwd',
        run: () => tf.dilation2d(x, w3, cfg.stride, 'valid'),
      });
      for (const semifield of ['maxplus', 'log', 'linear'] as const) {
        rows.push({
          group: 'thesis',
          shape,
          method: `${semifield} fused`,
          pass: 'fwd',
          baseline: 'tf.dilation2d',
          run: () => semifieldConv2d(x, w, semifield, {strides: cfg.stride, groups: 6, implementation: 'fused'}),
        });
        rows.push({
          group: 'thesis',
          shape,
          method: `${semifield} fused`,
          pass: 'fwd+bwd',
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
    }
  }
  return rows;
}

async function semifieldBench(
  options: BenchOptions,
): Promise<{rows: BenchRow[]; renderer: string; flags: Record<string, unknown>}> {
  if (!(await tf.setBackend('webgl'))) throw new Error('bench:webgl: WebGL is unavailable in this browser');
  const backend = tf.backend() as MathBackendWebGL;
  const gl = backend.gpgpu.gl;
  const dbg = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  const keep: tf.Tensor[] = [];
  const composite = options.composite ?? 'all';
  const specs = buildRows(options.groups, keep).filter(
    (r) =>
      (!options.filter || r.shape.includes(options.filter) || r.method.includes(options.filter)) &&
      !(options.skip ?? []).some((s) => s && r.method.includes(s)) &&
      !(r.method.includes('composite') && (composite === 'none' || (composite === 'fwd' && r.pass !== 'fwd'))),
  );
  // Rows of one shape are timed interleaved (round-robin, one call of each row per round) so that a
  // change of machine load shifts all of them alike: their ratios are what the table reports.
  const withFlags = async <T>(spec: RowSpec, f: () => Promise<T>): Promise<T> => {
    const saved: Record<string, boolean | number> = {};
    for (const [k, v] of Object.entries(spec.flags ?? {})) {
      saved[k] = tf.env().get(k) as boolean | number;
      tf.env().set(k, v);
    }
    try {
      return await f();
    } finally {
      for (const [k, v] of Object.entries(saved)) tf.env().set(k, v);
    }
  };
  const timeOne = async (spec: RowSpec) => withFlags(spec, () => timeOnceAsync(() => readAll(tf.tidy(spec.run))));
  const results = new Map<RowSpec, {times: number[]; peak: number; error?: string}>();
  const fail = (spec: RowSpec, e: unknown) => {
    // A row that cannot run on webgl is a result too (reported, not fatal).
    const error = (e as Error).message.split('\n')[0];
    results.set(spec, {times: [], peak: NaN, error});
    console.log(`${spec.shape} | ${spec.method} | ${spec.pass} | fails: ${error}`);
  };
  for (const shape of [...new Set(specs.map((r) => r.shape))]) {
    const group = specs.filter((r) => r.shape === shape);
    for (const spec of group) {
      try {
        for (let i = 0; i < options.warmup; i++) await timeOne(spec);
        results.set(spec, {times: [], peak: await withFlags(spec, () => peakTextureBytes(spec.run))});
      } catch (e) {
        fail(spec, e);
      }
    }
    for (let rep = 0; rep < options.reps; rep++) {
      for (const spec of group) {
        const r = results.get(spec)!;
        if (r.error) continue;
        try {
          r.times.push(await timeOne(spec));
        } catch (e) {
          fail(spec, e);
        }
      }
    }
    for (const spec of group) {
      const r = results.get(spec)!;
      if (!r.error)
        console.log(
          `${spec.shape} | ${spec.method} | ${spec.pass} | ${median(r.times).toFixed(1)} ms (${r.times.map((t) => t.toFixed(0)).join(' ')})`,
        );
    }
  }
  const rows: BenchRow[] = specs.map((spec) => {
    const {run: _run, flags: _flags, ...rest} = spec;
    const r = results.get(spec)!;
    return r.error
      ? {...rest, ms: NaN, peakTextureBytes: NaN, error: r.error}
      : {...rest, ms: median(r.times), peakTextureBytes: r.peak};
  });
  tf.dispose(keep);
  const flags = {
    WEBGL_VERSION: tf.env().getNumber('WEBGL_VERSION'),
    WEBGL_PACK: tf.env().getBool('WEBGL_PACK'),
    WEBGL_RENDER_FLOAT32_ENABLED: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
    WEBGL_CONV_IM2COL: tf.env().getBool('WEBGL_CONV_IM2COL'),
  };
  return {rows, renderer, flags};
}

(globalThis as unknown as {semifieldBench: typeof semifieldBench}).semifieldBench = semifieldBench;
