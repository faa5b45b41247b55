import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import fc from 'fast-check';
import {computeSemifieldConvInfo, semifieldConv2d} from '../../index.js';
import {maxRelError, refSemifield, type CaseSemifield} from '../reference/cases.js';
import {normal, uniform} from '../reference/random.js';
import {referenceConv2d} from '../reference/reference.js';

/*
 * Property tests: random geometry (batch, non-square sizes, kernel sizes, strides with dilations,
 * all padding forms, groups) and random semifield; fused and composite both match the float64
 * reference within 1e-5 (relative to max(1, |ref|)), and the output shape matches tf.conv2d's.
 */
const semifields: CaseSemifield[] = [
  'maxplus',
  'minplus',
  'log',
  {name: 'log', mu: -0.3},
  'root',
  {name: 'root', p: 3},
  'linear',
];

const geometry = fc
  .record({
    batch: fc.integer({min: 1, max: 2}),
    height: fc.integer({min: 1, max: 9}),
    width: fc.integer({min: 1, max: 9}),
    groups: fc.integer({min: 1, max: 3}),
    cpg: fc.integer({min: 1, max: 3}),
    opg: fc.integer({min: 1, max: 2}),
    kh: fc.integer({min: 1, max: 4}),
    kw: fc.integer({min: 1, max: 4}),
    sh: fc.integer({min: 1, max: 3}),
    sw: fc.integer({min: 1, max: 3}),
    dh: fc.integer({min: 1, max: 2}),
    dw: fc.integer({min: 1, max: 2}),
    pad: fc.oneof(
      fc.constant('valid' as const),
      fc.constant('same' as const),
      fc.integer({min: 0, max: 2}),
      fc.tuple(fc.tuple(fc.nat(3), fc.nat(3)), fc.tuple(fc.nat(3), fc.nat(3))),
    ),
    semifield: fc.constantFrom(...semifields),
    seed: fc.integer({min: 1, max: 1e6}),
  })
  .filter((g) => {
    const pads =
      g.pad === 'same'
        ? [g.kh * 9, g.kw * 9]
        : g.pad === 'valid'
          ? [0, 0]
          : typeof g.pad === 'number'
            ? [2 * g.pad, 2 * g.pad]
            : [g.pad[0][0] + g.pad[0][1], g.pad[1][0] + g.pad[1][1]];
    return g.height + pads[0] >= (g.kh - 1) * g.dh + 1 && g.width + pads[1] >= (g.kw - 1) * g.dw + 1;
  });

describe('property: random geometry vs float64 reference', () => {
  for (const implementation of ['fused', 'composite'] as const) {
    it(`${implementation}: matches the reference on 60 random configurations`, () => {
      fc.assert(
        fc.property(geometry, (g) => {
          const xShape: [number, number, number, number] = [g.batch, g.height, g.width, g.groups * g.cpg];
          const cout = g.groups * g.opg;
          const wShape: [number, number, number, number] = [g.kh, g.kw, g.cpg, cout];
          const isRoot = refSemifield(g.semifield).name === 'root';
          const nx = xShape.reduce((a, b) => a * b, 1);
          const nw = wShape.reduce((a, b) => a * b, 1);
          const x = isRoot ? uniform(nx, 0.1, 2, g.seed) : normal(nx, g.seed);
          const wv = isRoot ? uniform(nw, 0.2, 1.5, g.seed + 1) : normal(nw, g.seed + 1, 0.5);
          const options = {
            strides: [g.sh, g.sw] as [number, number],
            dilations: [g.dh, g.dw] as [number, number],
            pad: g.pad,
            groups: g.groups,
          };
          const info = computeSemifieldConvInfo(xShape, wShape, options);
          const ref = referenceConv2d(x, xShape, wv, wShape, refSemifield(g.semifield), {
            strides: [g.sh, g.sw],
            dilations: [g.dh, g.dw],
            pad: [info.padTop, info.padBottom, info.padLeft, info.padRight],
            groups: g.groups,
          });
          const y = tf.tidy(() => {
            const out = semifieldConv2d(
              tf.tensor4d(x, xShape as [number, number, number, number]),
              tf.tensor4d(wv, wShape as [number, number, number, number]),
              g.semifield,
              {...options, implementation},
            );
            return {shape: out.shape, data: out.dataSync().slice()};
          });
          expect(y.shape).to.deep.equal(ref.shape);
          expect(maxRelError(y.data, ref.y)).to.be.at.most(1e-5);
          // Shapes agree with tf.conv2d wherever tf.conv2d accepts the options. (tfjs 4.22 sizes a
          // numeric pad with the filter height and stride height for both axes — a tfjs bug for
          // non-square filters/strides; we follow the definition, so compare only square cases.)
          const square = g.kh === g.kw && g.sh === g.sw && g.dh === g.dw;
          const tfAccepts =
            g.groups === 1 && ((g.dh === 1 && g.dw === 1) || (g.sh === 1 && g.sw === 1)) && !Array.isArray(g.pad);
          if (tfAccepts && (typeof g.pad !== 'number' || square)) {
            const tfShape = tf.tidy(
              () =>
                tf.conv2d(
                  tf.zeros(xShape) as tf.Tensor4D,
                  tf.zeros(wShape) as tf.Tensor4D,
                  [g.sh, g.sw],
                  g.pad as never,
                  'NHWC',
                  [g.dh, g.dw],
                ).shape,
            );
            expect(y.shape).to.deep.equal(tfShape);
          }
        }),
        {numRuns: 60, seed: 20261121},
      );
    });
  }
});
