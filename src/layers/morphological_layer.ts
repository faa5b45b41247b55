import * as tf from '@tensorflow/tfjs-core';
import {initializers, layers as tfl} from '@tensorflow/tfjs-layers';
import {semifieldConv2d} from '../ops/semifield_conv2d.js';
import {getSemifield} from '../semifields/registry.js';
import type {Semifield, SemifieldConfig} from '../semifields/types.js';
import {DepthwiseStructuringLayer2D} from './depthwise_structuring.js';
import {createKernelModule, type StructuringFunctionConfig} from './kernels/index.js';
import {
  baseLayerArgs,
  checkDataFormat,
  convOutputLength,
  parseIntPair,
  parsePadding,
  show,
  singleInput,
  singleShape,
} from './layer_args.js';

type LayerArgs = ConstructorParameters<typeof tfl.Layer>[0];
type Kwargs = Parameters<InstanceType<typeof tfl.Layer>['call']>[1];
type Shape = Array<number | null>;

/** Arguments of the morphological opening / closing layers. */
export interface MorphologicalLayer2DArgs extends NonNullable<LayerArgs> {
  /** Structuring-element window: a number or [height, width]. Default 3. */
  kernelSize?: number | [number, number];
  /** 'same' (default: the output has the input's size) or 'valid' (each of the two steps shrinks it). */
  padding?: 'valid' | 'same';
  /** Spacing of the window taps. Default 1. */
  dilationRate?: number | [number, number];
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
  /**
   * The dilation's semifield: 'maxplus' (default, exact morphology) or {name: 'log', mu > 0}
   * (soft morphology). The erosion uses the dual: minplus, or log with −μ.
   */
  semifield?: SemifieldConfig;
  /** The structuring function's parametrisation (as for semifieldPooling2d). Default 'isotropic'. */
  kernel?: StructuringFunctionConfig;
}

/** The (dilation, erosion) semifield pair of an adjunction. */
function adjointPair(config: SemifieldConfig | undefined): {dilation: Semifield; erosion: Semifield} {
  const dilation = getSemifield(config ?? 'maxplus', 'semifield');
  if (dilation.config.name === 'maxplus') return {dilation, erosion: getSemifield('minplus')};
  if (dilation.config.name === 'log' && dilation.config.mu > 0) {
    return {dilation, erosion: getSemifield({name: 'log', mu: -dilation.config.mu})};
  }
  throw new Error(
    `semifield: expected 'maxplus' or {name: 'log', mu > 0} (the dilation's semifield; the erosion uses its dual), but got ${show(config)}`,
  );
}

/**
 * Shared machinery of the opening and closing layers: one learnable structuring function b per
 * channel (depthwise), applied as the adjoint pair
 *
 *     dilation δ_b(f)(x) = ⊕max_y f(x − y) + b(y)     (max-plus, kind 'conv': mirrored)
 *     erosion  ε_b(f)(x) = ⊕min_y f(x + y) − b(y)     (min-plus, kind 'corr', kernel −b)
 *
 * With this pairing (and stride 1, odd windows), opening δ∘ε is anti-extensive (≤ f) and
 * idempotent and closing ε∘δ is extensive (≥ f) — the properties morphology relies on. The
 * log semifields give the smooth versions (log μ for the dilation, log −μ for the erosion).
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {layers} from 'tfjs-semifield/layers';
 * const closing = layers.morphologicalClosing2d({kernelSize: 3});
 * const x = tf.randomUniform([1, 8, 8, 2]) as tf.Tensor4D;
 * closing.build(x.shape);
 * const b = closing.structuringFunction();            // [3, 3, 1, 2]
 * const dilated = closing.dilate(x, b);               // δ_b(x) alone
 */
export abstract class MorphologicalLayer2D extends DepthwiseStructuringLayer2D {
  readonly kernelSize: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly dilationSemifield: Semifield;
  readonly erosionSemifield: Semifield;
  /** Which step runs first. */
  protected abstract readonly order: 'erosion-first' | 'dilation-first';

  constructor(args: MorphologicalLayer2DArgs = {}, layerName: string) {
    if (args == null || typeof args !== 'object')
      throw new Error(`${layerName}: expected an arguments object, but got ${show(args)}`);
    const kernelSize = parseIntPair(args.kernelSize, 'kernelSize', [3, 3]);
    const padding = parsePadding(args.padding, 'padding', 'same');
    const dilationRate = parseIntPair(args.dilationRate, 'dilationRate', [1, 1]);
    checkDataFormat(args.dataFormat);
    const {dilation, erosion} = adjointPair(args.semifield);
    // A free structuring element starts flat (0 everywhere): the plain opening / closing by a square.
    const kernelModule = createKernelModule(args.kernel ?? 'isotropic', 'kernel', () => initializers.zeros());
    const ownKeys = ['kernelSize', 'padding', 'dilationRate', 'dataFormat', 'semifield', 'kernel'] as const;
    super(baseLayerArgs(args, ownKeys), kernelModule);
    this.kernelSize = kernelSize;
    this.padding = padding;
    this.dilationRate = dilationRate;
    this.dilationSemifield = dilation;
    this.erosionSemifield = erosion;
  }

  protected override windowSize(): [number, number] {
    return this.kernelSize;
  }

  /** The structuring function b, [kh, kw, 1, C] (a new tensor; dispose it). */
  structuringFunction(): tf.Tensor4D {
    return this.kernelModule.compute();
  }

  /** δ_b(x): max-plus (or log μ) with the mirrored kernel. */
  dilate(x: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
    const options = {pad: this.padding, dilations: this.dilationRate, groups: x.shape[3], kind: 'conv' as const};
    return semifieldConv2d(x, b, this.dilationSemifield, options);
  }

  /** ε_b(x): min-plus (or log −μ) with −b. */
  erode(x: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const options = {pad: this.padding, dilations: this.dilationRate, groups: x.shape[3], kind: 'corr' as const};
      return semifieldConv2d(x, tf.neg(b), this.erosionSemifield, options);
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, this.name) as tf.Tensor4D;
      const b = this.structuringFunction();
      return this.order === 'erosion-first' ? this.dilate(this.erode(x, b), b) : this.erode(this.dilate(x, b), b);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, this.name);
    const twice = (length: number | null, axis: 0 | 1) => {
      const once = convOutputLength(length, this.kernelSize[axis], this.padding, 1, this.dilationRate[axis]);
      return convOutputLength(once, this.kernelSize[axis], this.padding, 1, this.dilationRate[axis]);
    };
    return [shape[0], twice(shape[1], 0), twice(shape[2], 1), shape[3]];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize,
      padding: this.padding,
      dilationRate: this.dilationRate,
      dataFormat: 'channelsLast',
      semifield: {...this.dilationSemifield.config} as unknown as tf.serialization.ConfigDict,
      kernel: this.kernelModule.getConfig() as unknown as tf.serialization.ConfigDict,
    };
  }
}
