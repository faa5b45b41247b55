import {layers as tfl} from '@tensorflow/tfjs-layers';
import type {SemifieldKernelModule} from './kernels/index.js';
import {singleShape} from './layer_args.js';

type LayerArgs = ConstructorParameters<typeof tfl.Layer>[0];
type Shape = Array<number | null>;

/**
 * Base of the layers that apply one learnable structuring function per channel (depthwise: the
 * convolution's groups equal the channels): {@link SemifieldPooling2D} and the morphological
 * opening, closing and top-hat layers. The weights — the [kh, kw, 1, C] parameters of
 * `kernelModule` — can only be made once the channel count C of the input is known, in `build`.
 */
export abstract class DepthwiseStructuringLayer2D extends tfl.Layer {
  /** The parametrisation of the structuring function (isotropic, anisotropic or free). */
  readonly kernelModule: SemifieldKernelModule;

  protected constructor(base: LayerArgs, kernelModule: SemifieldKernelModule) {
    super(base);
    this.kernelModule = kernelModule;
    this.inputSpec = [{ndim: 4}];
  }

  /** The window [height, width] the structuring function covers (poolSize, kernelSize). */
  protected abstract windowSize(): [number, number];

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, this.name);
    if (shape.length !== 4)
      throw new Error(
        `${this.name}: expected input of rank 4 [batch, height, width, channels], but got shape [${shape}]`,
      );
    const channels = shape[3];
    if (channels == null)
      throw new Error(`${this.name}: the channel dimension of the input must be known, but got shape [${shape}]`);
    this.kernelModule.build(
      (name, weightShape, initializer) => this.addWeight(name, weightShape, 'float32', initializer, undefined, true),
      this.windowSize(),
      1,
      channels,
    );
    this.inputSpec = [{ndim: 4, axes: {[-1]: channels}}];
    this.built = true;
  }
}
