import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {semifieldConv2d} from '../../index.js';
import {normal} from '../reference/random.js';
import {useBackend} from './helpers.js';

/*
 * docs/design.md §3 identities against tfjs's own ops, forward and backward:
 * maxplus with groups = Cin equals tf.dilation2d; linear equals tf.conv2d (groups 1) and
 * tf.depthwiseConv2d (groups = Cin). Tolerance: 1e-5 relative to max(1, |tfjs|), both float32.
 */
const TOL = 1e-5;

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.div(tf.abs(tf.sub(a, b)), tf.maximum(tf.abs(b), 1))).dataSync()[0]);
}

describe('identities with tfjs ops', () => {
  for (const impl of ['fused', 'composite'] as const) {
    describe(`${impl} path on cpu`, () => {
      useBackend('cpu');
      const settings: Array<{pad: 'valid' | 'same'; strides: number; dilations: number}> = [
        {pad: 'valid', strides: 1, dilations: 1},
        {pad: 'same', strides: 1, dilations: 1},
        {pad: 'same', strides: 2, dilations: 1},
        {pad: 'valid', strides: 1, dilations: 2},
        {pad: 'same', strides: 1, dilations: 2},
      ];
      for (const s of settings) {
        it(`maxplus, groups = Cin equals tf.dilation2d (${JSON.stringify(s)}), values and gradients`, () => {
          tf.tidy(() => {
            const x = tf.tensor4d(normal(2 * 9 * 8 * 3, 11), [2, 9, 8, 3]);
            const f3 = tf.tensor3d(normal(3 * 3 * 3, 12, 0.5), [3, 3, 3]);
            const ours = (xi: tf.Tensor, fi: tf.Tensor) =>
              semifieldConv2d(xi as tf.Tensor4D, tf.reshape(fi, [3, 3, 1, 3]) as tf.Tensor4D, 'maxplus', {
                groups: 3,
                implementation: impl,
                ...s,
              });
            const theirs = (xi: tf.Tensor, fi: tf.Tensor) =>
              tf.dilation2d(xi as tf.Tensor4D, fi as tf.Tensor3D, s.strides, s.pad, s.dilations);
            expect(maxDiff(ours(x, f3), theirs(x, f3))).to.be.at.most(TOL);
            const r = tf.randomNormal(theirs(x, f3).shape, 0, 1, 'float32', 5);
            const gOurs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(ours(a, b), r)))([x, f3]);
            const gTheirs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(theirs(a, b), r)))([x, f3]);
            expect(maxDiff(gOurs[0], gTheirs[0]), 'dx').to.be.at.most(TOL);
            expect(maxDiff(gOurs[1], gTheirs[1]), 'dfilter').to.be.at.most(TOL);
          });
        });
      }
      const convSettings: Array<{
        pad: 'valid' | 'same' | number;
        strides: number | [number, number];
        dilations: number;
      }> = [
        {pad: 'valid', strides: 1, dilations: 1},
        {pad: 'same', strides: 1, dilations: 1},
        {pad: 'same', strides: [2, 3], dilations: 1},
        {pad: 1, strides: 2, dilations: 1},
        {pad: 'same', strides: 1, dilations: 2},
      ];
      for (const s of convSettings) {
        it(`linear equals tf.conv2d (${JSON.stringify(s)}), values and gradients`, () => {
          tf.tidy(() => {
            const x = tf.tensor4d(normal(2 * 9 * 10 * 4, 21), [2, 9, 10, 4]);
            const w = tf.tensor4d(normal(3 * 3 * 4 * 5, 22, 0.5), [3, 3, 4, 5]);
            const ours = (xi: tf.Tensor, wi: tf.Tensor) =>
              semifieldConv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 'linear', {implementation: impl, ...s});
            const theirs = (xi: tf.Tensor, wi: tf.Tensor) =>
              tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, s.strides, s.pad, 'NHWC', s.dilations);
            expect(ours(x, w).shape).to.deep.equal(theirs(x, w).shape);
            expect(maxDiff(ours(x, w), theirs(x, w))).to.be.at.most(TOL);
            // tfjs's conv2d has no gradient for dilations > 1 (the reference suite covers ours there).
            if (s.dilations > 1) return;
            const r = tf.randomNormal(theirs(x, w).shape, 0, 1, 'float32', 6);
            const gOurs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(ours(a, b), r)))([x, w]);
            const gTheirs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(theirs(a, b), r)))([x, w]);
            expect(maxDiff(gOurs[0], gTheirs[0]), 'dx').to.be.at.most(TOL);
            expect(maxDiff(gOurs[1], gTheirs[1]), 'dfilter').to.be.at.most(TOL);
          });
        });
      }
      it('linear with groups = Cin equals tf.depthwiseConv2d (channel multiplier 2), values and gradients', () => {
        tf.tidy(() => {
          const x = tf.tensor4d(normal(2 * 8 * 7 * 3, 31), [2, 8, 7, 3]);
          const dw = tf.tensor4d(normal(3 * 3 * 3 * 2, 32, 0.5), [3, 3, 3, 2]);
          const ours = (xi: tf.Tensor, wi: tf.Tensor) =>
            semifieldConv2d(xi as tf.Tensor4D, tf.reshape(wi, [3, 3, 1, 6]) as tf.Tensor4D, 'linear', {
              groups: 3,
              pad: 'same',
              implementation: impl,
            });
          const theirs = (xi: tf.Tensor, wi: tf.Tensor) =>
            tf.depthwiseConv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 'same');
          expect(maxDiff(ours(x, dw), theirs(x, dw))).to.be.at.most(TOL);
          const r = tf.randomNormal(theirs(x, dw).shape, 0, 1, 'float32', 7);
          const gOurs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(ours(a, b), r)))([x, dw]);
          const gTheirs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(theirs(a, b), r)))([x, dw]);
          expect(maxDiff(gOurs[0], gTheirs[0]), 'dx').to.be.at.most(TOL);
          expect(maxDiff(gOurs[1], gTheirs[1]), 'dfilter').to.be.at.most(TOL);
        });
      });
    });
  }
  it("kind 'conv' mirrors the filter (true convolution, as morphology defines dilation)", () => {
    tf.tidy(() => {
      const x = tf.tensor4d(normal(1 * 6 * 6 * 2, 41), [1, 6, 6, 2]);
      const w = tf.tensor4d(normal(3 * 2 * 2 * 2, 42), [3, 2, 2, 2]);
      const conv = semifieldConv2d(x, w, 'maxplus', {kind: 'conv'});
      const corrMirrored = semifieldConv2d(x, tf.reverse(w, [0, 1]) as tf.Tensor4D, 'maxplus');
      expect(maxDiff(conv, corrMirrored)).to.equal(0);
      expect(maxDiff(conv, semifieldConv2d(x, w, 'maxplus'))).to.be.greaterThan(0);
    });
  });
  it('rank-3 input works like tf.conv2d (no batch dimension)', () => {
    tf.tidy(() => {
      const x = tf.tensor3d(normal(5 * 5 * 2, 51), [5, 5, 2]);
      const w = tf.tensor4d(normal(2 * 2 * 2 * 3, 52), [2, 2, 2, 3]);
      const y = semifieldConv2d(x, w, 'linear', {pad: 'same'});
      expect(y.shape).to.deep.equal([5, 5, 3]);
      expect(maxDiff(y, tf.conv2d(x, w, 1, 'same'))).to.be.at.most(TOL);
    });
  });
});
