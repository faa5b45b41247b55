/*
 * tfjs's webgl backend registers Dilation2D but neither Dilation2DBackpropInput nor
 * Dilation2DBackpropFilter, so tf.dilation2d cannot be trained on WebGL. semifieldConv2d with
 * 'maxplus' and groups = Cin is the same function, and it trains.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {semifieldConv2d} from '../../index.js';
import {normal} from '../reference/random.js';
import {maxRelError} from '../reference/cases.js';
import {onBackend, useWebGL} from './webgl_helpers.js';

describe('webgl: semifieldConv2d(maxplus, groups = Cin) trains where tf.dilation2d cannot', () => {
  const x = () => tf.tensor4d(normal(2 * 9 * 8 * 3, 11), [2, 9, 8, 3]);
  const se = () => tf.tensor3d(normal(3 * 3 * 3, 12, 0.5), [3, 3, 3]);
  const opts = {strides: 1 as const, pad: 'same' as const, dilations: 2 as const};

  before(async () => {
    await useWebGL();
  });

  it('tf.dilation2d has no gradient kernels on webgl', async () => {
    expect(tf.getKernel('Dilation2D', 'webgl')).to.not.equal(undefined);
    expect(tf.getKernel('Dilation2DBackpropInput', 'webgl')).to.equal(undefined);
    expect(tf.getKernel('Dilation2DBackpropFilter', 'webgl')).to.equal(undefined);
    const [xt, st] = [x(), se()];
    expect(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.dilation2d(a as tf.Tensor4D, b as tf.Tensor3D, 1, 'same', 2)))(
        [xt, st],
      ),
    ).to.throw(/Dilation2DBackprop/);
    tf.dispose([xt, st]);
  });

  it("equals tf.dilation2d forward, and its gradients equal tf.dilation2d's on the CPU backend", async () => {
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      semifieldConv2d(a as tf.Tensor4D, tf.reshape(b, [3, 3, 1, 3]) as tf.Tensor4D, 'maxplus', {...opts, groups: 3});
    const [xt, st] = [x(), se()];
    const ours = f(xt, st);
    const theirs = tf.dilation2d(xt, st as tf.Tensor3D, 1, 'same', 2);
    expect(maxRelError(await ours.data(), await theirs.data())).to.equal(0);
    const [dx, ds] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(a, b))))([xt, st]);
    const ref = await onBackend('cpu', async () => {
      const [xc, sc] = [x(), se()];
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.dilation2d(a as tf.Tensor4D, b as tf.Tensor3D, 1, 'same', 2))),
      )([xc, sc]);
      const out = [await g[0].data(), await g[1].data()];
      tf.dispose([xc, sc, ...g]);
      return out;
    });
    expect(maxRelError(await dx.data(), ref[0]), 'dx').to.be.at.most(1e-4);
    expect(maxRelError(await ds.data(), ref[1]), 'dfilter').to.be.at.most(1e-4);
    tf.dispose([xt, st, ours, theirs, dx, ds]);
  });

  it('a max-plus layer learns a structuring element with an optimizer on webgl', async () => {
    // Target: a dilation with a fixed structuring element; learn it from a zero start.
    const target = tf.tensor4d(normal(3 * 3 * 3, 21, 0.5), [3, 3, 1, 3]);
    const xs = x();
    const ys = semifieldConv2d(xs, target, 'maxplus', {...opts, groups: 3});
    const w = tf.variable(tf.zeros([3, 3, 1, 3]));
    const opt = tf.train.adam(0.05);
    const loss = () =>
      tf.mean(
        tf.square(tf.sub(semifieldConv2d(xs, w as tf.Tensor4D, 'maxplus', {...opts, groups: 3}), ys)),
      ) as tf.Scalar;
    const first = (await loss().data())[0];
    let last = first;
    for (let step = 0; step < 60; step++) {
      const l = opt.minimize(loss, true)!;
      last = (await l.data())[0];
      l.dispose();
    }
    expect(tf.getBackend()).to.equal('webgl');
    expect(last).to.be.lessThan(first * 0.2);
    tf.dispose([target, xs, ys, w]);
    opt.dispose();
  });
});
