import * as tf from '@tensorflow/tfjs-core';
import {MorphologicalLayer2D, type MorphologicalLayer2DArgs} from './morphological_layer.js';

/**
 * Morphological closing with a learnable structuring function per channel: dilation, then erosion
 * with the same kernel, ε_b(δ_b(x)). Fills dark details smaller than the structuring element;
 * extensive (output ≥ input) and idempotent with 'maxplus', stride 1 and odd windows. See
 * {@link MorphologicalLayer2D} for the adjoint pair used and the arguments.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {layers} from 'tfjs-semifield/layers';
 * const closing = layers.morphologicalClosing2d({kernelSize: 5, kernel: 'anisotropic'});
 * const y = closing.apply(tf.randomUniform([1, 8, 8, 2])) as tf.Tensor; // y ≥ x everywhere
 */
export class MorphologicalClosing2D extends MorphologicalLayer2D {
  /** @nocollapse */
  static readonly className = 'MorphologicalClosing2D';
  protected readonly order = 'dilation-first' as const;

  constructor(args: MorphologicalLayer2DArgs = {}) {
    super(args, 'morphologicalClosing2d');
  }
}
tf.serialization.registerClass(MorphologicalClosing2D);
