import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {semifieldConv2d, type SemifieldConfig} from '../../index.js';
import {normal, uniform} from '../reference/random.js';

/*
 * The op inside tfjs's training machinery: tf.variableGrads gives gradients for variables, and an
 * optimizer recovers a target filter (a teacher with the same semifield produced the targets) on
 * both paths, for every semifield: the loss must fall by at least 5× in 60 Adam steps.
 */
const semifields: SemifieldConfig[] = ['maxplus', 'minplus', {name: 'log', mu: 0.5}, 'root', 'linear'];

describe('training with variables and optimizers', () => {
  for (const implementation of ['fused', 'composite'] as const) {
    for (const sf of semifields) {
      it(`${implementation} ${JSON.stringify(sf)}: variableGrads reach the filter and Adam fits a teacher`, () => {
        const root = typeof sf === 'string' ? sf === 'root' : false;
        const x = tf.tensor4d(root ? uniform(2 * 8 * 8 * 2, 0.2, 2, 1) : normal(2 * 8 * 8 * 2, 1), [2, 8, 8, 2]);
        const teacher = tf.tensor4d(
          root ? uniform(3 * 3 * 2 * 3, 0.3, 1.2, 2) : normal(3 * 3 * 2 * 3, 2, 0.5),
          [3, 3, 2, 3],
        );
        const target = semifieldConv2d(x, teacher, sf, {pad: 'same', implementation});
        const w = tf.variable(
          tf.tensor4d(root ? uniform(3 * 3 * 2 * 3, 0.3, 1.2, 3) : normal(3 * 3 * 2 * 3, 3, 0.5), [3, 3, 2, 3]),
        );
        const loss = () =>
          tf.mean(tf.square(tf.sub(semifieldConv2d(x, w, sf, {pad: 'same', implementation}), target))) as tf.Scalar;
        const {value, grads} = tf.variableGrads(loss);
        expect(Object.keys(grads)).to.deep.equal([w.name]);
        expect(tf.sum(tf.abs(grads[w.name])).dataSync()[0]).to.be.greaterThan(0);
        const initial = value.dataSync()[0];
        tf.dispose([value, grads[w.name]]);
        const optimizer = tf.train.adam(0.05);
        for (let step = 0; step < 60; step++) optimizer.minimize(loss);
        const final = tf.tidy(() => loss().dataSync()[0]);
        expect(final, `loss ${initial} → ${final}`).to.be.lessThan(initial / 5);
        optimizer.dispose();
        tf.dispose([x, teacher, target, w]);
      });
    }
  }
});

/*
 * The fused path's gradient is registered per kernel input (tf.registerGradient), so the tape runs
 * only the backprop kernels it needs: a first layer, whose input is data, never pays for dx.
 */
describe('fused gradients run only the backprop kernels the tape needs', () => {
  for (const sf of ['maxplus', {name: 'log', mu: 0.5}] as SemifieldConfig[]) {
    it(`${JSON.stringify(sf)}: grad w.r.t. the filter alone skips BackpropInput; w.r.t. both runs both`, async () => {
      const x = tf.tensor4d(normal(2 * 6 * 6 * 2, 11), [2, 6, 6, 2]);
      const w = tf.tensor4d(normal(3 * 3 * 2 * 3, 12, 0.5), [3, 3, 2, 3]);
      const f = (xi: tf.Tensor, wi: tf.Tensor) =>
        tf.sum(semifieldConv2d(xi as tf.Tensor4D, wi, sf, {pad: 'same', implementation: 'fused'}));
      const kernelsRun = async (run: () => tf.Tensor | tf.Tensor[]) => {
        const profile = await tf.profile(() => run());
        return profile.kernels.map((k) => k.name);
      };
      const filterOnly = await kernelsRun(() => tf.grad((wi: tf.Tensor) => f(x, wi))(w));
      expect(filterOnly).to.include('SemifieldConv2DBackpropFilter');
      expect(filterOnly).not.to.include('SemifieldConv2DBackpropInput');
      const inputOnly = await kernelsRun(() => tf.grad((xi: tf.Tensor) => f(xi, w))(x));
      expect(inputOnly).to.include('SemifieldConv2DBackpropInput');
      expect(inputOnly).not.to.include('SemifieldConv2DBackpropFilter');
      const both = await kernelsRun(() => tf.grads((xi: tf.Tensor, wi: tf.Tensor) => f(xi, wi))([x, w]));
      expect(both).to.include.members(['SemifieldConv2DBackpropInput', 'SemifieldConv2DBackpropFilter']);
      tf.dispose([x, w]);
    });
  }
});
