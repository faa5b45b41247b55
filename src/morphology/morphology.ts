import * as tf from '@tensorflow/tfjs-core';
import {describeJson, describeValue, tensorArgument} from '../ops/describe.js';
import {semifieldConv2d} from '../ops/semifield_conv2d.js';
import {getSemifield} from '../semifields/registry.js';
import type {Semifield, SemifieldConfig} from '../semifields/types.js';

/**
 * Grey-scale mathematical morphology on NHWC tensors, built on {@link semifieldConv2d} (one fused
 * depthwise kernel per dilation / erosion where the backend has fused kernels, the composite path
 * elsewhere). Conventions (docs/design.md §3 plus the textbook / kornia definitions):
 *
 *     dilation δ_b(f)(p) = max_{u} f(p + o − u) + b(u)      (the element mirrored about its origin o)
 *     erosion  ε_b(f)(p) = min_{u} f(p + u − o) − b(u)
 *
 * for u over the element's [kh, kw] positions. δ and ε form an adjunction (δ(f) ≤ g ⇔ f ≤ ε(g)), so
 * opening δ∘ε is anti-extensive and idempotent, closing ε∘δ extensive and idempotent.
 */

/** Where out-of-image positions come from. */
export type MorphologyBorder = 'geodesic' | number;

export interface MorphologyOptions {
  /**
   * The element position [row, column] that sits on the output pixel. Default: the centre,
   * [⌊kh/2⌋, ⌊kw/2⌋] (kornia's default).
   */
  origin?: [number, number];
  /**
   * 'geodesic' (default): out-of-image terms are skipped (the op's rule: padding with 𝟘, i.e. −∞
   * for a dilation and +∞ for an erosion); a number: the image is padded with that constant.
   */
  border?: MorphologyBorder;
  /**
   * The dilation's semifield: 'maxplus' (default, exact morphology) or {name: 'log', mu > 0}
   * (soft morphology: smooth max); the erosion uses the dual (minplus, or log with −μ).
   */
  semifield?: SemifieldConfig;
  /** Passed to semifieldConv2d: 'auto' (default), 'fused' or 'composite'. */
  implementation?: 'auto' | 'fused' | 'composite';
}

export type GradientVariant = 'beucher' | 'internal' | 'external';

export interface GradientOptions extends MorphologyOptions {
  /** 'beucher' (default): δ − ε; 'internal': f − ε; 'external': δ − f. */
  variant?: GradientVariant;
}

export interface ReconstructionOptions extends Omit<MorphologyOptions, 'semifield'> {
  /** 'dilation' (default): reconstruction by dilation of marker under mask; 'erosion': by erosion above it. */
  method?: 'dilation' | 'erosion';
  /** Structuring element [kh, kw, C] (or [kh, kw, 1], shared by every channel). Default: flat 3×3. */
  se?: tf.Tensor | tf.TensorLike;
  /** Upper bound on the geodesic steps (default: H·W, always enough for a flat connected element). */
  maxIterations?: number;
}

type X4 = tf.Tensor4D;

const KNOWN = new Set(['origin', 'border', 'semifield', 'implementation']);
const KNOWN_GRADIENT = new Set([...KNOWN, 'variant']);
const KNOWN_RECONSTRUCTION = new Set(['origin', 'border', 'implementation', 'method', 'se', 'maxIterations']);

function checkOptionKeys(options: unknown, known: Set<string>, fn: string): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`morphology.${fn}: options: expected an object, but got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new Error(`morphology.${fn}: options: unknown option '${key}' (expected ${[...known].join(', ')})`);
    }
  }
  return options as Record<string, unknown>;
}

/** The (dilation, erosion) semifield pair of an adjunction. */
function adjointPair(config: unknown, fn: string): {dilation: Semifield; erosion: Semifield} {
  const dilation = getSemifield((config ?? 'maxplus') as SemifieldConfig, `morphology.${fn}: options.semifield`);
  const c = dilation.config as {name: string; mu?: number};
  if (c.name === 'maxplus') return {dilation, erosion: getSemifield('minplus')};
  if (c.name === 'log' && (c.mu as number) > 0)
    return {dilation, erosion: getSemifield({name: 'log', mu: -(c.mu as number)})};
  throw new Error(
    `morphology.${fn}: options.semifield: expected 'maxplus' or {name: 'log', mu > 0} (the dilation's semifield; the erosion uses its dual), but got ${describeJson(config)}`,
  );
}

interface Resolved {
  kh: number;
  kw: number;
  origin: [number, number];
  border: MorphologyBorder;
  dilation: Semifield;
  erosion: Semifield;
  implementation: 'auto' | 'fused' | 'composite' | undefined;
}

/** Validated inputs: x as rank 4 (and whether to squeeze), se as [kh, kw, C]. */
function prepare(
  fn: string,
  x: unknown,
  se: unknown,
  opts: Record<string, unknown>,
  created: tf.Tensor[],
  xName = 'x',
): {x4: X4; se3: tf.Tensor3D; rank3: boolean; r: Resolved} {
  const $x = tensorArgument(x, `morphology.${fn}: ${xName}`, created);
  if ($x.rank !== 3 && $x.rank !== 4) {
    throw new Error(
      `morphology.${fn}: ${xName}: expected a rank-4 tensor [batch, height, width, channels] or rank 3 without batch, but got shape [${$x.shape}]`,
    );
  }
  const channels = $x.shape[$x.rank - 1] as number;
  const $se = tensorArgument(se, `morphology.${fn}: se`, created);
  if (
    $se.rank !== 3 ||
    ($se.shape[0] as number) < 1 ||
    ($se.shape[1] as number) < 1 ||
    ($se.shape[2] !== channels && $se.shape[2] !== 1)
  ) {
    throw new Error(
      `morphology.${fn}: se: expected a structuring element of shape [kh, kw, ${channels}] (or [kh, kw, 1] for every channel), but got shape [${$se.shape}]`,
    );
  }
  const [kh, kw] = $se.shape;
  let origin: [number, number] = [Math.floor(kh / 2), Math.floor(kw / 2)];
  if (opts.origin !== undefined) {
    const o = opts.origin;
    if (
      !Array.isArray(o) ||
      o.length !== 2 ||
      !Number.isInteger(o[0]) ||
      !Number.isInteger(o[1]) ||
      o[0] < 0 ||
      o[0] >= kh ||
      o[1] < 0 ||
      o[1] >= kw
    ) {
      throw new Error(
        `morphology.${fn}: options.origin: expected [row, column] integers inside the ${kh}×${kw} element, but got ${describeValue(o)}`,
      );
    }
    origin = [o[0], o[1]];
  }
  const border = opts.border ?? 'geodesic';
  if (border !== 'geodesic' && (typeof border !== 'number' || Number.isNaN(border))) {
    throw new Error(
      `morphology.${fn}: options.border: expected 'geodesic' or a number (constant padding), but got ${describeJson(border)}`,
    );
  }
  const impl = opts.implementation;
  if (impl !== undefined && impl !== 'auto' && impl !== 'fused' && impl !== 'composite') {
    throw new Error(
      `morphology.${fn}: options.implementation: expected 'auto', 'fused' or 'composite', but got ${describeJson(impl)}`,
    );
  }
  const {dilation, erosion} = adjointPair(opts.semifield, fn);
  return {
    x4: ($x.rank === 3 ? tf.expandDims($x, 0) : $x) as X4,
    se3: ($se.shape[2] === channels ? $se : tf.tile($se, [1, 1, channels])) as tf.Tensor3D,
    rank3: $x.rank === 3,
    r: {
      kh,
      kw,
      origin,
      border: border as MorphologyBorder,
      dilation,
      erosion,
      implementation: impl as Resolved['implementation'],
    },
  };
}

/** The op call: depthwise (groups = C) with explicit padding [[t, b], [l, r]]; constant borders pad x. */
function depthwise(
  x: X4,
  filter: tf.Tensor3D,
  sf: Semifield,
  pad: [[number, number], [number, number]],
  kind: 'conv' | 'corr',
  r: Resolved,
): X4 {
  const [kh, kw, c] = filter.shape;
  const w = tf.reshape(filter, [kh, kw, 1, c]) as tf.Tensor4D;
  const opts = {groups: c, kind, implementation: r.implementation};
  if (r.border === 'geodesic') return semifieldConv2d(x, w, sf, {...opts, pad});
  const padded = tf.pad(x, [[0, 0], pad[0], pad[1], [0, 0]], r.border) as X4;
  return semifieldConv2d(padded, w, sf, {...opts, pad: 'valid'});
}

/** δ_b(f)(p) = max_u f(p + o − u) + b(u): max-plus with the mirrored element (kind 'conv'). */
function dilate(x: X4, se: tf.Tensor3D, r: Resolved): X4 {
  const [oy, ox] = r.origin;
  return depthwise(
    x,
    se,
    r.dilation,
    [
      [r.kh - 1 - oy, oy],
      [r.kw - 1 - ox, ox],
    ],
    'conv',
    r,
  );
}

/** ε_b(f)(p) = min_u f(p + u − o) − b(u): min-plus cross-correlation with −b. */
function erode(x: X4, se: tf.Tensor3D, r: Resolved): X4 {
  const [oy, ox] = r.origin;
  return depthwise(
    x,
    tf.neg(se) as tf.Tensor3D,
    r.erosion,
    [
      [oy, r.kh - 1 - oy],
      [ox, r.kw - 1 - ox],
    ],
    'corr',
    r,
  );
}

/** Shared wrapper: validation, tidy, rank-3 squeeze, disposal of converted arguments. */
function run(
  fn: string,
  x: unknown,
  se: unknown,
  options: unknown,
  known: Set<string>,
  body: (x4: X4, se3: tf.Tensor3D, r: Resolved, o: Record<string, unknown>) => X4,
): tf.Tensor {
  const opts = checkOptionKeys(options, known, fn);
  const created: tf.Tensor[] = [];
  try {
    return tf.tidy(() => {
      const {x4, se3, rank3, r} = prepare(fn, x, se, opts, created);
      const y = body(x4, se3, r, opts);
      return rank3 ? tf.squeeze(y, [0]) : y;
    });
  } finally {
    tf.dispose(created);
  }
}

type Input = tf.Tensor | tf.TensorLike;

/**
 * Grey-scale dilation δ_b(f)(p) = max_u f(p + o − u) + b(u) (textbook / kornia definition: the
 * element is mirrored about its origin o). x [B, H, W, C] (or [H, W, C]), se [kh, kw, C] (zeros:
 * flat). The output keeps x's height and width.
 *
 * @example
 * const y = morphology.dilation(tf.randomUniform([1, 8, 8, 1]), tf.zeros([3, 3, 1]));
 */
export function dilation<T extends tf.Tensor>(x: T | Input, se: Input, options?: MorphologyOptions): T {
  return run('dilation', x, se, options, KNOWN, (x4, b, r) => dilate(x4, b, r)) as T;
}

/**
 * Grey-scale erosion ε_b(f)(p) = min_u f(p + u − o) − b(u) (textbook / kornia definition).
 *
 * @example
 * const y = morphology.erosion(tf.randomUniform([1, 8, 8, 1]), tf.zeros([3, 3, 1]));
 */
export function erosion<T extends tf.Tensor>(x: T | Input, se: Input, options?: MorphologyOptions): T {
  return run('erosion', x, se, options, KNOWN, (x4, b, r) => erode(x4, b, r)) as T;
}

/** Opening δ_b(ε_b(f)): removes bright details smaller than the element (anti-extensive, idempotent). */
export function opening<T extends tf.Tensor>(x: T | Input, se: Input, options?: MorphologyOptions): T {
  return run('opening', x, se, options, KNOWN, (x4, b, r) => dilate(erode(x4, b, r), b, r)) as T;
}

/** Closing ε_b(δ_b(f)): fills dark details smaller than the element (extensive, idempotent). */
export function closing<T extends tf.Tensor>(x: T | Input, se: Input, options?: MorphologyOptions): T {
  return run('closing', x, se, options, KNOWN, (x4, b, r) => erode(dilate(x4, b, r), b, r)) as T;
}

/**
 * Morphological gradient: 'beucher' (default) δ_b(f) − ε_b(f), 'internal' f − ε_b(f),
 * 'external' δ_b(f) − f.
 */
export function gradient<T extends tf.Tensor>(x: T | Input, se: Input, options?: GradientOptions): T {
  return run('gradient', x, se, options, KNOWN_GRADIENT, (x4, b, r, o) => {
    const variant = o.variant ?? 'beucher';
    if (variant === 'beucher') return tf.sub(dilate(x4, b, r), erode(x4, b, r));
    if (variant === 'internal') return tf.sub(x4, erode(x4, b, r));
    if (variant === 'external') return tf.sub(dilate(x4, b, r), x4);
    throw new Error(
      `morphology.gradient: options.variant: expected 'beucher', 'internal' or 'external', but got ${describeJson(variant)}`,
    );
  }) as T;
}

/** White top-hat f − opening(f): the bright details the opening removes (≥ 0). */
export function topHat<T extends tf.Tensor>(x: T | Input, se: Input, options?: MorphologyOptions): T {
  return run('topHat', x, se, options, KNOWN, (x4, b, r) => tf.sub(x4, dilate(erode(x4, b, r), b, r))) as T;
}

/** Black top-hat (bottom-hat) closing(f) − f: the dark details the closing fills (≥ 0). */
export function bottomHat<T extends tf.Tensor>(x: T | Input, se: Input, options?: MorphologyOptions): T {
  return run('bottomHat', x, se, options, KNOWN, (x4, b, r) => tf.sub(erode(dilate(x4, b, r), b, r), x4)) as T;
}

/**
 * Geodesic reconstruction. 'dilation' (default): starting from min(marker, mask), repeat
 * m ← min(δ_b(m), mask) until m no longer changes (or maxIterations steps); 'erosion': from
 * max(marker, mask), m ← max(ε_b(m), mask). The element defaults to the flat 3×3. Differentiable
 * through the steps it took (with respect to marker and mask; the loop reads each step's result
 * back to test for stability, so it synchronises with the device once per step).
 *
 * @example
 * const mask = tf.randomUniform([1, 16, 16, 1]);
 * const marker = tf.sub(mask, 0.3);
 * const filled = morphology.reconstruction(marker, mask); // h-dome-like reconstruction
 */
export function reconstruction<T extends tf.Tensor>(
  marker: T | Input,
  mask: Input,
  options?: ReconstructionOptions,
): T {
  const run = reconstructionRun('reconstruction', marker, mask, options);
  try {
    for (let step = 0; step < run.limit; step++) {
      const {next, same} = run.step();
      const stable = same.dataSync()[0] === 1;
      same.dispose();
      if (run.advance(next, stable)) break;
    }
    return run.result() as T;
  } finally {
    run.dispose();
  }
}

/**
 * {@link reconstruction} with asynchronous convergence checks (`await data()` instead of
 * `dataSync()`): the form to use on webgpu, whose synchronous read-back is slow and, on some
 * adapters, fails.
 *
 * @example
 * const mask = tf.randomUniform([1, 16, 16, 1]);
 * const marker = tf.mul(mask, tf.randomUniform([1, 16, 16, 1]).greater(0.9));
 * const rec = await morphology.reconstructionAsync(marker, mask);
 */
export async function reconstructionAsync<T extends tf.Tensor>(
  marker: T | Input,
  mask: Input,
  options?: ReconstructionOptions,
): Promise<T> {
  const run = reconstructionRun('reconstructionAsync', marker, mask, options);
  try {
    for (let step = 0; step < run.limit; step++) {
      const {next, same} = run.step();
      const stable = (await same.data())[0] === 1;
      same.dispose();
      if (run.advance(next, stable)) break;
    }
    return run.result() as T;
  } finally {
    run.dispose();
  }
}

/** The shared state of both reconstruction forms: argument checks, one step, the result. */
function reconstructionRun(fn: string, marker: tf.Tensor | Input, mask: Input, options?: ReconstructionOptions) {
  const opts = checkOptionKeys(options, KNOWN_RECONSTRUCTION, fn);
  const method = opts.method ?? 'dilation';
  if (method !== 'dilation' && method !== 'erosion') {
    throw new Error(
      `morphology.${fn}: options.method: expected 'dilation' or 'erosion', but got ${describeJson(method)}`,
    );
  }
  const maxIterations = opts.maxIterations;
  if (
    maxIterations !== undefined &&
    (typeof maxIterations !== 'number' || !Number.isInteger(maxIterations) || maxIterations < 0)
  ) {
    throw new Error(
      `morphology.${fn}: options.maxIterations: expected a non-negative integer, but got ${describeValue(maxIterations)}`,
    );
  }
  const created: tf.Tensor[] = [];
  try {
    const $mask = tensorArgument(mask, `morphology.${fn}: mask`, created);
    const $marker = tensorArgument(marker, `morphology.${fn}: marker`, created);
    if (!tf.util.arraysEqual($marker.shape, $mask.shape)) {
      throw new Error(
        `morphology.${fn}: marker and mask: expected equal shapes, but got [${$marker.shape}] and [${$mask.shape}]`,
      );
    }
    const channels = $mask.shape[$mask.rank - 1] ?? 1;
    const seArg = opts.se ?? tf.zeros([3, 3, channels]);
    if (opts.se === undefined) created.push(seArg as tf.Tensor);
    const {x4: mask4, se3, rank3, r} = prepare(fn, $mask, seArg, opts, created, 'mask');
    if (se3 !== seArg) created.push(se3);
    if (mask4 !== $mask) created.push(mask4);
    const marker4 = ($marker.rank === 3 ? tf.expandDims($marker, 0) : $marker) as X4;
    if (marker4 !== $marker) created.push(marker4);
    const limit = maxIterations ?? mask4.shape[1] * mask4.shape[2];
    const byDilation = method === 'dilation';
    const clamp = (v: X4) => (byDilation ? tf.minimum(v, mask4) : tf.maximum(v, mask4)) as X4;
    let current = tf.tidy(() => clamp(marker4));
    return {
      limit,
      /** One geodesic step and whether it changed nothing (a scalar to read). */
      step(): {next: X4; same: tf.Tensor} {
        const next = tf.tidy(() => clamp(byDilation ? dilate(current, se3, r) : erode(current, se3, r)));
        return {next, same: tf.tidy(() => tf.all(tf.equal(next, current)))};
      },
      /** Moves to `next`; true when the iteration should stop. */
      advance(next: X4, stable: boolean): boolean {
        current.dispose();
        current = next;
        return stable;
      },
      result(): tf.Tensor {
        if (!rank3) return current;
        const squeezed = tf.squeeze(current, [0]);
        current.dispose();
        return squeezed;
      },
      dispose(): void {
        tf.dispose(created);
      },
    };
  } catch (err) {
    tf.dispose(created);
    throw err;
  }
}
