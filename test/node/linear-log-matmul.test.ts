import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import fc from 'fast-check';
import {logMatMul} from '../../src/primitives/index.js';

/** Float64 reference product and Σ_k |a_ik·b_kj| (the scale of the rounding errors). */
function reference(a: number[][], b: number[][]): {y: number[]; scale: number[]} {
  const m = a.length;
  const k = b.length;
  const n = b[0].length;
  const y: number[] = [];
  const scale: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let l = 0; l < k; l++) {
        s += a[i][l] * b[l][j];
        t += Math.abs(a[i][l] * b[l][j]);
      }
      y.push(s);
      scale.push(t);
    }
  }
  return {y, scale};
}

/** Entries that mix signs, exact zeros and magnitudes over several decades. */
const entry = fc.oneof(
  {weight: 1, arbitrary: fc.constant(0)},
  {
    weight: 6,
    arbitrary: fc.double({min: -100, max: 100, noNaN: true, noDefaultInfinity: true}).map((v) => Math.fround(v)),
  },
  {weight: 2, arbitrary: fc.double({min: -1e-3, max: 1e-3, noNaN: true}).map((v) => Math.fround(v))},
);

const matrices = fc
  .record({m: fc.integer({min: 1, max: 7}), k: fc.integer({min: 1, max: 9}), n: fc.integer({min: 1, max: 7})})
  .chain(({m, k, n}) =>
    fc.tuple(
      fc.array(fc.array(entry, {minLength: k, maxLength: k}), {minLength: m, maxLength: m}),
      fc.array(fc.array(entry, {minLength: n, maxLength: n}), {minLength: k, maxLength: k}),
    ),
  );

describe('linear: logMatMul (products in the log domain)', () => {
  it('matches tf.matMul and a float64 reference within float32 tolerance (signs, zeros, negatives)', () => {
    fc.assert(
      fc.property(matrices, ([a, b]) => {
        const {y, scale} = reference(a, b);
        tf.tidy(() => {
          const ta = tf.tensor2d(a);
          const tb = tf.tensor2d(b);
          const got = logMatMul(ta, tb).dataSync();
          const tfjs = tf.matMul(ta, tb).dataSync();
          for (let i = 0; i < y.length; i++) {
            // exp2 of a float32 log of size ≤ ~20 loses ≲ 20·2^-24 relative per term; 1e-5 leaves room.
            const tol = 1e-5 * scale[i] + 1e-30;
            expect(Math.abs(got[i] - y[i]), `entry ${i}: ${got[i]} vs ${y[i]}`).to.be.at.most(tol);
            expect(Math.abs(got[i] - tfjs[i])).to.be.at.most(tol + 1e-6 * scale[i]);
          }
        });
      }),
      {numRuns: 100},
    );
  });

  it('handles zeros exactly: zero rows/columns give exact 0, never NaN', () => {
    tf.tidy(() => {
      const a = tf.tensor2d([
        [0, 0, 0],
        [1, -2, 0],
        [0, 5, 0],
      ]);
      const b = tf.tensor2d([
        [0, 3],
        [0, -4],
        [7, 0],
      ]);
      const y = logMatMul(a, b).arraySync();
      expect(y).to.deep.equal([
        [0, 0],
        [0, 11],
        [0, -20],
      ]);
      expect(logMatMul(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 2]) as tf.Tensor2D).arraySync()).to.deep.equal([
        [0, 0],
        [0, 0],
      ]);
    });
  });

  it('exact on powers of two, and on large row blocks (chunked path)', () => {
    tf.tidy(() => {
      const a = tf.tensor2d([
        [0.5, -4],
        [8, 0.25],
      ]);
      const b = tf.tensor2d([
        [2, 0],
        [-0.125, 16],
      ]);
      expect(logMatMul(a, b).arraySync()).to.deep.equal([
        [1.5, -64],
        [15.96875, 4],
      ]);
      const big = tf.randomNormal([300, 120], 0, 1, 'float32', 7) as tf.Tensor2D;
      const other = tf.randomNormal([120, 150], 0, 1, 'float32', 8) as tf.Tensor2D; // 5.4M terms → 2 blocks
      const diff = tf.max(tf.abs(tf.sub(logMatMul(big, other), tf.matMul(big, other)))).dataSync()[0];
      expect(diff).to.be.below(1e-3);
    });
  });

  it('logFracBits rounds the logs: error shrinks with more bits', () => {
    tf.tidy(() => {
      const a = tf.randomNormal([16, 32], 0, 1, 'float32', 1) as tf.Tensor2D;
      const b = tf.randomNormal([32, 16], 0, 1, 'float32', 2) as tf.Tensor2D;
      const exact = tf.matMul(a, b);
      const err = (bits: number) => tf.norm(tf.sub(logMatMul(a, b, {logFracBits: bits}), exact)).dataSync()[0];
      expect(err(8)).to.be.below(err(4));
      expect(err(12)).to.be.below(err(8));
    });
  });

  it('rejects bad input naming the argument, and leaks nothing', () => {
    const a = tf.ones([2, 3]) as tf.Tensor2D;
    const b = tf.ones([4, 2]) as tf.Tensor2D;
    const c = tf.ones([2, 3, 1]);
    const s = tf.tensor2d([['x']] as never, [1, 1], 'string');
    const bT = tf.ones([3, 2]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    expect(() => logMatMul(a, b)).to.throw(
      /b: expected its row count to equal the column count of a \(3\), but got shape \[4, 2\]/,
    );
    expect(() => logMatMul(c as never, b)).to.throw(/a: expected a rank-2 tensor, but got rank 3/);
    expect(() => logMatMul(a, [[1]] as never)).to.throw(/b: expected a rank-2 tf\.Tensor, but got an array/);
    expect(() => logMatMul(s as never, b)).to.throw(/a: expected dtype float32 or int32, but got string/);
    expect(() => logMatMul(a, bT, {logFracBits: -1})).to.throw(
      /options\.logFracBits: expected an integer in \[0, 20\], but got -1/,
    );
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([a, b, c, s, bT]);
  });
});
