import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import fc from 'fast-check';
import {semifieldConv2d} from '../../index.js';
import {layers} from '../../src/layers/index.js';
import {describeValue} from '../../src/ops/describe.js';
import {
  conv2dAuto,
  conv2dDirect,
  conv2dFft,
  conv2dIm2col,
  conv2dWinograd,
  semifieldConv2dIm2col,
} from '../../src/primitives/conv/index.js';

/*
 * (null for an optional option means its default, as undefined does — tf.conv2d's dilations: null.)
 *
 * Issue 15's bad-argument suite (docs/design.md §7): ≥ 1,000 generated bad calls to the op, the layers
 * and the conv primitives. Each replaces one argument of a valid call with a bad value and must throw
 * an Error whose message names that argument, within a time bound, leaking no tensor.
 */

const junk = (): unknown[] => [
  null,
  {},
  new Map(),
  new Set([1]),
  () => 1,
  'nope',
  true,
  NaN,
  Infinity,
  -Infinity,
  [],
  [[1, 2], [3]],
  [NaN],
  {shape: [1]},
];
const badInt = [
  0,
  -1,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  '2',
  null,
  {},
  [1, 2, 3],
  [0, 1],
  [1, NaN],
  [Infinity, 1],
  () => 2,
  new Map(),
];
const badPad = [
  'full',
  -1,
  1.5,
  NaN,
  Infinity,
  null,
  {},
  [[1, 2]],
  [
    [0, 0],
    [1, 1],
    [1, NaN],
  ],
  [
    [1, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ],
  [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, -1],
  ],
  [
    [-1, 0],
    [0, 0],
  ],
  () => 0,
];
const badSemifield = [
  'nope',
  42,
  null,
  {},
  [],
  {name: 'log', mu: 0},
  {name: 'log', mu: NaN},
  {name: 'log', mu: Infinity},
  {name: 'log', mu: '1'},
  {name: 'root', p: 0},
  {name: 'root', p: -Infinity},
  {name: 'maxplus', mu: 1},
  {name: 'linear', p: 2},
  () => 'maxplus',
  new Map(),
];

interface BadCall {
  label: string;
  arg: string;
  call: () => unknown;
}

/** The message must name the argument: `arg: …` at its start or `.arg:` / ` arg:` inside. */
function namesArgument(message: string, arg: string): boolean {
  const escaped = arg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s.'(])${escaped}(\\.[\\w]+)?:`).test(message) || message.includes(`'${arg}'`);
}

/** The generator of bad calls, over argument tensors `held` (disposed by the caller). */
function badCalls(held: tf.Tensor[]): fc.Arbitrary<BadCall> {
  const keep = <T extends tf.Tensor>(t: T): T => {
    held.push(t);
    return t;
  };
  const x = keep(tf.ones([1, 5, 5, 2]));
  const w = keep(tf.ones([3, 3, 2, 2]));
  const w3 = w; // 3×3, so winograd applies
  const opArgs: Array<[string, unknown[], (v: unknown) => unknown]> = [
    [
      'x',
      [undefined, ...junk(), keep(tf.ones([5, 5])), keep(tf.ones([1, 5, 5, 2], 'int32'))],
      (v) => semifieldConv2d(v as never, w, 'maxplus'),
    ],
    [
      'filter',
      [undefined, ...junk(), keep(tf.ones([3, 3, 2])), keep(tf.ones([3, 3, 3, 2]))],
      (v) => semifieldConv2d(x as tf.Tensor4D, v as never, 'maxplus'),
    ],
    ['semifield', [undefined, ...badSemifield], (v) => semifieldConv2d(x as tf.Tensor4D, w as tf.Tensor4D, v as never)],
    ['strides', badInt, (v) => semifieldConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 'log', {strides: v as never})],
    [
      'dilations',
      badInt.filter((v) => v !== null),
      (v) => semifieldConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 'root', {dilations: v as never}),
    ],
    [
      'pad',
      badPad.filter((v) => v !== null),
      (v) => semifieldConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 'linear', {pad: v as never}),
    ],
    [
      'groups',
      badInt.filter((v) => !Array.isArray(v) && v !== null).concat([3, 4]),
      (v) => semifieldConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 'minplus', {groups: v as never}),
    ],
    [
      'kind',
      ['convolution', 0, NaN, {}, () => 'conv', true],
      (v) => semifieldConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 'maxplus', {kind: v as never}),
    ],
    [
      'implementation',
      ['gpu', null, 0, NaN, {}, () => 'fused'],
      (v) => semifieldConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 'maxplus', {implementation: v as never}),
    ],
  ];

  const layerArgs: Array<[string, unknown[], (v: unknown) => unknown]> = [
    [
      'filters',
      badInt.filter((v) => !Array.isArray(v)),
      (v) => layers.semifieldConv2d({filters: v as never, kernelSize: 3}),
    ],
    ['kernelSize', badInt, (v) => layers.semifieldConv2d({filters: 2, kernelSize: v as never})],
    [
      'strides',
      badInt.filter((v) => v !== null),
      (v) => layers.semifieldConv2d({filters: 2, kernelSize: 3, strides: v as never}),
    ],
    [
      'dilationRate',
      badInt.filter((v) => v !== null),
      (v) => layers.semifieldConv2d({filters: 2, kernelSize: 3, dilationRate: v as never}),
    ],
    [
      'padding',
      ['full', 1, NaN, {}, () => 'same', [[0, 0]]],
      (v) => layers.semifieldConv2d({filters: 2, kernelSize: 3, padding: v as never}),
    ],
    [
      'semifield',
      badSemifield.filter((v) => v !== null),
      (v) => layers.semifieldConv2d({filters: 2, kernelSize: 3, semifield: v as never}),
    ],
    ['poolSize', badInt.filter((v) => v !== null), (v) => layers.semifieldPooling2d({poolSize: v as never})],
    ['strides', badInt.filter((v) => v !== null), (v) => layers.semifieldPooling2d({strides: v as never})],
    ['kernelSize', badInt.filter((v) => v !== null), (v) => layers.morphologicalOpening2d({kernelSize: v as never})],
    [
      'dilationRate',
      badInt.filter((v) => v !== null),
      (v) => layers.morphologicalClosing2d({dilationRate: v as never}),
    ],
  ];

  type ConvPrimitive = (...a: unknown[]) => unknown;
  const primitives: Array<[string, ConvPrimitive, tf.Tensor]> = [
    ['conv2dDirect', conv2dDirect as ConvPrimitive, w],
    ['conv2dIm2col', conv2dIm2col as ConvPrimitive, w],
    ['conv2dWinograd', conv2dWinograd as ConvPrimitive, w3],
    ['conv2dFft', conv2dFft as ConvPrimitive, w],
    ['conv2dAuto', conv2dAuto as ConvPrimitive, w],
  ];
  const primitiveArgs: Array<[string, unknown[], (op: ConvPrimitive, f: tf.Tensor, v: unknown) => unknown]> = [
    ['x', [undefined, ...junk(), keep(tf.ones([5, 5]))], (op, f, v) => op(v, f, 1, 'valid')],
    ['filter', [undefined, ...junk(), keep(tf.ones([3, 3, 3, 2]))], (op, _f, v) => op(x, v, 1, 'valid')],
    ['strides', badInt, (op, f, v) => op(x, f, v, 'valid')],
    ['pad', badPad.filter((v) => !(Array.isArray(v) && v.length === 2)), (op, f, v) => op(x, f, 1, v)],
    ['dilations', badInt.filter((v) => v !== null), (op, f, v) => op(x, f, 1, 'valid', 'NHWC', v)],
    ['dataFormat', ['NCHW', 'nhwc', 0, {}, NaN], (op, f, v) => op(x, f, 1, 'valid', v)],
  ];

  return fc.oneof(
    fc
      .constantFrom(...opArgs)
      .chain(([arg, values, call]) =>
        fc
          .constantFrom(...values)
          .map((v) => ({label: `semifieldConv2d ${arg} = ${describeValue(v)}`, arg, call: () => call(v)})),
      ),
    fc
      .constantFrom(...layerArgs)
      .chain(([arg, values, call]) =>
        fc
          .constantFrom(...values)
          .map((v) => ({label: `layer ${arg} = ${describeValue(v)}`, arg, call: () => call(v)})),
      ),
    fc
      .constantFrom(...primitives)
      .chain(([name, op, f]) =>
        fc
          .constantFrom(...primitiveArgs)
          .chain(([arg, values, call]) =>
            fc
              .constantFrom(...values)
              .map((v) => ({label: `${name} ${arg} = ${describeValue(v)}`, arg, call: () => call(op, f, v)})),
          ),
      ),
    fc
      .constantFrom(
        ...([
          ['x', (v: unknown) => semifieldConv2dIm2col(v as never, w as tf.Tensor4D, 'maxplus')],
          ['filter', (v: unknown) => semifieldConv2dIm2col(x as tf.Tensor4D, v as never, 'maxplus')],
        ] as const),
      )
      .chain(([arg, call]) =>
        fc
          .constantFrom(undefined, ...junk())
          .map((v) => ({label: `semifieldConv2dIm2col ${arg}`, arg, call: () => call(v)})),
      ),
  );
}

describe('bad arguments (generated): every call names its argument, in time, leaking nothing', () => {
  after(() => {
    tf.disposeVariables();
  });
  it('1,200 generated bad calls to the op, the layers and the conv primitives', function () {
    this.timeout(120_000);
    const held: tf.Tensor[] = [];
    const generator = badCalls(held);
    const before = tf.memory().numTensors;
    let calls = 0;
    fc.assert(
      fc.property(generator, ({label, arg, call}) => {
        calls++;
        const start = performance.now();
        let error: unknown;
        try {
          call();
        } catch (e) {
          error = e;
        }
        const ms = performance.now() - start;
        expect(error, `${label}: no error thrown`).to.be.instanceOf(Error);
        const message = (error as Error).message;
        expect(namesArgument(message, arg), `${label}: message does not name '${arg}': ${message}`).to.equal(true);
        expect(ms, `${label}: took ${ms.toFixed(0)} ms`).to.be.below(2000);
        expect(tf.memory().numTensors, `${label}: leaked a tensor`).to.equal(before);
      }),
      {numRuns: 1200, seed: 15},
    );
    expect(calls).to.be.at.least(1000);
    tf.dispose(held);
  });
});
