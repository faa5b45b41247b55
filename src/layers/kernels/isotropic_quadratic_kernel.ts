import * as tf from '@tensorflow/tfjs-core';
import {initializers, type LayerVariable} from '@tensorflow/tfjs-layers';
import {checkPositivePair, evenlySpread, tapOffsets, windowRadius} from './grid.js';
import type {AddWeight, IsotropicKernelConfig, SemifieldKernelModule} from './types.js';
import {describeJson} from '../../ops/describe.js';

/**
 * Isotropic quadratic structuring function q(z) = −‖z‖² / (4·s), the morphological scale-space
 * kernel at scale s, with one learnable log-scale per channel — per (input, output) channel pair
 * of the kernel, weight 'log_scale' of shape [I, O] — (log so that s stays positive under any
 * gradient step). Initialisation 'scale-space': s evenly spread over `scaleRange` across the
 * I·O kernels, so the layer starts with a range of widths.
 *
 * @example
 * const pool = layers.semifieldPooling2d({poolSize: 3, strides: 2, kernel: {type: 'isotropic', scaleRange: [0.2, 2]}});
 */
export class IsotropicQuadraticKernel implements SemifieldKernelModule {
  readonly type = 'isotropic' as const;
  readonly domain = 'structuring' as const;
  private readonly init: 'scale-space' | number;
  private readonly scaleRange?: [number, number];
  private kernelSize: [number, number] = [1, 1];
  private logScale: LayerVariable | null = null;

  constructor(config: IsotropicKernelConfig, argName: string) {
    const init = config.init ?? 'scale-space';
    if (init !== 'scale-space' && !(typeof init === 'number' && Number.isFinite(init) && init > 0)) {
      throw new Error(`${argName}.init: expected 'scale-space' or a positive scale, but got ${describeJson(init)}`);
    }
    this.init = init;
    this.scaleRange = checkPositivePair(config.scaleRange, `${argName}.scaleRange`);
  }

  build(addWeight: AddWeight, kernelSize: [number, number], inChannels: number, outChannels: number): void {
    this.kernelSize = kernelSize;
    const r2 = windowRadius(kernelSize) ** 2;
    const [lo, hi] = this.scaleRange ?? [r2 / 8, r2];
    const count = inChannels * outChannels;
    const scales =
      typeof this.init === 'number' ? new Float32Array(count).fill(this.init) : evenlySpread(count, lo, hi);
    const logScale = addWeight('log_scale', [inChannels, outChannels], initializers.zeros());
    tf.tidy(() => void logScale.write(tf.log(tf.tensor2d(scales, [inChannels, outChannels]))));
    this.logScale = logScale;
  }

  compute(): tf.Tensor4D {
    return tf.tidy(() => {
      const {z1, z2} = tapOffsets(this.kernelSize);
      const squaredNorm = tf.add(tf.square(z1), tf.square(z2));
      const coefficient = tf.mul(-0.25, tf.exp(tf.neg(this.logScale!.read()))); // −1/(4s), [I, O]
      return tf.mul(squaredNorm, coefficient) as tf.Tensor4D;
    });
  }

  getConfig(): IsotropicKernelConfig {
    return {type: 'isotropic', init: this.init, ...(this.scaleRange ? {scaleRange: this.scaleRange} : {})};
  }
}
