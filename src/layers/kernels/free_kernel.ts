import type * as tf from '@tensorflow/tfjs-core';
import type {LayerVariable} from '@tensorflow/tfjs-layers';
import {type Initializer, resolveInitializer, serializeObject} from '../layer_args.js';
import type {AddWeight, FreeKernelConfig, SemifieldKernelModule} from './types.js';

/**
 * Free kernel: every tap of every channel is its own learned value, held directly in the semifield
 * (for max-plus, the additive structuring element; for root / linear, the multiplicative weight).
 *
 * @example
 * const pool = layers.semifieldPooling2d({poolSize: 3, strides: 2, kernel: {type: 'free'}});
 */
export class FreeKernel implements SemifieldKernelModule {
  readonly type = 'free' as const;
  readonly domain = 'semifield' as const;
  private readonly initializer?: Initializer;
  private weight: LayerVariable | null = null;

  /**
   * @param config The serialised config.
   * @param defaultInitializer Used when `config.initializer` is absent: the host layer picks it
   *   from its semifield and the kernel's fan-in kh·kw·I (e.g. 𝟙 everywhere, which makes max-plus
   *   pooling start as max pooling).
   */
  constructor(
    config: FreeKernelConfig,
    argName: string,
    private readonly defaultInitializer: (fanIn: number) => Initializer,
  ) {
    this.initializer = resolveInitializer(config.initializer ?? undefined, `${argName}.initializer`);
  }

  build(addWeight: AddWeight, kernelSize: [number, number], inChannels: number, outChannels: number): void {
    const [kh, kw] = kernelSize;
    this.weight = addWeight(
      'kernel',
      [kh, kw, inChannels, outChannels],
      this.initializer ?? this.defaultInitializer(kh * kw * inChannels),
    );
  }

  /** The initializer given in the config, if any. */
  get configuredInitializer(): Initializer | undefined {
    return this.initializer;
  }

  compute(): tf.Tensor4D {
    // A copy, so that callers may dispose what compute() returns, as with the other modules.
    return this.weight!.read().clone() as tf.Tensor4D;
  }

  getConfig(): FreeKernelConfig {
    return {type: 'free', initializer: serializeObject(this.initializer) as FreeKernelConfig['initializer']};
  }
}
