import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import fc from 'fast-check';
import {semifieldConv2d, type SemifieldConfig} from '../../src/index.js';
import {semifieldConv2dIm2col} from '../../src/primitives/index.js';
import {expectThrowsNoLeak, randomArray, seededUniform} from './conv-reference.js';

const SEMIFIELDS: SemifieldConfig[] = [
  'maxplus',
  'minplus',
  {name: 'log', mu: 0.5},
  {name: 'log', mu: -1},
  {name: 'root', p: 3},
  'linear',
];

describe('semifieldConv2dIm2col: the unfold formulation equals semifieldConv2d', function () {
  this.timeout(120000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const sf of SEMIFIELDS) {
    it(`${JSON.stringify(sf)}: random shapes, groups, strides, dilations, paddings (rel. 1e-5)`, () => {
      fc.assert(
        fc.property(
          fc
            .record({
              h: fc.integer({min: 3, max: 9}),
              w: fc.integer({min: 3, max: 9}),
              groups: fc.integer({min: 1, max: 2}),
              cpg: fc.integer({min: 1, max: 2}),
              opg: fc.integer({min: 1, max: 2}),
              k: fc.integer({min: 1, max: 3}),
              stride: fc.integer({min: 1, max: 2}),
              dilation: fc.integer({min: 1, max: 2}),
              pad: fc.constantFrom<'valid' | 'same' | number>('valid', 'same', 1),
              seed: fc.integer(),
            })
            .filter((c) => {
              const extra = c.pad === 'same' ? 99 : c.pad === 1 ? 2 : 0;
              return Math.min(c.h, c.w) + extra >= (c.k - 1) * c.dilation + 1;
            }),
          (c) => {
            const rand = seededUniform(c.seed);
            const cin = c.groups * c.cpg;
            const cout = c.groups * c.opg;
            const positive = typeof sf === 'object' && sf.name === 'root';
            const gen = () => (positive ? (rand() + 1) / 2 : rand());
            const x = tf.tensor4d(randomArray(c.h * c.w * cin, gen), [1, c.h, c.w, cin]);
            const w = tf.tensor4d(randomArray(c.k * c.k * c.cpg * cout, gen), [c.k, c.k, c.cpg, cout]);
            const options = {strides: c.stride, dilations: c.dilation, pad: c.pad, groups: c.groups};
            const before = tf.memory().numTensors;
            const y = semifieldConv2dIm2col(x, w, sf, options);
            expect(tf.memory().numTensors).to.equal(before + 1);
            const ref = semifieldConv2d(x, w, sf, {...options, implementation: 'composite'});
            expect(y.shape).to.deep.equal(ref.shape);
            const a = y.dataSync();
            const b = ref.dataSync();
            for (let i = 0; i < a.length; i++) {
              if (!Number.isFinite(b[i])) expect(a[i]).to.equal(b[i]);
              else expect(Math.abs(a[i] - b[i])).to.be.at.most(1e-5 * Math.max(1, Math.abs(b[i])));
            }
            tf.dispose([x, w, y, ref]);
          },
        ),
        {numRuns: 15, seed: 17},
      );
    });
  }

  it("kind 'conv' mirrors the filter", () => {
    const x = tf.randomNormal([1, 6, 6, 1]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 1, 1]) as tf.Tensor4D;
    const a = semifieldConv2dIm2col(x, w, 'maxplus', {kind: 'conv'});
    const b = semifieldConv2d(x, tf.reverse(w, [0, 1]) as tf.Tensor4D, 'maxplus');
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).to.equal(0);
  });

  it('bad input throws naming the argument and leaks nothing', () => {
    const x = tf.zeros([1, 6, 6, 2]) as tf.Tensor4D;
    const w = tf.zeros([3, 3, 2, 2]) as tf.Tensor4D;
    const i32 = tf.zeros([1, 6, 6, 2], 'int32') as tf.Tensor4D;
    expectThrowsNoLeak(() => semifieldConv2dIm2col(x, w, 'tropical' as never), /^semifield: expected one of/);
    expectThrowsNoLeak(
      () => semifieldConv2dIm2col(i32, w, 'maxplus'),
      /^x: expected a float32 tensor, but got a int32 tensor/,
    );
    expectThrowsNoLeak(
      () => semifieldConv2dIm2col(x, w, 'maxplus', {groups: 3}),
      /^groups: must divide the input channels/,
    );
    expectThrowsNoLeak(
      () => semifieldConv2dIm2col([1, 2] as never, w, 'maxplus'),
      /^x: expected a live tf.Tensor, but got \[1,2\]/,
    );
    tf.dispose([x, w, i32]);
  });
});
