import type * as tf from '@tensorflow/tfjs-core';
import type {LayerVariable} from '@tensorflow/tfjs-layers';
import type {Initializer} from '../layer_args.js';

/**
 * How a kernel module creates its weights: the host layer's `addWeight`, bound (it is protected on
 * tf.layers.Layer, so the layer hands it over).
 */
export type AddWeight = (name: string, shape: number[], initializer: Initializer) => LayerVariable;

/**
 * A learnable kernel module (the `kernel` argument of the semifield layers): owns its parameters
 * (created in `build` through the host layer, so they are ordinary trainable layer weights that
 * `model.fit`, `model.save` and `getWeights` see) and produces the [kh, kw, I, O] filter from them
 * with differentiable tfjs ops, so gradients of the semifield op flow back into the parameters.
 * Pooling and morphology layers use I = 1, O = channels (depthwise); SemifieldConv2D uses
 * I = input channels / groups, O = filters. Quadratic parameters are per (i, o) pair.
 */
export interface SemifieldKernelModule {
  /** Parametrisation name, as in the serialised config. */
  readonly type: 'free' | 'isotropic' | 'anisotropic';
  /**
   * 'semifield': the filter is used as is (free kernels hold semifield values).
   * 'structuring': the filter is an additive structuring function q ≤ 0 with q(0) = 0 (quadratic
   * kernels); the host maps it into its semifield so the centre tap is 𝟙 and far taps tend to 𝟘.
   */
  readonly domain: 'semifield' | 'structuring';
  /** Create the weights of a [kernelSize, inChannels, outChannels] kernel. */
  build(addWeight: AddWeight, kernelSize: [number, number], inChannels: number, outChannels: number): void;
  /** The [kh, kw, I, O] filter from the current weights (a new tensor). */
  compute(): tf.Tensor4D;
  /** JSON config that recreates this module (weights are saved separately by tfjs). */
  getConfig(): StructuringFunctionConfigObject;
}

/** Config of a free kernel: learned tap values, initialised by `initializer` (default: per semifield). */
export interface FreeKernelConfig {
  type: 'free';
  /** tfjs initializer name or {className, config}; default depends on the host layer's semifield. */
  initializer?: string | {className: string; config: Record<string, unknown>} | null;
}

/** Config of the isotropic quadratic kernel −‖z‖²/(4s), one learnable log s per channel. */
export interface IsotropicKernelConfig {
  type: 'isotropic';
  /** 'scale-space' (default): s evenly spread over `scaleRange` across channels. A number: every s equal to it. */
  init?: 'scale-space' | number;
  /** [smallest, largest] initial scale for 'scale-space'. Default [r²/8, r²], r the window radius (≥ 0.5). */
  scaleRange?: [number, number];
}

/** Config of the anisotropic quadratic kernel −zᵀΣ⁻¹z/4 with Σ⁻¹ = R(θ)·diag(e^{−2a}, e^{−2b})·R(θ)ᵀ. */
export interface AnisotropicKernelConfig {
  type: 'anisotropic';
  /** 'orientation-space' (default): θ evenly spread over [0, π) across channels, fixed axis scales. */
  init?: 'orientation-space';
  /** Initial scales [e^{2a} (long axis), e^{2b} (short axis)]. Default [r², r²/8]. */
  axisScales?: [number, number];
}

/** The config object of one structuring-function parametrisation (as `getConfig` writes it). */
export type StructuringFunctionConfigObject = FreeKernelConfig | IsotropicKernelConfig | AnisotropicKernelConfig;
/**
 * What users may pass as a layer's `kernel` argument: the parametrisation of its structuring
 * function (a name or its config object). Not tfjs's `KernelConfig` (a backend kernel registration).
 */
export type StructuringFunctionConfig = 'free' | 'isotropic' | 'anisotropic' | StructuringFunctionConfigObject;
