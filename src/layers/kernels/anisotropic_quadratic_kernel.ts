import * as tf from '@tensorflow/tfjs-core';
import {initializers, type LayerVariable} from '@tensorflow/tfjs-layers';
import {checkPositivePair, tapOffsets, windowRadius} from './grid.js';
import type {AddWeight, AnisotropicKernelConfig, SemifieldKernelModule} from './types.js';
import {describeJson} from '../../ops/describe.js';

/**
 * Anisotropic quadratic structuring function q_c(z) = −zᵀ Σ_c⁻¹ z / 4 with
 * Σ_c⁻¹ = R(θ_c)·diag(e^{−2a_c}, e^{−2b_c})·R(θ_c)ᵀ: an elliptic paraboloid whose first axis
 * points at angle θ (from the row axis towards the column axis) with scale e^{2a}, the second with
 * scale e^{2b}. θ, a, b are learnable per channel (per (input, output) channel pair of the kernel:
 * weights 'theta', 'log_std_a', 'log_std_b' of shape [I, O]); a = b gives the isotropic kernel with
 * s = e^{2a}. Initialisation 'orientation-space': θ evenly spread over [0, π) across the I·O
 * kernels (the kernel has period π in θ), all with the same elongation `axisScales`.
 *
 * In the rotated frame u = z1·cosθ + z2·sinθ, v = −z1·sinθ + z2·cosθ, so
 * q = −(u²·e^{−2a} + v²·e^{−2b}) / 4, which is what `compute` evaluates.
 *
 * @example
 * const pool = layers.semifieldPooling2d({poolSize: 5, strides: 2, padding: 'same', kernel: 'anisotropic'});
 */
export class AnisotropicQuadraticKernel implements SemifieldKernelModule {
  readonly type = 'anisotropic' as const;
  readonly domain = 'structuring' as const;
  private readonly axisScales?: [number, number];
  private kernelSize: [number, number] = [1, 1];
  private theta: LayerVariable | null = null;
  private logScaleA: LayerVariable | null = null;
  private logScaleB: LayerVariable | null = null;

  constructor(config: AnisotropicKernelConfig, argName: string) {
    const init = config.init ?? 'orientation-space';
    if (init !== 'orientation-space')
      throw new Error(`${argName}.init: expected 'orientation-space', but got ${describeJson(init)}`);
    this.axisScales = checkPositivePair(config.axisScales, `${argName}.axisScales`);
  }

  build(addWeight: AddWeight, kernelSize: [number, number], inChannels: number, outChannels: number): void {
    this.kernelSize = kernelSize;
    const r2 = windowRadius(kernelSize) ** 2;
    const [long, short] = this.axisScales ?? [r2, r2 / 8];
    const count = inChannels * outChannels;
    const thetas = new Float32Array(count);
    for (let k = 0; k < count; k++) thetas[k] = (Math.PI * k) / count;
    const theta = addWeight('theta', [inChannels, outChannels], initializers.zeros());
    tf.tidy(() => void theta.write(tf.tensor2d(thetas, [inChannels, outChannels])));
    this.theta = theta;
    // e^{2a} is a scale (variance-like), so a = ½·log(scale).
    this.logScaleA = addWeight(
      'log_std_a',
      [inChannels, outChannels],
      initializers.constant({value: 0.5 * Math.log(long)}),
    );
    this.logScaleB = addWeight(
      'log_std_b',
      [inChannels, outChannels],
      initializers.constant({value: 0.5 * Math.log(short)}),
    );
  }

  compute(): tf.Tensor4D {
    return tf.tidy(() => {
      const {z1, z2} = tapOffsets(this.kernelSize);
      const theta = this.theta!.read();
      const cos = tf.cos(theta);
      const sin = tf.sin(theta);
      const u = tf.add(tf.mul(z1, cos), tf.mul(z2, sin)); // [kh, kw, I, O]
      const v = tf.sub(tf.mul(z2, cos), tf.mul(z1, sin));
      const inverseA = tf.exp(tf.mul(-2, this.logScaleA!.read()));
      const inverseB = tf.exp(tf.mul(-2, this.logScaleB!.read()));
      const form = tf.add(tf.mul(tf.square(u), inverseA), tf.mul(tf.square(v), inverseB));
      return tf.mul(-0.25, form) as tf.Tensor4D;
    });
  }

  getConfig(): AnisotropicKernelConfig {
    return {type: 'anisotropic', init: 'orientation-space', ...(this.axisScales ? {axisScales: this.axisScales} : {})};
  }
}
