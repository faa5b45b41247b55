import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {
  CONV_ALGORITHMS,
  clearConvAlgorithmCache,
  conv2dAuto,
  findConvAlgorithm,
  getCachedConvAlgorithm,
  runConvAlgorithm,
} from '../../src/primitives/index.js';
import {expectThrowsNoLeak} from './conv-reference.js';

// Correctness of the tuner only: which algorithm wins is a measurement (BENCHMARKS.md), not a test.
const FAST = {warmup: 0, minTimeMs: 0, minRepeats: 1, maxRepeats: 2};

describe('autotuner: findConvAlgorithm / conv2dAuto', function () {
  this.timeout(60000);
  before(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(() => clearConvAlgorithmCache());

  it('times every applicable algorithm, marks the others, and caches the winner per (backend, shapes, options)', () => {
    const before = tf.memory().numTensors;
    const choice = findConvAlgorithm([1, 10, 10, 2], [3, 3, 2, 3], {pad: 'same', ...FAST});
    expect(tf.memory().numTensors).to.equal(before);
    expect(choice.backend).to.equal('cpu');
    expect(choice.timings.map((t) => t.algorithm)).to.deep.equal([...CONV_ALGORITHMS]);
    for (const t of choice.timings) {
      expect(t.applicable).to.equal(true); // 3×3, stride 1, cpu has FFT kernels
      expect(t.ms).to.be.a('number').and.be.at.least(0);
    }
    const fastest = Math.min(...choice.timings.map((t) => t.ms!));
    expect(choice.timings.find((t) => t.algorithm === choice.best)!.ms).to.equal(fastest);
    expect(getCachedConvAlgorithm([1, 10, 10, 2], [3, 3, 2, 3], {pad: 'same'})).to.equal(choice);
    expect(findConvAlgorithm([1, 10, 10, 2], [3, 3, 2, 3], {pad: 'same', ...FAST})).to.equal(choice); // cached
    expect(getCachedConvAlgorithm([1, 10, 10, 2], [3, 3, 2, 3], {pad: 'valid'})).to.equal(undefined); // other options
    expect(findConvAlgorithm([1, 10, 10, 2], [3, 3, 2, 3], {pad: 'same', force: true, ...FAST})).to.not.equal(choice);
  });

  it('Winograd is not applicable to 5×5 filters or strides, and says why', () => {
    const choice = findConvAlgorithm([1, 12, 12, 1], [5, 5, 1, 2], {strides: 2, pad: 'same', ...FAST});
    for (const name of ['winograd-f2x2', 'winograd-f4x4']) {
      const row = choice.timings.find((t) => t.algorithm === name)!;
      expect(row.applicable).to.equal(false);
      expect(row.ms).to.equal(null);
      expect(row.reason).to.match(/3×3 filter, stride 1/);
    }
    expect(choice.best).to.not.match(/^winograd/);
  });

  it('conv2dAuto equals tf.conv2d, fills the cache on first use and then only looks it up', () => {
    const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    findConvAlgorithm([2, 9, 9, 3], [3, 3, 3, 4], {pad: 'same', ...FAST});
    const before = tf.memory().numTensors;
    const y = conv2dAuto(x, w, 1, 'same');
    expect(tf.memory().numTensors).to.equal(before + 1);
    const ref = tf.conv2d(x, w, 1, 'same');
    expect(tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0]).to.be.below(1e-4);
    // Each named algorithm through the dispatcher gives the same values.
    for (const algorithm of CONV_ALGORITHMS) {
      const z = runConvAlgorithm(algorithm, x, w, {pad: 'same'});
      expect(tf.max(tf.abs(tf.sub(z, ref))).dataSync()[0], algorithm).to.be.below(1e-4);
      z.dispose();
    }
    tf.dispose([x, w, y, ref]);
  });

  it('conv2dAuto runs the find step itself when the cache is empty', () => {
    const x = tf.randomNormal([1, 6, 6, 1]) as tf.Tensor4D;
    const w = tf.randomNormal([2, 2, 1, 1]) as tf.Tensor4D;
    expect(getCachedConvAlgorithm([1, 6, 6, 1], [2, 2, 1, 1], {})).to.equal(undefined);
    const y = conv2dAuto(x, w);
    expect(getCachedConvAlgorithm([1, 6, 6, 1], [2, 2, 1, 1], {strides: 1, pad: 'valid', dilations: 1})).to.not.equal(
      undefined,
    );
    expect(y.shape).to.deep.equal([1, 5, 5, 1]);
    tf.dispose([x, w, y]);
  });

  it('interleaved rounds: the pick has at least minRepeats samples, close calls get extra rounds, hopeless ones one call', () => {
    const before = tf.memory().numTensors;
    const choice = findConvAlgorithm([1, 12, 12, 2], [3, 3, 2, 2], {
      pad: 'same',
      warmup: 1,
      minTimeMs: 0,
      minRepeats: 4,
      maxRepeats: 4,
    });
    expect(tf.memory().numTensors).to.equal(before);
    const best = choice.timings.find((t) => t.algorithm === choice.best)!;
    expect(best.samples).to.be.at.least(4);
    expect(best.ms).to.equal(Math.min(...choice.timings.map((t) => t.ms!)));
    for (const t of choice.timings) {
      // 1 call (given up after warm-up), 3 (stopped after 3 rounds at > 3× the leader), 4 (all rounds)
      // or 4 + 4 (close call: within 25 % of the leader, re-measured).
      expect([1, 3, 4, 8], t.algorithm).to.include(t.samples);
      if (t.samples === 8) expect(t.ms!, t.algorithm).to.be.at.most(2 * best.ms!);
    }
    const noClose = findConvAlgorithm([1, 12, 12, 2], [3, 3, 2, 2], {
      pad: 'same',
      warmup: 1,
      minTimeMs: 0,
      minRepeats: 4,
      maxRepeats: 4,
      closeCall: 0,
      force: true,
    });
    for (const t of noClose.timings) expect([1, 3, 4], t.algorithm).to.include(t.samples);
  });

  it('bad input throws naming the argument and leaks nothing', () => {
    expectThrowsNoLeak(() => findConvAlgorithm([1, 8, 8], [3, 3, 1, 1]), /^x: expected a rank-4 tensor/);
    expectThrowsNoLeak(
      () => findConvAlgorithm([1, 8, 8, 1], [3, 3, 1, 1], {algorithms: ['cudnn' as never]}),
      /^options.algorithms: expected entries among tfjs, direct.*but got 'cudnn'/,
    );
    expectThrowsNoLeak(
      () => findConvAlgorithm([1, 8, 8, 1], [5, 5, 1, 1], {algorithms: ['winograd-f2x2'], ...FAST}),
      /^options.algorithms: none of \["winograd-f2x2"\] applies/,
    );
    expectThrowsNoLeak(
      () => findConvAlgorithm([1, 8, 8, 1], [3, 3, 1, 1], {warmup: -1}),
      /^options.warmup: expected a number ≥ 0, but got -1/,
    );
    expectThrowsNoLeak(
      () => findConvAlgorithm([1, 8, 8, 1], [3, 3, 1, 1], {closeCall: -0.1}),
      /^options.closeCall: expected a number ≥ 0, but got -0.1/,
    );
    expectThrowsNoLeak(() => findConvAlgorithm([1, 8, 8, 1], [3, 3, 1, 1], {pad: 'full' as never}), /^pad: expected/);
    const x = tf.zeros([1, 8, 8, 2]) as tf.Tensor4D;
    const w = tf.zeros([3, 3, 1, 1]) as tf.Tensor4D;
    expectThrowsNoLeak(
      () => conv2dAuto(x, w),
      /^filter: filter.shape\[2\] must equal the input channels x.shape\[3\] = 2, but got 1/,
    );
    const w2 = tf.zeros([3, 3, 2, 1]) as tf.Tensor4D;
    expectThrowsNoLeak(() => runConvAlgorithm('gemm' as never, x, w2), /^algorithm: expected one of tfjs, direct/);
    tf.dispose([x, w, w2]);
  });
});
