import * as tf from '@tensorflow/tfjs-core';
import {MorphologicalLayer2D, type MorphologicalLayer2DArgs} from './morphological_layer.js';

/**
 * Morphological opening with a learnable structuring function per channel: erosion, then dilation
 * with the same kernel, δ_b(ε_b(x)). Removes bright details smaller than the structuring element;
 * anti-extensive (output ≤ input) and idempotent with 'maxplus', stride 1 and odd windows. See
 * {@link MorphologicalLayer2D} for the adjoint pair used and the arguments.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {layers} from 'tfjs-semifield/layers';
 * const opening = layers.morphologicalOpening2d({kernelSize: 3, kernel: {type: 'free'}});
 * const y = opening.apply(tf.randomUniform([1, 8, 8, 2])) as tf.Tensor; // y ≤ x everywhere
 */
export class MorphologicalOpening2D extends MorphologicalLayer2D {
  /** @nocollapse */
  static readonly className = 'MorphologicalOpening2D';
  protected readonly order = 'erosion-first' as const;

  constructor(args: MorphologicalLayer2DArgs = {}) {
    super(args, 'morphologicalOpening2d');
  }
}
tf.serialization.registerClass(MorphologicalOpening2D);
