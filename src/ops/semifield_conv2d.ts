import * as tf from '@tensorflow/tfjs-core';
import {getSemifield} from '../semifields/registry.js';
import type {AnySemifieldConfig, Semifield} from '../semifields/types.js';
import {compositeBackward, compositeForward} from './composite.js';
import {convOperands, describeJson, tensorArgument} from './describe.js';
import {computeSemifieldConvInfo, convAttrs, type SemifieldConv2dOptions, type SemifieldConvInfo} from './conv_info.js';
import {
  SEMIFIELD_CONV2D_KERNEL,
  SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL,
  SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL,
} from './kernel_names.js';
import {registerSemifieldConv2DGradient} from './semifield_conv2d_grad.js';

registerSemifieldConv2DGradient();

/** Does the active backend have our fused kernels registered? */
export function hasFusedKernels(backendName = tf.getBackend()): boolean {
  return (
    tf.getKernel(SEMIFIELD_CONV2D_KERNEL, backendName) != null &&
    tf.getKernel(SEMIFIELD_CONV2D_BACKPROP_INPUT_KERNEL, backendName) != null &&
    tf.getKernel(SEMIFIELD_CONV2D_BACKPROP_FILTER_KERNEL, backendName) != null
  );
}

function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as never, attrs as never) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

/**
 * Is tfjs recording a gradient tape (inside tf.grad, tf.variableGrads, optimizer.minimize,
 * model.fit)? Engine.isTapeOn is internal to tfjs-core; where it is missing, assume it is on, which
 * only costs speed.
 */
function tapeIsOn(): boolean {
  const engine = tf.engine() as unknown as {isTapeOn?: () => boolean};
  return typeof engine.isTapeOn === 'function' ? engine.isTapeOn() : true;
}

function checkImplementation(value: unknown): 'auto' | 'fused' | 'composite' {
  if (value === undefined) return 'auto';
  if (value === 'auto' || value === 'fused' || value === 'composite') return value;
  throw new Error(`implementation: expected 'auto', 'fused' or 'composite', but got ${describeJson(value)}`);
}

/**
 * The differentiable core: x [B, H, W, Cin], filter [kh, kw, Cin/groups, Cout] (already validated
 * and, for kind 'conv', mirrored). Gradients follow docs/design.md §4 on both paths.
 */
function conv2dCore(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  sf: Semifield,
  info: SemifieldConvInfo,
  fused: boolean,
): tf.Tensor4D {
  const attrs = convAttrs(sf.key, info);
  if (fused) {
    // The kernel's registered gradient (semifield_conv2d_grad.ts) covers this path; the
    // provenance output stays on the tape for it and is dropped here.
    // Outside a gradient tape nothing will ask for the provenance: kernels that honour
    // `provenance: false` (webgpu) then write y directly and skip the index bookkeeping.
    return runKernel(
      SEMIFIELD_CONV2D_KERNEL,
      {x, filter},
      {...attrs, provenance: sf.gradientRule !== 'selection' || tapeIsOn()},
    )[0] as tf.Tensor4D;
  }
  // tfjs types customGrad's arguments loosely (tensors and the save function share one rest type).
  const forward = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const res = compositeForward(xIn as tf.Tensor4D, wIn as tf.Tensor4D, sf, info);
    // Selection keeps one int32 per output (the provenance); invertible keeps y and recomputes terms.
    save([xIn, wIn, res.provenance ?? res.y]);
    return {
      value: res.y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, ws, auxs] = saved as tf.Tensor4D[];
        const {dx, dfilter} = compositeBackward(dy as tf.Tensor4D, xs, ws, auxs, sf, info);
        return [dx!, dfilter!];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return forward(x, filter) as tf.Tensor4D;
}

/**
 * A batch of 0 images (as tf.conv2d allows): an empty [0, OH, OW, Cout] result on every path, whose
 * gradients are an empty dx and a zero dfilter. No kernel runs.
 */
function emptyBatch(x: tf.Tensor4D, filter: tf.Tensor4D, info: SemifieldConvInfo): tf.Tensor4D {
  const forward = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor) => ({
    value: tf.zeros([0, info.outHeight, info.outWidth, info.outChannels]),
    gradFunc: () => [tf.zerosLike(xIn), tf.zerosLike(wIn)],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return forward(x, filter) as tf.Tensor4D;
}

/**
 * Semifield 2-D convolution (cross-correlation by default, like tf.conv2d), NHWC:
 *
 *     y[b,i,j,o] = ⊕_{di,dj,c} x[b, i·sh + di·dh − padTop, j·sw + dj·dw − padLeft, g·Cpg + c] ⊗ filter[di,dj,c,o]
 *
 * with g the group of output channel o. Terms outside the image are skipped (padding with 𝟘).
 * Runs the fused kernel of the active backend when one is registered, and a composite of public
 * tfjs ops elsewhere (e.g. tfjs-node's `tensorflow` backend, `wasm`). Differentiable on both paths:
 * selection semifields route gradients through the recorded provenance of each output, invertible
 * ones through ∂y/∂t = f′(t)/f′(y).
 *
 * @param x Input [batch, height, width, inChannels] (or rank 3 without the batch), float32.
 * @param filter [filterHeight, filterWidth, inChannels / groups, outChannels], float32.
 * @param semifield `'maxplus'`, `'minplus'`, `'log'`, `{name: 'log', mu}`, `'root'`, `{name: 'root', p}`, `'linear'`.
 * @param options strides, pad, dilations, groups, kind ('corr' | 'conv'), implementation.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {semifieldConv2d} from 'tfjs-semifield';
 * const x = tf.randomNormal([1, 28, 28, 1]);
 * const se = tf.zeros([3, 3, 1, 1]);                     // flat 3×3 structuring element
 * const dilated = semifieldConv2d(x, se, 'maxplus', {pad: 'same'}); // grey-scale dilation
 * const smooth = semifieldConv2d(x, se, {name: 'log', mu: 0.1}, {pad: 'same'}); // soft version
 */
export function semifieldConv2d<T extends tf.Tensor3D | tf.Tensor4D = tf.Tensor4D>(
  x: T | tf.Tensor | tf.TensorLike,
  filter: tf.Tensor | tf.TensorLike,
  semifield: AnySemifieldConfig | Semifield,
  options: SemifieldConv2dOptions = {},
): T {
  const sf = getSemifield(semifield, 'semifield');
  const implementation = checkImplementation(options?.implementation);
  const kind = options?.kind ?? 'corr';
  if (kind !== 'corr' && kind !== 'conv')
    throw new Error(`kind: expected 'corr' or 'conv', but got ${describeJson(kind)}`);
  const created: tf.Tensor[] = [];
  const asTensor = (value: unknown, name: string): tf.Tensor => tensorArgument(value, name, created);
  try {
    const {x: $x, filter: $filter, x4Shape} = convOperands(x, filter, asTensor);
    const info = computeSemifieldConvInfo(x4Shape, $filter.shape, options);
    const backend = tf.getBackend();
    const fusedAvailable = hasFusedKernels(backend) && sf.compositeOnly !== true;
    if (implementation === 'fused' && !fusedAvailable) {
      throw new Error(
        sf.compositeOnly === true
          ? `implementation: 'fused' was requested but semifield '${sf.name}' has no fused forms (it runs the composite path; register it with \`fused\` scalar and shader forms for fused kernels)`
          : `implementation: 'fused' was requested but backend '${backend}' has no fused semifield kernels registered`,
      );
    }
    const fused = implementation === 'fused' || (implementation === 'auto' && fusedAvailable);
    const result = tf.tidy(() => {
      const x4 = ($x.rank === 3 ? tf.expandDims($x, 0) : $x) as tf.Tensor4D;
      const w4 = (kind === 'conv' ? tf.reverse($filter, [0, 1]) : $filter) as tf.Tensor4D;
      const y = info.batch === 0 ? emptyBatch(x4, w4, info) : conv2dCore(x4, w4, sf, info, fused);
      return $x.rank === 3 ? tf.squeeze(y, [0]) : y;
    });
    return result as T;
  } finally {
    for (const t of created) t.dispose();
  }
}
