import * as tf from '@tensorflow/tfjs-core';
import {MorphologicalLayer2D, type MorphologicalLayer2DArgs} from './morphological_layer.js';
import {show} from './layer_args.js';

type Kwargs = Parameters<MorphologicalLayer2D['call']>[1];

/** Arguments of {@link MorphologicalTopHat2D}: those of the opening / closing layers plus `type`. */
export interface MorphologicalTopHat2DArgs extends MorphologicalLayer2DArgs {
  /** 'white' (default): x − opening(x), the bright details; 'black': closing(x) − x, the dark ones. */
  type?: 'white' | 'black';
}

/**
 * Morphological top-hat with a learnable structuring function per channel (the layer form of
 * `morphology.topHat` / `morphology.bottomHat`): 'white' x − δ_b(ε_b(x)), 'black' ε_b(δ_b(x)) − x.
 * The output has the input's shape (padding must be 'same'); it is ≥ 0 with 'maxplus'. Typical use:
 * a learned background removal in front of a classifier.
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import {layers} from 'tfjs-semifield/layers';
 * const th = layers.morphologicalTopHat2d({kernelSize: 5, kernel: 'free'});
 * const details = th.apply(tf.randomUniform([1, 16, 16, 1])) as tf.Tensor; // ≥ 0
 */
export class MorphologicalTopHat2D extends MorphologicalLayer2D {
  /** @nocollapse */
  static readonly className = 'MorphologicalTopHat2D';
  readonly type: 'white' | 'black';
  protected readonly order: 'erosion-first' | 'dilation-first';

  constructor(args: MorphologicalTopHat2DArgs = {}) {
    const type = args?.type ?? 'white';
    if (type !== 'white' && type !== 'black')
      throw new Error(`morphologicalTopHat2d: type: expected 'white' or 'black', but got ${show(type)}`);
    if (args?.padding !== undefined && args.padding !== 'same') {
      throw new Error(
        `morphologicalTopHat2d: padding: expected 'same' (the top-hat subtracts the input), but got ${show(args.padding)}`,
      );
    }
    const {type: _t, ...rest} = args ?? {};
    super(rest, 'morphologicalTopHat2d');
    this.type = type;
    this.order = type === 'white' ? 'erosion-first' : 'dilation-first';
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const filtered = super.call(x, kwargs);
      return this.type === 'white' ? tf.sub(x, filtered) : tf.sub(filtered, x);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), type: this.type};
  }
}
tf.serialization.registerClass(MorphologicalTopHat2D);
