import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import '../../index.js';
import {layers} from '../../src/layers/index.js';

import {normal} from '../reference/random.js';
import {initWebGPUForTests} from './webgpu_helpers.js';

/*
 * A short model.fit with SemifieldConv2D layers on webgpu in Node (Dawn): the fused forward and
 * both backprop kernels run inside tfjs-layers' training loop, the loss goes down, and the loss
 * curve matches the same model trained from the same weights on cpu (fused CPU kernels).
 */

const seeded = (seed: number) => tf.initializers.randomUniform({minval: -0.1, maxval: 0.1, seed});

function buildModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      layers.semifieldConv2d({
        inputShape: [8, 8, 2],
        filters: 4,
        kernelSize: 3,
        semifield: 'maxplus',
        padding: 'same',
        kernelInitializer: seeded(1),
      }),
      layers.semifieldConv2d({
        filters: 4,
        kernelSize: 3,
        strides: 2,
        semifield: {name: 'log', mu: 0.5},
        kernelInitializer: seeded(2),
      }),
      tf.layers.flatten(),
      tf.layers.dense({units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
    ],
  });
}

/** 32 images; the label says whether the brightest pixel is in the top or the bottom half. */
function dataset() {
  const n = 32;
  const xv = normal(n * 8 * 8 * 2, 4242);
  const labels = new Float32Array(n * 2);
  for (let s = 0; s < n; s++) {
    let best = -Infinity;
    let top = true;
    for (let k = 0; k < 128; k++) {
      const v = xv[s * 128 + k];
      if (v > best) {
        best = v;
        top = Math.floor(k / 16) < 4;
      }
    }
    labels[s * 2 + (top ? 0 : 1)] = 1;
  }
  return {x: tf.tensor4d(xv, [n, 8, 8, 2]), y: tf.tensor2d(labels, [n, 2])};
}

async function train(backend: string, initial: tf.Tensor[] | null): Promise<{losses: number[]; initial: tf.Tensor[]}> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed`);
  const model = buildModel();
  if (initial != null) model.setWeights(initial);
  const kept = model.getWeights().map((w) => tf.keep(w.clone()));
  model.compile({optimizer: tf.train.sgd(0.002), loss: 'categoricalCrossentropy'});
  const {x, y} = dataset();
  const history = await model.fit(x, y, {epochs: 4, batchSize: 16, shuffle: false, verbose: 0});
  tf.dispose([x, y]);
  model.dispose();
  return {losses: history.history.loss as number[], initial: kept};
}

describe('webgpu (Node, Dawn): model.fit with SemifieldConv2D layers', function () {
  this.timeout(180000);
  before(async () => {
    await initWebGPUForTests({setBackend: false});
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('trains on webgpu with the fused kernels and follows the cpu loss curve', async () => {
    const onCpu = await train('cpu', null);
    const onGpu = await train('webgpu', onCpu.initial);
    tf.dispose(onCpu.initial);
    tf.dispose(onGpu.initial);
    if (process.env.DEBUG_WEBGPU_TEST) console.log(onCpu.losses, onGpu.losses);
    expect(onGpu.losses.every(Number.isFinite), `losses ${onGpu.losses}`).to.equal(true);
    expect(onGpu.losses[onGpu.losses.length - 1]).to.be.below(onGpu.losses[0]);
    onGpu.losses.forEach((loss, epoch) => {
      expect(
        Math.abs(loss - onCpu.losses[epoch]),
        `epoch ${epoch}: webgpu ${loss} vs cpu ${onCpu.losses[epoch]}`,
      ).to.be.at.most(1e-3 * Math.max(1, Math.abs(onCpu.losses[epoch])));
    });
  });

  it('runs the fused webgpu kernels (not the composite path) in a training step', async () => {
    await tf.setBackend('webgpu');
    const model = buildModel();
    const {x, y} = dataset();
    const optimizer = tf.train.adam(0.01);
    const profile = await tf.profile(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
    });
    const names = new Set(profile.kernelNames);
    for (const name of ['SemifieldConv2D', 'SemifieldConv2DBackpropInput', 'SemifieldConv2DBackpropFilter']) {
      expect(names.has(name), `${name} in ${[...names].join(', ')}`).to.equal(true);
    }
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });
});
