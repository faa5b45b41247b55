import * as tf from '@tensorflow/tfjs-core';
import {layers as tfl, type LayerVariable} from '@tensorflow/tfjs-layers';
import {semifieldConv2d} from '../ops/semifield_conv2d.js';
import {getSemifield} from '../semifields/registry.js';
import type {AnySemifieldConfig, Semifield, SemifieldConfigObject} from '../semifields/types.js';
import {defaultSemifieldBiasInitializer, defaultSemifieldKernelInitializer} from './default_initializers.js';
import {createKernelModule, type StructuringFunctionConfig, type SemifieldKernelModule} from './kernels/index.js';
import {structuringToSemifield} from './structuring.js';
import {
  type ActivationIdentifier,
  baseLayerArgs,
  checkDataFormat,
  type ConstraintIdentifier,
  convOutputLength,
  type Initializer,
  type InitializerIdentifier,
  parseBoolean,
  parseIntPair,
  parseKind,
  parsePadding,
  parsePositiveInt,
  type RegularizerIdentifier,
  resolveActivation,
  resolveConstraint,
  type ResolvedActivation,
  resolveInitializer,
  resolveRegularizer,
  serializeObject,
  show,
  singleInput,
  singleShape,
} from './layer_args.js';

type LayerArgs = ConstructorParameters<typeof tfl.Layer>[0];
type Kwargs = Parameters<InstanceType<typeof tfl.Layer>['call']>[1];
type Shape = Array<number | null>;

/** Arguments of {@link SemifieldConv2D}: those of `tf.layers.conv2d` plus `semifield` and `kind`. */
export interface SemifieldConv2DLayerArgs extends NonNullable<LayerArgs> {
  /** Number of output channels (filters). Required, a positive integer. */
  filters: number;
  /** Window size: a number or [height, width]. Required. */
  kernelSize: number | [number, number];
  /** Step between windows. Default 1. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same' (output size ceil(input / stride), as tf.layers.conv2d). */
  padding?: 'valid' | 'same';
  /** Only 'channelsLast' (NHWC) is supported; accepted so that conv2d configs carry over. */
  dataFormat?: 'channelsLast';
  /** Spacing of the kernel taps. Default 1. */
  dilationRate?: number | [number, number];
  /** Channel groups; must divide `filters` and (checked at build time) the input channels. Default 1. */
  groups?: number;
  /** The semifield, in its JSON config form (docs/design.md §2). Default 'maxplus'. */
  semifield?: AnySemifieldConfig;
  /** 'corr' (default, tfjs's cross-correlation) or 'conv' (mirrored kernel, as morphology defines dilation). */
  kind?: 'corr' | 'conv';
  /**
   * Kernel parametrisation: 'free' (default: every tap learned, like tf.layers.conv2d),
   * 'isotropic' or 'anisotropic' (a quadratic structuring function per (input, output) channel
   * pair, mapped into the semifield as in semifieldPooling2d), or their config objects.
   * kernelInitializer / kernelRegularizer / kernelConstraint apply to free kernels only.
   */
  kernel?: StructuringFunctionConfig;
  /** Activation applied after the bias, by name as in tf.layers.conv2d. Default 'linear'. */
  activation?: ActivationIdentifier;
  /** Whether to ⊗ a learned per-channel bias onto the output. Default true (as tf.layers.conv2d). */
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  activityRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
}

/**
 * A 2-D semifield convolution layer, drop-in where `tf.layers.conv2d` goes (NHWC):
 *
 *     y[b,i,j,o] = act( (⊕_{di,dj,c} x[b, i·sh + di·dh − pt, j·sw + dj·dw − pl, g·Cpg + c] ⊗ kernel[di,dj,c,o]) ⊗ bias[o] )
 *
 * The kernel has shape [kh, kw, inChannels / groups, filters], like conv2d's. **The bias is
 * combined with ⊗**, the semifield's multiplication: it is *added* for maxplus, minplus and log
 * (⊗ = +) and *multiplies* the output for root and linear (⊗ = ·). That keeps the layer a pure
 * semifield map (a ⊗-bias distributes over ⊕, so it is a per-channel shift / gain of the kernel
 * that can be regularised and constrained separately), and it is the reason a linear-semifield
 * layer here is not `tf.layers.conv2d` with its additive bias: put a `tf.layers.conv2d` there if
 * that is what you want. Bias initialiser default: 𝟙 (0 or 1), so an untrained bias is neutral.
 *
 * Default kernel initialisers depend on the semifield (see {@link defaultSemifieldKernelInitializer}):
 * Glorot-uniform for linear; uniform ±0.1 around 𝟙 = 0 for maxplus / minplus (a nearly flat
 * structuring element whose small spread breaks the symmetry between channels); the same around
 * −μ·log(fan-in) for log μ (cancelling the log-sum-exp offset so a constant input passes through);
 * positive and scaled by the fan-in for root (whose domain is x·w ≥ 0).
 *
 * Serialisable (`className` 'SemifieldConv2D', registered with `tf.serialization.registerClass`):
 * `model.toJSON()`, `model.save()` and `tf.loadLayersModel()` round-trip the semifield config.
 * Runs the fused kernels of the active backend when registered and the composite path elsewhere.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {layers} from 'tfjs-semifield/layers';
 * const model = tf.sequential({layers: [
 *   layers.semifieldConv2d({inputShape: [28, 28, 1], filters: 8, kernelSize: 3, semifield: 'maxplus', padding: 'same'}),
 *   tf.layers.flatten(),
 *   tf.layers.dense({units: 10, activation: 'softmax'}),
 * ]});
 * model.predict(tf.zeros([2, 28, 28, 1])); // [2, 10]
 */
export class SemifieldConv2D extends tfl.Layer {
  /** @nocollapse */
  static readonly className = 'SemifieldConv2D';

  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly groups: number;
  readonly semifield: Semifield;
  readonly kind: 'corr' | 'conv';
  readonly useBias: boolean;
  readonly activation: ResolvedActivation;
  readonly kernelModule: SemifieldKernelModule;

  private readonly kernelInitializer?: Initializer;
  private readonly biasInitializer?: Initializer;
  private readonly kernelRegularizer?: ReturnType<typeof resolveRegularizer>;
  private readonly biasRegularizer?: ReturnType<typeof resolveRegularizer>;
  private readonly kernelConstraint?: ReturnType<typeof resolveConstraint>;
  private readonly biasConstraint?: ReturnType<typeof resolveConstraint>;

  private bias: LayerVariable | null = null;

  constructor(args: SemifieldConv2DLayerArgs) {
    if (args == null || typeof args !== 'object') {
      throw new Error(
        `semifieldConv2d: expected an arguments object {filters, kernelSize, ...}, but got ${show(args)}`,
      );
    }
    // Validate everything before super(): a bad config must fail before any state is registered.
    const filters = parsePositiveInt(args.filters, 'filters');
    const kernelSize = parseIntPair(args.kernelSize, 'kernelSize');
    const strides = parseIntPair(args.strides, 'strides', [1, 1]);
    const padding = parsePadding(args.padding);
    const dilationRate = parseIntPair(args.dilationRate, 'dilationRate', [1, 1]);
    const groups = parsePositiveInt(args.groups, 'groups', 1);
    if (filters % groups !== 0) throw new Error(`groups: must divide filters (${filters}), but got ${groups}`);
    checkDataFormat(args.dataFormat);
    const semifield = getSemifield(args.semifield ?? 'maxplus', 'semifield');
    const kind = parseKind(args.kind);
    const useBias = parseBoolean(args.useBias, 'useBias', true);
    const activation = resolveActivation(args.activation);
    const kernelInitializer = resolveInitializer(args.kernelInitializer, 'kernelInitializer');
    const biasInitializer = resolveInitializer(args.biasInitializer, 'biasInitializer');
    const kernelRegularizer = resolveRegularizer(args.kernelRegularizer, 'kernelRegularizer');
    const biasRegularizer = resolveRegularizer(args.biasRegularizer, 'biasRegularizer');
    const activityRegularizer = resolveRegularizer(args.activityRegularizer, 'activityRegularizer');
    const kernelConstraint = resolveConstraint(args.kernelConstraint, 'kernelConstraint');
    const biasConstraint = resolveConstraint(args.biasConstraint, 'biasConstraint');
    const kernelModule = createKernelModule(
      args.kernel ?? 'free',
      'kernel',
      (fanIn) => kernelInitializer ?? defaultSemifieldKernelInitializer(semifield, fanIn),
    );
    if (kernelModule.type !== 'free') {
      for (const key of ['kernelInitializer', 'kernelRegularizer', 'kernelConstraint'] as const) {
        if (args[key] != null) {
          throw new Error(
            `${key}: only applies to free kernels, but kernel is '${kernelModule.type}' (its parameters are initialised by the kernel config)`,
          );
        }
      }
    }

    const ownKeys = [
      'filters',
      'kernelSize',
      'strides',
      'padding',
      'dataFormat',
      'dilationRate',
      'groups',
      'semifield',
      'kind',
      'kernel',
      'activation',
      'useBias',
      'kernelInitializer',
      'biasInitializer',
      'kernelRegularizer',
      'biasRegularizer',
      'activityRegularizer',
      'kernelConstraint',
      'biasConstraint',
    ] as const;
    super(baseLayerArgs(args, ownKeys));
    this.filters = filters;
    this.kernelSize = kernelSize;
    this.strides = strides;
    this.padding = padding;
    this.dilationRate = dilationRate;
    this.groups = groups;
    this.semifield = semifield;
    this.kind = kind;
    this.useBias = useBias;
    this.activation = activation;
    this.kernelInitializer = kernelInitializer;
    this.biasInitializer = biasInitializer;
    this.kernelRegularizer = kernelRegularizer;
    this.biasRegularizer = biasRegularizer;
    this.kernelConstraint = kernelConstraint;
    this.biasConstraint = biasConstraint;
    this.kernelModule = kernelModule;
    if (activityRegularizer != null) this.activityRegularizer = activityRegularizer;
    this.inputSpec = [{ndim: 4}];
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, this.name);
    if (shape.length !== 4) {
      throw new Error(
        `${this.name}: expected input of rank 4 [batch, height, width, channels], but got shape [${shape}]`,
      );
    }
    const inChannels = shape[3];
    if (inChannels == null)
      throw new Error(`${this.name}: the channel dimension of the input must be known, but got shape [${shape}]`);
    if (inChannels % this.groups !== 0) {
      throw new Error(
        `groups: must divide the input channels (${inChannels}), but got ${this.groups} (layer ${this.name})`,
      );
    }
    this.kernelModule.build(
      (name, shape, initializer) =>
        this.addWeight(name, shape, 'float32', initializer, this.kernelRegularizer, true, this.kernelConstraint),
      this.kernelSize,
      inChannels / this.groups,
      this.filters,
    );
    if (this.useBias) {
      const biasInit = this.biasInitializer ?? defaultSemifieldBiasInitializer(this.semifield);
      this.bias = this.addWeight(
        'bias',
        [this.filters],
        'float32',
        biasInit,
        this.biasRegularizer,
        true,
        this.biasConstraint,
      );
    }
    this.inputSpec = [{ndim: 4, axes: {[-1]: inChannels}}];
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, this.name);
      let y: tf.Tensor = semifieldConv2d(x as tf.Tensor4D, this.filter(), this.semifield, {
        strides: this.strides,
        pad: this.padding,
        dilations: this.dilationRate,
        groups: this.groups,
        kind: this.kind,
      });
      if (this.bias != null) {
        const bias = this.bias.read();
        y = this.semifield.multiplicative ? tf.mul(y, bias) : tf.add(y, bias);
      }
      return this.activation.apply(y);
    });
  }

  /** The [kh, kw, inChannels / groups, filters] semifield kernel currently applied (a new tensor; dispose it). */
  filter(): tf.Tensor4D {
    return tf.tidy(() => {
      const raw = this.kernelModule.compute();
      return this.kernelModule.domain === 'structuring' ? structuringToSemifield(raw, this.semifield) : raw;
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, this.name);
    return [
      shape[0],
      convOutputLength(shape[1], this.kernelSize[0], this.padding, this.strides[0], this.dilationRate[0]),
      convOutputLength(shape[2], this.kernelSize[1], this.padding, this.strides[1], this.dilationRate[1]),
      this.filters,
    ];
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: 'channelsLast',
      dilationRate: this.dilationRate,
      groups: this.groups,
      semifield: {...this.semifield.config} as SemifieldConfigObject as unknown as tf.serialization.ConfigDict,
      kind: this.kind,
      kernel: this.kernelModule.getConfig() as unknown as tf.serialization.ConfigDict,
      activation: this.activation.name,
      useBias: this.useBias,
      // null means "the semifield's default", which is resolved again on load.
      kernelInitializer: serializeObject(this.kernelInitializer) as unknown as tf.serialization.ConfigDict,
      biasInitializer: serializeObject(this.biasInitializer) as unknown as tf.serialization.ConfigDict,
      kernelRegularizer: serializeObject(this.kernelRegularizer) as unknown as tf.serialization.ConfigDict,
      biasRegularizer: serializeObject(this.biasRegularizer) as unknown as tf.serialization.ConfigDict,
      activityRegularizer: serializeObject(this.activityRegularizer) as unknown as tf.serialization.ConfigDict,
      kernelConstraint: serializeObject(this.kernelConstraint) as unknown as tf.serialization.ConfigDict,
      biasConstraint: serializeObject(this.biasConstraint) as unknown as tf.serialization.ConfigDict,
    };
    return {...super.getConfig(), ...config};
  }
}
tf.serialization.registerClass(SemifieldConv2D);
