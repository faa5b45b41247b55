/*
 * model.fit with the SemifieldConv2D layer on webgl: the fused forward and both fused backward
 * kernels run inside tfjs-layers' training loop and the loss goes down.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {type SemifieldConfig} from '../../index.js';
import {layers} from '../../src/layers/index.js';
import {normal} from '../reference/random.js';
import {useWebGL} from './webgl_helpers.js';

/** 8×8 images with a bright horizontal (class 0) or vertical (class 1) bar, plus noise. */
function bars(n: number, seed: number): {xs: tf.Tensor4D; ys: tf.Tensor2D} {
  const noise = normal(n * 64, seed, 0.1);
  const x = new Float32Array(n * 64);
  const y = new Float32Array(n * 2);
  for (let s = 0; s < n; s++) {
    const vertical = s % 2;
    const at = 1 + ((s * 5) % 6);
    for (let r = 0; r < 8; r++)
      for (let c = 0; c < 8; c++)
        x[s * 64 + r * 8 + c] = noise[s * 64 + r * 8 + c] + ((vertical ? c : r) === at ? 1 : 0);
    y[s * 2 + vertical] = 1;
  }
  return {xs: tf.tensor4d(x, [n, 8, 8, 1]), ys: tf.tensor2d(y, [n, 2])};
}

// Seeded, so the run is the same every time (the layers' default initialisers are random).
const init = (seed: number) => tf.initializers.randomUniform({minval: -0.1, maxval: 0.1, seed});

describe('webgl: model.fit with layers.semifieldConv2d', () => {
  before(async () => {
    await useWebGL();
  });

  const semifields: SemifieldConfig[] = ['maxplus', {name: 'log', mu: 0.5}];
  for (const semifield of semifields) {
    it(`${JSON.stringify(semifield)}: loss decreases, fused kernels run`, async () => {
      tf.setBackend('webgl');
      const {xs, ys} = bars(32, 5);
      const model = tf.sequential({
        layers: [
          layers.semifieldConv2d({
            inputShape: [8, 8, 1],
            filters: 4,
            kernelSize: [1, 5],
            semifield,
            padding: 'same',
            kernelInitializer: init(1),
          }),
          layers.semifieldConv2d({
            filters: 4,
            kernelSize: [5, 1],
            semifield,
            padding: 'same',
            groups: 4,
            kernelInitializer: init(2),
          }),
          tf.layers.globalMaxPooling2d({}),
          tf.layers.dense({
            units: 2,
            activation: 'softmax',
            kernelInitializer: tf.initializers.glorotUniform({seed: 3}),
          }),
        ],
      });
      model.compile({optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy'});
      let history: tf.History | undefined;
      const profile = await tf.profile(async () => {
        history = await model.fit(xs, ys, {epochs: 20, batchSize: 16, shuffle: false, verbose: 0});
        return [] as unknown as tf.Tensor;
      });
      const losses = history!.history.loss as number[];
      console.log(
        `model.fit ${JSON.stringify(semifield)} on webgl: loss ${losses[0].toFixed(4)} → ${losses[losses.length - 1].toFixed(4)}`,
      );
      expect(tf.getBackend()).to.equal('webgl');
      expect(profile.kernelNames).to.include.members([
        'SemifieldConv2D',
        'SemifieldConv2DBackpropInput',
        'SemifieldConv2DBackpropFilter',
      ]);
      expect(losses.every(Number.isFinite)).to.equal(true);
      expect(losses[losses.length - 1]).to.be.lessThan(losses[0] * 0.7);
      model.dispose();
      tf.dispose([xs, ys]);
    });
  }
});
