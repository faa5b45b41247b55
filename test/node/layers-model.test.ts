/*
 * The semifield layers inside real tfjs models: model.fit decreases the loss for every semifield,
 * save → load through the in-memory IO handlers reproduces predictions bit for bit (config
 * included), the functional API / summary / evaluate work, and bad configs fail clearly without
 * leaking tensors.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {type SemifieldConfig} from '../../index.js';
import {layers} from '../../src/layers/index.js';
import {rng} from '../reference/random.js';
import {expectThrowsMentioning, onCpu, roundTrip} from './layers-helpers.js';

/**
 * A tiny, learnable task: 8×8 images holding either a horizontal or a vertical bar (random
 * position, brightness and noise); label = orientation.
 */
function barsTask(n: number, seed: number): {x: tf.Tensor4D; y: tf.Tensor2D} {
  const r = rng(seed);
  const x = new Float32Array(n * 64);
  const y = new Float32Array(n * 2);
  for (let s = 0; s < n; s++) {
    const vertical = s % 2;
    const at = 1 + Math.floor(r() * 6);
    const level = 0.6 + 0.4 * r();
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        const on = vertical ? j === at : i === at;
        x[s * 64 + i * 8 + j] = (on ? level : 0) + 0.1 * r();
      }
    }
    y[s * 2 + vertical] = 1;
  }
  return {x: tf.tensor4d(x, [n, 8, 8, 1]), y: tf.tensor2d(y, [n, 2])};
}

describe('layers: training with model.fit', () => {
  onCpu();

  const semifields: SemifieldConfig[] = ['maxplus', 'minplus', 'log', {name: 'log', mu: -1}, 'root', 'linear'];
  for (const sf of semifields) {
    it(`${JSON.stringify(sf)}: semifieldConv2d → semifieldPooling2d → dense; the loss falls by at least 30% in 15 epochs`, async () => {
      const {x, y} = barsTask(64, 7);
      const model = tf.sequential({
        layers: [
          layers.semifieldConv2d({
            inputShape: [8, 8, 1],
            filters: 4,
            kernelSize: 3,
            semifield: sf,
            padding: 'same',
            kernelInitializer: undefined,
          }),
          layers.semifieldPooling2d({poolSize: 2, semifield: sf === 'root' ? 'root' : 'maxplus', kernel: 'isotropic'}),
          tf.layers.flatten(),
          tf.layers.dense({
            units: 2,
            activation: 'softmax',
            kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
          }),
        ],
      });
      model.compile({optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy'});
      const history = await model.fit(x, y, {epochs: 15, batchSize: 16, shuffle: false, verbose: 0});
      const loss = history.history.loss as number[];
      expect(loss.every(Number.isFinite), `finite losses ${loss}`).to.equal(true);
      expect(loss[loss.length - 1], `losses ${loss.map((l) => l.toFixed(3))}`).to.be.lessThan(0.7 * loss[0]);
      tf.dispose([x, y]);
      model.dispose();
    });
  }
});

describe('layers: serialisation', () => {
  onCpu();

  it('model.save → tf.loadLayersModel(fromMemory) reproduces predictions exactly, configs included', async () => {
    const {x} = barsTask(6, 3);
    const model = tf.sequential({
      layers: [
        layers.semifieldConv2d({
          inputShape: [8, 8, 1],
          filters: 4,
          kernelSize: [3, 2],
          semifield: {name: 'log', mu: 0.25},
          padding: 'same',
          kind: 'conv',
          activation: 'relu',
          kernelInitializer: tf.initializers.randomNormal({stddev: 0.3, seed: 4}),
          kernelRegularizer: tf.regularizers.l2({l2: 1e-3}),
          biasConstraint: tf.constraints.nonNeg(),
          name: 'log_conv',
        }),
        layers.semifieldPooling2d({
          poolSize: 3,
          strides: 2,
          padding: 'same',
          semifield: {name: 'root', p: 3},
          kernel: {type: 'isotropic', scaleRange: [0.3, 3]},
        }),
        layers.semifieldConv2d({
          filters: 4,
          kernelSize: 3,
          groups: 2,
          semifield: 'maxplus',
          useBias: false,
          kernel: {type: 'anisotropic', axisScales: [2, 0.3]},
        }),
        layers.morphologicalClosing2d({kernelSize: 3, kernel: {type: 'anisotropic', axisScales: [2, 0.5]}}),
        layers.morphologicalOpening2d({kernelSize: 3, kernel: 'free'}),
        layers.semifieldPooling2d({
          kernel: {type: 'free', initializer: {className: 'RandomUniform', config: {minval: -0.2, maxval: 0, seed: 9}}},
        }),
        tf.layers.flatten(),
        tf.layers.dense({units: 2, activation: 'softmax'}),
      ],
    });
    const {loaded} = await roundTrip(model);
    const before = model.predict(x) as tf.Tensor;
    const after = loaded.predict(x) as tf.Tensor;
    expect(Array.from(after.dataSync())).to.deep.equal(Array.from(before.dataSync()));
    expect(loaded.layers.map((l) => l.getClassName())).to.deep.equal(model.layers.map((l) => l.getClassName()));
    for (let i = 0; i < model.layers.length; i++) {
      expect(loaded.layers[i].getConfig(), `layer ${i} config`).to.deep.equal(model.layers[i].getConfig());
    }
    const conv = model.layers[0].getConfig();
    expect(conv.semifield).to.deep.equal({name: 'log', mu: 0.25});
    expect(conv.kind).to.equal('conv');
    expect(model.layers[1].getConfig().semifield).to.deep.equal({name: 'root', p: 3});
    // The JSON topology carries the semifield too (what model.json on disk holds).
    const topology = JSON.stringify(model.toJSON(null, false));
    expect(topology).to.contain('"semifield":{"name":"log","mu":0.25}');
    tf.dispose([x, before, after]);
  });

  it('works in the functional API (tf.model) next to standard layers; summary, predict and evaluate run', async () => {
    const input = tf.input({shape: [8, 8, 1]});
    const a = layers
      .semifieldConv2d({filters: 3, kernelSize: 3, semifield: 'maxplus', padding: 'same', name: 'sf_conv'})
      .apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({filters: 3, kernelSize: 3, padding: 'same'}).apply(input) as tf.SymbolicTensor;
    const merged = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
    const pooled = layers.semifieldPooling2d({poolSize: 2, name: 'sf_pool'}).apply(merged) as tf.SymbolicTensor;
    expect(pooled.shape).to.deep.equal([null, 4, 4, 6]);
    const out = tf.layers
      .dense({units: 2, activation: 'softmax'})
      .apply(tf.layers.flatten().apply(pooled)) as tf.SymbolicTensor;
    const model = tf.model({inputs: input, outputs: out});
    const lines: string[] = [];
    model.summary(undefined, undefined, (line) => lines.push(line));
    expect(lines.join('\n')).to.contain('sf_conv (SemifieldConv2D)').and.to.contain('sf_pool (SemifieldPooling');
    model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    const {x, y} = barsTask(8, 5);
    const [loss, accuracy] = model.evaluate(x, y) as tf.Scalar[];
    expect(Number.isFinite(loss.dataSync()[0])).to.equal(true);
    expect(accuracy.dataSync()[0]).to.be.within(0, 1);
    const {loaded} = await roundTrip(model);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).to.deep.equal(
      Array.from((model.predict(x) as tf.Tensor).dataSync()),
    );
  });
});

describe('layers: bad configurations', () => {
  onCpu();

  const cases: Array<[string, () => unknown, string[]]> = [
    ['filters = 0', () => layers.semifieldConv2d({filters: 0, kernelSize: 3}), ['filters', 'positive integer', '0']],
    ['filters = -2', () => layers.semifieldConv2d({filters: -2, kernelSize: 3}), ['filters', '-2']],
    ['filters = 2.5', () => layers.semifieldConv2d({filters: 2.5, kernelSize: 3}), ['filters', '2.5']],
    ['missing kernelSize', () => layers.semifieldConv2d({filters: 2} as never), ['kernelSize', 'undefined']],
    [
      'unknown semifield',
      () => layers.semifieldConv2d({filters: 2, kernelSize: 3, semifield: 'tropical' as never}),
      ['semifield', "'tropical'", 'maxplus'],
    ],
    [
      'log with mu 0',
      () => layers.semifieldConv2d({filters: 2, kernelSize: 3, semifield: {name: 'log', mu: 0}}),
      ['semifield.mu', '0'],
    ],
    [
      'groups not dividing filters',
      () => layers.semifieldConv2d({filters: 3, kernelSize: 3, groups: 2}),
      ['groups', 'filters (3)', '2'],
    ],
    [
      "padding 'causal'",
      () => layers.semifieldConv2d({filters: 2, kernelSize: 3, padding: 'causal' as never}),
      ['padding', "'causal'"],
    ],
    [
      "kind 'full'",
      () => layers.semifieldConv2d({filters: 2, kernelSize: 3, kind: 'full' as never}),
      ['kind', "'full'"],
    ],
    [
      'channelsFirst',
      () => layers.semifieldConv2d({filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' as never}),
      ['dataFormat', 'channelsFirst'],
    ],
    [
      'unknown initializer',
      () => layers.semifieldConv2d({filters: 2, kernelSize: 3, kernelInitializer: 'dense'}),
      ['kernelInitializer', "'dense'"],
    ],
    [
      'unknown activation',
      () => layers.semifieldConv2d({filters: 2, kernelSize: 3, activation: 'sparkle' as never}),
      ['activation', "'sparkle'"],
    ],
    ['pooling: poolSize [2, 0]', () => layers.semifieldPooling2d({poolSize: [2, 0]}), ['poolSize', '[2,0]']],
    [
      'pooling: unknown kernel type',
      () => layers.semifieldPooling2d({kernel: 'gaussian' as never}),
      ['kernel', 'gaussian', 'isotropic'],
    ],
    [
      'pooling: stray kernel option',
      () => layers.semifieldPooling2d({kernel: {type: 'isotropic', theta: 1} as never}),
      ['kernel', 'theta'],
    ],
    [
      'pooling: negative scale range',
      () => layers.semifieldPooling2d({kernel: {type: 'isotropic', scaleRange: [-1, 2]}}),
      ['kernel.scaleRange', '[-1,2]'],
    ],
    [
      'opening with minplus',
      () => layers.morphologicalOpening2d({semifield: 'minplus'}),
      ['semifield', "'minplus'", 'maxplus'],
    ],
  ];
  for (const [label, make, fragments] of cases) {
    it(`${label}: throws an Error naming the argument, the expectation and the value; no tensor leaks`, () => {
      const before = tf.memory().numTensors;
      expectThrowsMentioning(make, ...fragments);
      expect(tf.memory().numTensors).to.equal(before);
    });
  }

  it('groups not dividing the input channels fails at build time, naming groups and the channel count', () => {
    const before = tf.memory().numTensors;
    const layer = layers.semifieldConv2d({filters: 4, kernelSize: 3, groups: 2});
    expectThrowsMentioning(
      () => tf.sequential({layers: [tf.layers.inputLayer({inputShape: [8, 8, 3]}), layer]}),
      'groups',
      'input channels (3)',
      '2',
    );
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('rank-3 input fails at model construction with a tfjs input-spec error', () => {
    expect(() =>
      tf.sequential({layers: [layers.semifieldConv2d({inputShape: [8, 8], filters: 2, kernelSize: 3})]}),
    ).to.throw(/ndim=4/);
  });
});
