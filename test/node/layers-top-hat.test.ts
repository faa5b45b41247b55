import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {morphology} from '../../index.js';
import {layers} from '../../src/layers/index.js';
import {maxRelError} from '../reference/morphology_reference.js';
import {onCpu, roundTrip} from './layers-helpers.js';

describe('MorphologicalTopHat2D layer', () => {
  onCpu();
  for (const type of ['white', 'black'] as const) {
    it(`${type}: equals morphology.${type === 'white' ? 'topHat' : 'bottomHat'} with the layer's element; trains; saves and reloads`, async () => {
      const layer = layers.morphologicalTopHat2d({kernelSize: 3, type, kernel: 'free', inputShape: [8, 8, 2]});
      const model = tf.sequential({
        layers: [
          layer,
          tf.layers.globalAveragePooling2d({}),
          tf.layers.dense({units: 1, kernelInitializer: tf.initializers.ones()}),
        ],
      });
      const x = tf.randomUniform([4, 8, 8, 2], 0, 1, 'float32', 1);
      const y = layer.apply(x) as tf.Tensor;
      const b = layer.structuringFunction();
      const se = tf.reshape(b, [3, 3, 2]);
      const want = type === 'white' ? morphology.topHat(x, se) : morphology.bottomHat(x, se);
      expect(maxRelError(y.dataSync(), want.dataSync())).to.be.below(1e-6);
      expect(tf.min(y).dataSync()[0]).to.be.at.least(-1e-6);
      model.compile({optimizer: tf.train.adam(0.05), loss: 'meanSquaredError'});
      const target = tf.zeros([4, 1]);
      const h = await model.fit(x, target, {epochs: 5, verbose: 0});
      const losses = h.history.loss as number[];
      expect(losses[losses.length - 1]).to.be.below(losses[0]);
      const {loaded} = await roundTrip(model);
      expect(loaded.layers[0].getConfig().type).to.equal(type);
      expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).to.deep.equal(
        Array.from((model.predict(x) as tf.Tensor).dataSync()),
      );
      tf.dispose([x, y, b, se, want, target]);
    });
  }
  it('bad arguments', () => {
    expect(() => layers.morphologicalTopHat2d({type: 'grey' as never})).to.throw(/type: expected 'white' or 'black'/);
    expect(() => layers.morphologicalTopHat2d({padding: 'valid'})).to.throw(/padding: expected 'same'/);
  });
});
