import * as tf from '@tensorflow/tfjs-core';
import {initializers, layers as tfl} from '@tensorflow/tfjs-layers';
import {semifieldConv2d} from '../ops/semifield_conv2d.js';
import {getSemifield} from '../semifields/registry.js';
import type {AnySemifieldConfig, Semifield} from '../semifields/types.js';
import {DepthwiseStructuringLayer2D} from './depthwise_structuring.js';
import {createKernelModule, type StructuringFunctionConfig} from './kernels/index.js';
import {
  baseLayerArgs,
  checkDataFormat,
  convOutputLength,
  type Initializer,
  parseIntPair,
  parseKind,
  parsePadding,
  show,
  singleInput,
  singleShape,
} from './layer_args.js';
import {structuringToSemifield} from './structuring.js';

type LayerArgs = ConstructorParameters<typeof tfl.Layer>[0];
type Kwargs = Parameters<InstanceType<typeof tfl.Layer>['call']>[1];
type Shape = Array<number | null>;

/** Arguments of {@link SemifieldPooling2D} (those of `tf.layers.maxPooling2d` plus the semifield and kernel). */
export interface SemifieldPooling2DLayerArgs extends NonNullable<LayerArgs> {
  /** Window size: a number or [height, width]. Default 2 (as tf.layers.maxPooling2d). */
  poolSize?: number | [number, number];
  /** Step between windows. Default: `poolSize` (as tf.layers.maxPooling2d). */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same'. */
  padding?: 'valid' | 'same';
  /** Spacing of the window taps. Default 1. */
  dilationRate?: number | [number, number];
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
  /** The semifield (JSON config form). Default 'maxplus'. */
  semifield?: AnySemifieldConfig;
  /** 'corr' (default) or 'conv' (mirrored kernel; only differs for non-symmetric free kernels). */
  kind?: 'corr' | 'conv';
  /**
   * The kernel parametrisation: 'isotropic' (default; −‖z‖²/(4s), learnable log s per channel,
   * scale-space init), 'anisotropic' (−zᵀΣ⁻¹z/4 with learnable orientation and two axis scales per
   * channel, orientation-space init) or 'free' (every tap learned), or their config objects.
   */
  kernel?: StructuringFunctionConfig;
}

/** What a free pooling kernel starts at: 𝟙 everywhere (plain max / min / log-sum-exp / p-norm pooling), mean for linear. */
function defaultFreePoolingInitializer(sf: Semifield, poolSize: [number, number]): Initializer {
  if (sf.config.name === 'linear') return initializers.constant({value: 1 / (poolSize[0] * poolSize[1])});
  return sf.one === 0 ? initializers.zeros() : initializers.ones();
}

/**
 * Learnable semifield pooling: a depthwise semifield convolution (groups = channels) whose
 * [kh, kw, 1, C] kernel is produced by a small parametrised module, so the pooling shape of every
 * channel is learned. With max-plus and a quadratic kernel this is the learned quadratic dilation
 * that the semifield-convolution line of work uses in place of max pooling; with a free max-plus
 * kernel initialised to 0 it starts out exactly as `tf.layers.maxPooling2d`.
 *
 * Quadratic kernels produce an additive structuring function q ≤ 0 (q = 0 at the window centre);
 * the layer maps it into its semifield so the centre tap is 𝟙 and far taps tend to 𝟘
 * (q for maxplus / log μ>0, −q for minplus / log μ<0, e^{q} for linear / root p>0, e^{−q} for root
 * p<0). Free kernels hold semifield values directly. Root semifields work on inputs ≥ 0 (after a
 * ReLU); negative terms are clamped to 0.
 *
 * The output has as many channels as the input; shape arithmetic is that of tf.layers.maxPooling2d.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {layers} from 'tfjs-semifield/layers';
 * const model = tf.sequential({layers: [
 *   tf.layers.conv2d({inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu'}),
 *   layers.semifieldPooling2d({poolSize: 3, strides: 2, padding: 'same', semifield: 'maxplus', kernel: 'isotropic'}),
 *   tf.layers.flatten(),
 *   tf.layers.dense({units: 10, activation: 'softmax'}),
 * ]});
 * model.predict(tf.zeros([1, 28, 28, 1])); // [1, 10]
 */
export class SemifieldPooling2D extends DepthwiseStructuringLayer2D {
  /** @nocollapse */
  static readonly className = 'SemifieldPooling2D';

  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly semifield: Semifield;
  readonly kind: 'corr' | 'conv';

  constructor(args: SemifieldPooling2DLayerArgs = {}) {
    if (args == null || typeof args !== 'object')
      throw new Error(`semifieldPooling2d: expected an arguments object, but got ${show(args)}`);
    const poolSize = parseIntPair(args.poolSize, 'poolSize', [2, 2]);
    const strides = parseIntPair(args.strides, 'strides', poolSize);
    const padding = parsePadding(args.padding);
    const dilationRate = parseIntPair(args.dilationRate, 'dilationRate', [1, 1]);
    checkDataFormat(args.dataFormat);
    const semifield = getSemifield(args.semifield ?? 'maxplus', 'semifield');
    const kind = parseKind(args.kind);
    const kernelModule = createKernelModule(args.kernel ?? 'isotropic', 'kernel', () =>
      defaultFreePoolingInitializer(semifield, poolSize),
    );
    const ownKeys = [
      'poolSize',
      'strides',
      'padding',
      'dilationRate',
      'dataFormat',
      'semifield',
      'kind',
      'kernel',
    ] as const;
    super(baseLayerArgs(args, ownKeys), kernelModule);
    this.poolSize = poolSize;
    this.strides = strides;
    this.padding = padding;
    this.dilationRate = dilationRate;
    this.semifield = semifield;
    this.kind = kind;
  }

  protected override windowSize(): [number, number] {
    return this.poolSize;
  }

  /** The [kh, kw, 1, C] semifield filter the layer currently applies (a new tensor; dispose it). */
  filter(): tf.Tensor4D {
    return tf.tidy(() => {
      const raw = this.kernelModule.compute();
      return this.kernelModule.domain === 'structuring' ? structuringToSemifield(raw, this.semifield) : raw;
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, this.name) as tf.Tensor4D;
      return semifieldConv2d(x, this.filter(), this.semifield, {
        strides: this.strides,
        pad: this.padding,
        dilations: this.dilationRate,
        groups: x.shape[3],
        kind: this.kind,
      });
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, this.name);
    return [
      shape[0],
      convOutputLength(shape[1], this.poolSize[0], this.padding, this.strides[0], this.dilationRate[0]),
      convOutputLength(shape[2], this.poolSize[1], this.padding, this.strides[1], this.dilationRate[1]),
      shape[3],
    ];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      poolSize: this.poolSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      dataFormat: 'channelsLast',
      semifield: {...this.semifield.config} as unknown as tf.serialization.ConfigDict,
      kind: this.kind,
      kernel: this.kernelModule.getConfig() as unknown as tf.serialization.ConfigDict,
    };
  }
}
tf.serialization.registerClass(SemifieldPooling2D);
