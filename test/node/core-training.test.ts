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
        const teacher = tf.tensor4d(root ? uniform(3 * 3 * 2 * 3, 0.3, 1.2, 2) : normal(3 * 3 * 2 * 3, 2, 0.5), [3, 3, 2, 3]);
        const target = semifieldConv2d(x, teacher, sf, {pad: 'same', implementation});
        const w = tf.variable(tf.tensor4d(root ? uniform(3 * 3 * 2 * 3, 0.3, 1.2, 3) : normal(3 * 3 * 2 * 3, 3, 0.5), [3, 3, 2, 3]));
        const loss = () => tf.mean(tf.square(tf.sub(semifieldConv2d(x, w, sf, {pad: 'same', implementation}), target))) as tf.Scalar;
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
