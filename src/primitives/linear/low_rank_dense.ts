import * as tf from '@tensorflow/tfjs-core';
import {initializers, layers, type LayerVariable} from '@tensorflow/tfjs-layers';
import {checkInteger, describe} from './checks.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
type Shape = (number | null)[];
type LayerKwargs = Parameters<layers.Layer['call']>[1];
/** The activation names tf.layers accepts ('relu', 'softmax', 'linear', …). */
export type LowRankActivation = Parameters<typeof layers.activation>[0]['activation'];

export interface LowRankDenseArgs extends LayerArgs {
  /** Output features. */
  units: number;
  /** Inner dimension r of the factorisation kernel ≈ factorA [in, r] · factorB [r, units]. */
  rank: number;
  /** Applied after the bias; any tf.layers activation name. Default 'linear'. */
  activation?: LowRankActivation;
  /** Default true. */
  useBias?: boolean;
}

/**
 * A Dense layer whose kernel is stored as two factors: y = activation((x · A) · B + bias), with
 * A [inputDim, rank] and B [rank, units]. The product is evaluated as two skinny matMuls, never as a
 * rebuilt [inputDim, units] matrix: that is where the speed comes from (rank·(in + units) instead of
 * in·units multiply-adds per row), and a rebuilt matrix would cost a dense product plus the rebuild.
 *
 * Serializable like any tf.layers layer (class name 'LowRankDense'); weights are `factorA`,
 * `factorB`, `bias`. Build one from a trained Dense layer with {@link compressDense}, or train one
 * from scratch (both factors start Glorot-uniform, the bias at zero).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import {LowRankDense} from 'tfjs-semifield/primitives';
 * const model = tf.sequential();
 * model.add(new LowRankDense({inputShape: [784], units: 512, rank: 64, activation: 'relu'}));
 * model.add(tf.layers.dense({units: 10, activation: 'softmax'}));
 * const y = model.predict(tf.zeros([2, 784])) as tf.Tensor; // [2, 10]
 * ```
 */
export class LowRankDense extends layers.Layer {
  static className = 'LowRankDense';
  readonly units: number;
  readonly rank: number;
  readonly useBias: boolean;
  readonly activationName: string;
  private readonly activationFn: {apply(x: tf.Tensor): tf.Tensor};
  private factorA: LayerVariable | null = null;
  private factorB: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: LowRankDenseArgs) {
    if (args == null || typeof args !== 'object')
      throw new Error(`args: expected a LowRankDenseArgs object, but got ${describe(args)}`);
    const units = checkInteger('args.units', args.units, 1, 2 ** 31 - 1);
    const rank = checkInteger('args.rank', args.rank, 1, 2 ** 31 - 1);
    if (args.useBias !== undefined && typeof args.useBias !== 'boolean') {
      throw new Error(`args.useBias: expected a boolean, but got ${describe(args.useBias)}`);
    }
    const activationName = args.activation ?? 'linear';
    let activationLayer;
    try {
      // tf.layers' own Activation layer resolves and validates the name, so every tfjs activation works.
      activationLayer = layers.activation({activation: activationName});
    } catch (e) {
      throw new Error(
        `args.activation: expected a tf.layers activation name, but got ${describe(activationName)} (${(e as Error).message})`,
        {cause: e},
      );
    }
    super(args);
    this.units = units;
    this.rank = rank;
    this.useBias = args.useBias ?? true;
    this.activationName = activationName;
    this.activationFn = activationLayer.activation;
    this.inputSpec = [{minNDim: 2}];
    this.supportsMasking = true;
  }

  private addFactor(name: string, shape: number[], initializer: ReturnType<typeof initializers.zeros>): LayerVariable {
    return this.addWeight(name, shape, 'float32', initializer);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inputDim = shape[shape.length - 1];
    if (inputDim == null) throw new Error(`inputShape: expected a known last dimension, but got [${shape.join(', ')}]`);
    if (this.rank > Math.min(inputDim, this.units)) {
      // A rank above min(in, units) is legal maths but only ever costs more than a Dense layer.
      throw new Error(
        `args.rank: expected at most min(inputDim ${inputDim}, units ${this.units}) = ${Math.min(inputDim, this.units)}, but got ${this.rank}`,
      );
    }
    this.factorA = this.addFactor('factorA', [inputDim, this.rank], initializers.glorotUniform({}));
    this.factorB = this.addFactor('factorB', [this.rank, this.units], initializers.glorotUniform({}));
    if (this.useBias) this.bias = this.addFactor('bias', [this.units], initializers.zeros());
    this.inputSpec = [{minNDim: 2, axes: {[-1]: inputDim}}];
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [...shape.slice(0, -1), this.units];
  }

  // No training-only behaviour, so kwargs (training flag, mask) are not needed.
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: LayerKwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const inputDim = x.shape[x.rank - 1];
      const x2 = x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, inputDim]) as tf.Tensor2D);
      // Two skinny products; (x·A)·B is cheaper than x·(A·B) whenever rank < in·units/(in + units).
      const hidden = tf.matMul(x2, this.factorA!.read() as tf.Tensor2D);
      let y: tf.Tensor = tf.matMul(hidden, this.factorB!.read() as tf.Tensor2D);
      if (this.bias) y = tf.add(y, this.bias.read());
      if (x.rank !== 2) y = tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
      return this.activationFn.apply(y);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      rank: this.rank,
      activation: this.activationName,
      useBias: this.useBias,
    };
  }
}

tf.serialization.registerClass(LowRankDense);
